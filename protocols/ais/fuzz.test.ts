import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { prng, randomMessage, randomType24Pair } from '../../tests/support/ais-generator.js';
import { aisFixtureFiles } from '../../tests/support/gpsdecode.js';
import { VesselPosition, VesselStatic } from '../mqtt/payloads.js';
import { compileSchema } from '../validation.js';
import { AisDecoder } from './decoder.js';
import { toGpsdJson } from './json.js';
import { toVesselPosition, toVesselStatic } from './vessel.js';

/**
 * Fuzz: mutated sentences (bit flips, truncation, random bytes, spliced lines, shuffled fragments) must never
 * make the decoder throw, every message it returns must serialise to valid gpsd JSON and map to valid MQTT
 * payloads, and its buffers must stay within their bounds. npm test runs 200,000 (about 3 s on a quiet core; a
 * million took 85 s on a CI machine at load 14, past the test timeout); a longer campaign:
 * AIS_FUZZ_SENTENCES=20000000 npx vitest run protocols/ais/fuzz.test.ts.
 */
const TOTAL = Number(process.env.AIS_FUZZ_SENTENCES ?? 200_000);

function corpus(): string[] {
  const lines: string[] = [];
  for (const file of aisFixtureFiles()) lines.push(...readFileSync(file, 'latin1').split('\n'));
  const random = prng(99);
  for (let type = 1; type <= 27; type++)
    for (let i = 0; i < 20; i++)
      lines.push(...(type === 24 ? randomType24Pair(random) : randomMessage(type, random, i % 10).sentences));
  return lines.filter((line) => line.trim() !== '');
}

function mutate(line: string, random: (max: number) => number, other: string): string {
  const position = random(line.length + 1);
  switch (random(8)) {
    case 0: {
      const code = line.charCodeAt(position) ^ (1 << random(8));
      return line.slice(0, position) + String.fromCharCode(code) + line.slice(position + 1);
    }
    case 1:
      return line.slice(0, position);
    case 2:
      return line.slice(0, position) + String.fromCharCode(random(256)) + line.slice(position);
    case 3:
      return line.slice(0, position) + other.slice(random(other.length));
    case 4:
      return Array.from({ length: random(120) }, () =>
        String.fromCharCode(random(2) ? 32 + random(95) : random(256)),
      ).join('');
    case 5:
      return line.replace(/,\d,\d,/, `,${random(12)},${random(12)},`);
    case 6:
      return line.slice(0, position) + line.slice(position + 1 + random(10));
    default:
      return line; // unchanged: keeps valid multi-part messages and type 24 pairs flowing
  }
}

describe('AisDecoder fuzz', () => {
  it(`survives ${TOTAL.toLocaleString('en-US')} mutated sentences with bounded buffers`, () => {
    const lines = corpus();
    const random = prng(2024);
    const decoder = new AisDecoder({ maxPartials: 256, maxType24Names: 512 });
    const positionSchema = compileSchema(VesselPosition);
    const staticSchema = compileSchema(VesselStatic);
    const counts = { message: 0, pending: 0, ignored: 0, rejected: 0 };
    let maxPending = 0;
    for (let i = 0; i < TOTAL; i++) {
      const line = mutate(lines[random(lines.length)]!, random, lines[random(lines.length)]!);
      const result = decoder.decode(line, i); // 1 ms per line: the expiry clock runs too
      counts[result.status]++;
      maxPending = Math.max(maxPending, decoder.stats.pending);
      if (result.status === 'message' && i % 7 === 0) {
        for (const scaled of [false, true]) JSON.parse(toGpsdJson(result.message, { scaled }));
        const position = toVesselPosition(result.message, 1_700_000_000_000);
        if (position !== undefined) expect(positionSchema.parseValue(position).ok).toBe(true);
        const record = toVesselStatic(result.message, 1_700_000_000_000);
        if (record !== undefined) expect(staticSchema.parseValue(record).ok).toBe(true);
      }
      if (result.status === 'rejected') expect(result.reason).toMatch(/^[a-z_]+$/);
    }
    expect(counts.message).toBeGreaterThan(TOTAL / 10);
    expect(counts.rejected).toBeGreaterThan(TOTAL / 10);
    expect(maxPending).toBeLessThanOrEqual(256);
    expect(decoder.heldType24Names).toBeLessThanOrEqual(512);
    const rejectedTotal = Object.values(decoder.stats.rejected).reduce((a, b) => a + b, 0);
    expect(rejectedTotal).toBeGreaterThanOrEqual(counts.rejected);
    expect(decoder.stats.sentences).toBe(TOTAL);
  });
});
