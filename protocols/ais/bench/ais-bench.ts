/**
 * AIS decoder benchmark (a script, not a test): Lookout vs gpsdecode -u -j vs npm ggencoder and
 * ais-stream-decoder on the same generated input, one core each, in one run.
 *
 *   npx tsx protocols/ais/bench/ais-bench.ts [--sentences 500000] [--rounds 3] [--cli-lines 1000000]
 *
 * The input is a realistic mix: mostly class A/B position reports (types 1/3/18), some static data (two-part
 * type 5, type 24 A+B) and aids to navigation (type 21). Prints sentences/s and ratios to Lookout. Then the
 * same comparison end to end: `lookout ais decode` vs `gpsdecode` processes on real captures (cli-bench.ts;
 * `--cli-lines 0` skips it).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { AisDecoder } from '../decoder.js';
import { encodeClassBPosition, encodePositionReport, encodeStaticVoyage, toSentences } from '../encode.js';
import { toGpsdJson } from '../json.js';
import { runCliBenchmark } from './cli-bench.js';
import { prng, randomMessage, randomType24Pair } from '../../../tests/support/ais-generator.js';

const { values } = parseArgs({
  options: {
    sentences: { type: 'string', default: '500000' },
    rounds: { type: 'string', default: '3' },
    'cli-lines': { type: 'string', default: '1000000' },
  },
});
const target = Number(values.sentences);
const rounds = Number(values.rounds);

function realisticMix(count: number): string[] {
  const random = prng(42);
  const fleet = Array.from({ length: 2000 }, () => 574_000_000 + random(1_000_000));
  const lines: string[] = [];
  let sequence = 0;
  while (lines.length < count) {
    const mmsi = fleet[random(fleet.length)]!;
    const pick = random(100);
    const position = {
      mmsi,
      lat: 8 + random(200_000) / 100_000,
      lon: 104 + random(200_000) / 100_000,
      sog: random(200) / 10,
      cog: random(3600) / 10,
      heading: random(360),
      second: random(60),
    };
    if (pick < 45)
      lines.push(
        ...toSentences(encodePositionReport({ type: 1, navStatus: random(2) === 0 ? 0 : 7, ...position }), {
          channel: random(2) ? 'A' : 'B',
        }),
      );
    else if (pick < 65)
      lines.push(
        ...toSentences(encodePositionReport({ type: 3, navStatus: 7, ...position }), {
          channel: random(2) ? 'A' : 'B',
        }),
      );
    else if (pick < 88)
      lines.push(...toSentences(encodeClassBPosition(position), { channel: random(2) ? 'A' : 'B' }));
    else if (pick < 93) {
      const bits = encodeStaticVoyage({
        mmsi,
        shipname: `CA MAU ${random(999)}`,
        callsign: `XV${random(9999)}`,
        shiptype: 30,
        toBow: 10,
        toStern: 8,
        draught: 2.2,
        destination: 'NAM CAN',
      });
      lines.push(...toSentences(bits, { sequenceId: sequence++ % 10, channel: random(2) ? 'A' : 'B' }));
    } else if (pick < 97) lines.push(...randomType24Pair(random));
    else lines.push(...randomMessage(21, random).sentences);
  }
  return lines;
}

interface Row {
  name: string;
  rate: number;
  note: string;
}

function timeIt(run: () => number): { rate: number; messages: number } {
  let best = 0;
  let messages = 0;
  for (let round = 0; round < rounds; round++) {
    const started = process.hrtime.bigint();
    messages = run();
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    best = Math.max(best, lines.length / seconds);
  }
  return { rate: best, messages };
}

const lines = realisticMix(target);
console.log(
  `input: ${lines.length} sentences (types 1/3/18 ~88 %, 5 as two parts, 24 A+B, 21); best of ${rounds} rounds; Node ${process.version}`,
);
const rows: Row[] = [];

const objects = timeIt(() => {
  const decoder = new AisDecoder();
  let count = 0;
  for (const line of lines) if (decoder.decode(line, 0).status === 'message') count++;
  return count;
});
rows.push({
  name: 'Lookout AisDecoder -> objects',
  rate: objects.rate,
  note: `${objects.messages} messages`,
});

const jsonLines = timeIt(() => {
  const decoder = new AisDecoder();
  let count = 0;
  let bytes = 0;
  for (const line of lines) {
    const result = decoder.decode(line, 0);
    if (result.status === 'message') {
      bytes += toGpsdJson(result.message, { scaled: false }).length + 1;
      count++;
    }
  }
  return bytes > 0 ? count : 0;
});
rows.push({
  name: 'Lookout -> JSON lines (unscaled)',
  rate: jsonLines.rate,
  note: `${jsonLines.messages} messages`,
});

const scaledLines = timeIt(() => {
  const decoder = new AisDecoder();
  let count = 0;
  for (const line of lines) {
    const result = decoder.decode(line, 0);
    if (result.status === 'message' && toGpsdJson(result.message, { scaled: true }).length > 0) count++;
  }
  return count;
});
rows.push({
  name: 'Lookout -> JSON lines (scaled)',
  rate: scaledLines.rate,
  note: `${scaledLines.messages} messages`,
});

const dir = mkdtempSync(join(tmpdir(), 'ais-bench-'));
try {
  const file = join(dir, 'input.nmea');
  writeFileSync(file, `${lines.join('\n')}\n`);
  const gpsd = timeIt(
    () =>
      execFileSync('sh', ['-c', `gpsdecode -u -j < ${file} | wc -l`])
        .toString()
        .trim().length,
  );
  rows.push({
    name: 'gpsdecode -u -j (process, JSON to a pipe)',
    rate: gpsd.rate,
    note: `${execFileSync('sh', ['-c', `gpsdecode -u -j < ${file} | wc -l`])
      .toString()
      .trim()} messages`,
  });
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const require = createRequire(import.meta.url);
const ggencoder = require('ggencoder') as {
  AisDecode: new (line: string, session: object) => { valid: boolean };
};
const gg = timeIt(() => {
  const session = {};
  let count = 0;
  for (const line of lines) if (new ggencoder.AisDecode(line, session).valid) count++;
  return count;
});
rows.push({ name: 'npm ggencoder AisDecode', rate: gg.rate, note: `${gg.messages} valid` });

type StreamDecoder = {
  on(event: string, listener: (value: unknown) => void): void;
  write(line: string): void;
};
const StreamDecoderClass = (require('ais-stream-decoder') as { default: new () => StreamDecoder }).default;
const stream = timeIt(() => {
  const decoder = new StreamDecoderClass();
  let count = 0;
  decoder.on('data', () => count++);
  decoder.on('error', () => undefined);
  for (const line of lines) decoder.write(line);
  return count;
});
rows.push({ name: 'npm ais-stream-decoder', rate: stream.rate, note: `${stream.messages} messages` });

const base = rows[0]!.rate;
console.log('\n| decoder | sentences/s | Lookout objects ÷ this | notes |\n|---|---:|---:|---|');
for (const row of rows)
  console.log(
    `| ${row.name} | ${Math.round(row.rate).toLocaleString('en-US')} | ${(base / row.rate).toFixed(2)}× | ${row.note} |`,
  );

const cliLines = Number(values['cli-lines']);
if (cliLines > 0) runCliBenchmark({ lines: cliLines, rounds });
