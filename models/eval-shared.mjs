#!/usr/bin/env node
// `npm run eval`: `lookout eval fire` on every shared photo set (../shared/fire, ../shared/fire-real) at the
// default config (or --config), one table. Held-out part only when the training split file exists
// (models/train/tiles-split.json, part `eval`), unless --whole. Without ../shared: one line, exit 0.
//
//   npm run eval -- [--whole] [--shared DIR] [--model FILE] [--config FILE] [--no-tiles] [--threads N] [--json FILE]
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const splitFile = path.join(root, 'models', 'train', 'tiles-split.json');

const { values: opts } = parseArgs({
  options: {
    whole: { type: 'boolean', default: false },
    shared: { type: 'string', default: path.resolve(root, '..', 'shared') },
    model: { type: 'string' },
    config: { type: 'string' },
    threads: { type: 'string' },
    'no-tiles': { type: 'boolean', default: false },
    json: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
const shared = path.resolve(opts.shared);
if (opts.help) {
  console.log(
    'usage: npm run eval -- [--whole] [--shared DIR] [--model FILE] [--config FILE] [--no-tiles] [--threads N] [--json FILE]',
  );
  process.exit(0);
}
if (!existsSync(path.join(shared, 'fire')) && !existsSync(path.join(shared, 'fire-real'))) {
  console.log(
    `eval: ${shared}/fire and ${shared}/fire-real not found: nothing to evaluate (the shared photo sets are not part of the repository)`,
  );
  process.exit(0);
}
const useSplit = !opts.whole && existsSync(splitFile);

// split: the set's name in the split file (null: never in it, always held out).
const SETS = [
  { name: 'wildfires2025', dir: 'fire/wildfires2025', args: [], split: null },
  { name: 'et760', dir: 'fire-real/et760', args: [], split: 'et760' },
  {
    name: 'et760-extra',
    dir: 'fire-real/et760-extra',
    args: ['--label-classes', 'smoke,fire'],
    split: 'et760-extra',
  },
  // A missing label file there means "not labelled", not "nothing there" (its README).
  {
    name: 'aiformankind-web-positive',
    dir: 'fire-real/aiformankind-web-positive',
    args: ['--label-classes', 'smoke,fire', '--unlabelled', 'skip'],
    split: 'aiformankind-web-positive',
  },
  {
    name: 'aiformankind-web-negative',
    dir: 'fire-real/aiformankind-web-negative',
    args: ['--negative'],
    split: 'aiformankind-web-negative',
  },
  { name: 'cair/fire', dir: 'fire/cair/fire', args: ['--positive'], split: 'cair-fire' },
  { name: 'cair/normal', dir: 'fire/cair/normal', args: ['--negative'], split: 'cair-normal' },
  {
    name: 'deepquestai fire+smoke',
    dir: 'fire/deepquestai',
    args: ['--positive'],
    list: ['fire_1.jpg', 'fire_2.jpg', 'smoke_1.jpg', 'smoke_2.jpg'],
    split: null,
  },
  {
    name: 'deepquestai neutral',
    dir: 'fire/deepquestai',
    args: ['--negative'],
    list: ['neutral_1.jpg', 'neutral_2.jpg'],
    split: null,
  },
];

function lookoutEval(args) {
  return new Promise((resolve, reject) => {
    const proc = spawn(
      process.execPath,
      [path.join(root, 'cli', 'lookout.js'), 'eval', 'fire', ...args, '--json'],
      { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    proc.stdout.on('data', (c) => (out += c.toString()));
    proc.on('error', reject);
    proc.on('close', (code) =>
      code === 0
        ? resolve(JSON.parse(out))
        : reject(new Error(`lookout eval fire ${args.join(' ')}: exit code ${code}`)),
    );
  });
}

const pass = [];
if (opts.model) pass.push('--model', opts.model);
if (opts.config) pass.push('--config', opts.config);
if (opts.threads) pass.push('--threads', opts.threads);
if (opts['no-tiles']) pass.push('--no-tiles');

const work = await mkdtemp(path.join(tmpdir(), 'lookout-eval-shared-'));
const rows = [];
const all = [];
let settings;
try {
  for (const set of SETS) {
    const dir = path.join(shared, set.dir);
    if (!existsSync(dir)) {
      console.error(`eval: ${dir} not found: skipped`);
      continue;
    }
    const args = [dir, ...set.args, ...pass];
    let part = 'all';
    if (set.list) {
      const file = path.join(work, `${set.name.replace(/\W+/g, '-')}.txt`);
      await writeFile(file, `${set.list.join('\n')}\n`);
      args.push('--only', file);
    } else if (useSplit && set.split) {
      args.push('--only', `${splitFile}#${set.split}/eval`);
      part = 'held-out (eval)';
    }
    if (set.split === null) part = 'all (never trained on)';
    console.error(`eval: ${set.name} (${part})`);
    const result = await lookoutEval(args);
    settings ??= result.settings;
    const m = result.sets[0].metrics;
    all.push({ set: set.name, part, args, metrics: m });
    rows.push({ set: set.name, part, m });
  }
} finally {
  await rm(work, { recursive: true, force: true });
}

const r = (x) => (x.of === 0 ? '-' : `${x.n}/${x.of} ${x.rate.toFixed(2)}`);
const header = [
  'set',
  'part',
  'images',
  'boxes',
  'smoke recall',
  'fire recall',
  'any-class recall',
  'image recall',
  'false alarms',
  'precision',
  'ms/image',
];
const table = rows.map(({ set, part, m }) => [
  set,
  part,
  String(m.images) + (m.imageErrors ? ` (+${m.imageErrors} unreadable)` : ''),
  Object.entries(m.boxesPerClass)
    .filter(([, n]) => n > 0)
    .map(([c, n]) => `${c} ${n}`)
    .join(', ') || '-',
  m.boxRecall.smoke ? r(m.boxRecall.smoke) : '-',
  m.boxRecall.fire ? r(m.boxRecall.fire) : '-',
  r(m.boxRecallAnyClass),
  r(m.imageRecall),
  r(m.falseAlarmRate),
  r(m.boxPrecision),
  m.meanMs === null ? '-' : m.meanMs.toFixed(0),
]);
console.log(`| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|`);
for (const row of table) console.log(`| ${row.join(' | ')} |`);
if (settings) {
  console.log(
    `\nmodel ${settings.modelName} (${settings.model}, input ${settings.inputSize}); thresholds ${Object.entries(
      settings.thresholds,
    )
      .map(([c, t]) => `${c} ${t}`)
      .join(', ')}; box match IoU >= ${settings.matchIou}`,
  );
  console.log(`tiling ${settings.tiling}; static filter ${settings.staticFilter}`);
  console.log('not applied: change over time and the confirmation window (single photos, no frame sequence)');
  console.log(
    useSplit
      ? `parts from ${path.relative(root, splitFile)} (eval = never trained on by the tile model; --whole for entire sets)`
      : 'entire sets (no split file, or --whole): cair/ was partly trained on by the committed model',
  );
}
if (opts.json) await writeFile(opts.json, `${JSON.stringify({ settings, useSplit, sets: all }, null, 1)}\n`);
