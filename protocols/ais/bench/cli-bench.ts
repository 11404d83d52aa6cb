/**
 * `lookout ais decode` end to end (a script, not a test): the command a user runs (process start, reading a
 * file from stdin, decoding, writing JSON lines to stdout) against `gpsdecode` on the same real captures, in
 * the same run, rounds interleaved.
 *
 *   npx tsx protocols/ais/bench/cli-bench.ts [--lines 1000000] [--rounds 3]
 *
 * Input: the plain `!AIVDM` type 1/3/18 sentences of the real captures (../shared/ais when present, else
 * tests/fixtures/ais: the same files) repeated to `--lines` lines, written to a temporary file. Sentences with
 * text after the checksum are left out: gpsd takes them, Lookout rejects them (protocols/ais/README.md).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot } from '../../../tests/support/gpsdecode.js';

const PLAIN_POSITION_SENTENCE = /^!AIVDM,1,1,\d?,[AB12]?,[13B][^,]*,[0-5]\*[0-9A-F]{2}$/;
const LOOKOUT = join(repoRoot, 'cli/lookout.js');

/** ../shared/ais when present, else the copy in the repository. */
export function capturesDir(): string {
  const shared = join(repoRoot, '../shared/ais');
  return existsSync(shared) ? shared : join(repoRoot, 'tests/fixtures/ais');
}

function positionSentences(dir: string): string[] {
  const lines: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (name === 'README.md' || name.startsWith('LICENSE')) continue;
    for (const line of readFileSync(join(dir, name), 'latin1').split('\n')) {
      const sentence = line.replace(/\r$/, '');
      if (PLAIN_POSITION_SENTENCE.test(sentence)) lines.push(sentence);
    }
  }
  return lines;
}

interface Timing {
  wall: number;
  cpu: number;
}

/** Runs a shell command; wall time, and the CPU time (user + system) of its processes from `times`. */
function timed(command: string): Timing {
  const started = process.hrtime.bigint();
  const result = spawnSync('sh', ['-c', `${command}; times`], { encoding: 'utf8', maxBuffer: 1 << 20 });
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) throw new Error(`${command} failed: ${result.stderr}`);
  const children = result.stdout.trim().split('\n').at(-1)!;
  const [user, system] = [...children.matchAll(/(\d+)m([\d.]+)s/g)].map(
    (m) => Number(m[1]) * 60 + Number(m[2]),
  );
  return { wall, cpu: (user ?? 0) + (system ?? 0) };
}

/** Best wall time (and the CPU of that round) of each command, the commands interleaved round by round. */
function bestOf(rounds: number, commands: Record<string, string>): Record<string, Timing> {
  const best: Record<string, Timing> = {};
  for (let round = 0; round < rounds; round++) {
    for (const [name, command] of Object.entries(commands)) {
      const timing = timed(command);
      if (best[name] === undefined || timing.wall < best[name].wall) best[name] = timing;
    }
  }
  return best;
}

const digest = (command: string) =>
  execFileSync('sh', ['-c', `${command} | tr -d '\\r' | md5sum`], { maxBuffer: 1 << 20 })
    .toString()
    .trim();

export function runCliBenchmark(options: { lines: number; rounds: number }): void {
  const dir = capturesDir();
  const sentences = positionSentences(dir);
  if (sentences.length === 0) throw new Error(`no plain type 1/3/18 sentences in ${dir}`);
  const work = mkdtempSync(join(tmpdir(), 'ais-cli-bench-'));
  try {
    const input = join(work, 'positions.nmea');
    const small = join(work, 'small.nmea');
    writeFileSync(
      input,
      `${Array.from({ length: options.lines }, (_, i) => sentences[i % sentences.length]).join('\n')}\n`,
    );
    writeFileSync(small, `${sentences.slice(0, 20).join('\n')}\n`);
    console.log(
      `\nCLI end to end: ${options.lines.toLocaleString('en-US')} lines = the ${sentences.length} plain !AIVDM type 1/3/18 sentences of ` +
        `${relative(process.cwd(), dir) || dir} repeated; stdin from a file, stdout to /dev/null; best of ${options.rounds}, rounds interleaved`,
    );
    const node = JSON.stringify(process.execPath);
    const lookout = `${node} ${JSON.stringify(LOOKOUT)} ais decode`;
    for (const [form, flags] of [
      ['unscaled', '-u -j'],
      ['scaled', '-j'],
    ] as const) {
      const ours = `${lookout}${form === 'unscaled' ? ' --unscaled' : ''} < ${input}`;
      const theirs = `gpsdecode ${flags} < ${input}`;
      const same = digest(ours) === digest(theirs);
      const best = bestOf(options.rounds, {
        lookout: `${ours} > /dev/null`,
        gpsdecode: `${theirs} > /dev/null`,
      });
      const rate = (t: Timing) => Math.round(options.lines / t.wall).toLocaleString('en-US');
      console.log(
        `\n| ${form} (gpsdecode ${flags}) | wall s | CPU s | sentences/s | gpsdecode ÷ this (wall) |\n|---|---:|---:|---:|---:|`,
      );
      for (const [name, t] of Object.entries(best)) {
        console.log(
          `| ${name} | ${t.wall.toFixed(2)} | ${t.cpu.toFixed(2)} | ${rate(t)} | ${(best.gpsdecode!.wall / t.wall).toFixed(2)}× |`,
        );
      }
      console.log(`output ${same ? 'identical to' : 'DIFFERENT FROM'} gpsdecode's (its \\r\\n read as \\n)`);
    }
    const startup = bestOf(5, {
      'node -e 0': `${node} -e 0`,
      'lookout --version': `${node} ${JSON.stringify(LOOKOUT)} --version > /dev/null`,
      'lookout ais decode < 20 lines': `${lookout} < ${small} > /dev/null`,
      'gpsdecode -j < 20 lines': `gpsdecode -j < ${small} > /dev/null`,
    });
    console.log('\n| start-up (best of 5) | wall s |\n|---|---:|');
    for (const [name, t] of Object.entries(startup)) console.log(`| ${name} | ${t.wall.toFixed(3)} |`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: { lines: { type: 'string', default: '1000000' }, rounds: { type: 'string', default: '3' } },
  });
  runCliBenchmark({ lines: Number(values.lines), rounds: Number(values.rounds) });
}
