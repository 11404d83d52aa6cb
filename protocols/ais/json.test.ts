import { describe, expect, it } from 'vitest';
import { prng, randomMessage, randomType24Pair } from '../../tests/support/ais-generator.js';
import { AisDecoder } from './decoder.js';
import { toGpsdJson } from './json.js';
import type { AisMessage } from './messages.js';

function decodeAll(sentences: string[]): AisMessage[] {
  const decoder = new AisDecoder();
  const messages: AisMessage[] = [];
  for (const line of sentences) {
    const result = decoder.decode(line, 0);
    if (result.status === 'message') messages.push(result.message);
  }
  return messages;
}

/**
 * The hand-written serialisers (used when no `device` is given) against the generic path (JSON.stringify of
 * the scaled copy, taken when a `device` is given): `device: 'stdin'` prints the same header, so the lines
 * must be equal byte for byte, except that position reports (types 1-3, 18) print fixed decimals as gpsd's
 * printf does ("1.0" where JSON.stringify prints 1): there the values must be equal. Agreement with the real
 * gpsdecode is checked in tests/ais.
 */
const FIXED_DECIMAL_TYPES = new Set([1, 2, 3, 18]);

describe('toGpsdJson hand-written lines', () => {
  it('equal the generic path byte for byte for every type, random fields, scaled and unscaled', () => {
    const random = prng(2024);
    const seen = new Set<number>();
    for (let i = 0; i < 27 * 400; i++) {
      const type = 1 + (i % 27);
      const sentences = type === 24 ? randomType24Pair(random) : randomMessage(type, random).sentences;
      for (const message of decodeAll(sentences)) {
        seen.add(message.type);
        for (const scaled of [false, true]) {
          const line = toGpsdJson(message, { scaled });
          const generic = toGpsdJson(message, { scaled, device: 'stdin' });
          if (scaled && FIXED_DECIMAL_TYPES.has(message.type))
            expect(JSON.parse(line)).toEqual(JSON.parse(generic));
          else expect(line, JSON.stringify(message)).toBe(generic);
        }
      }
    }
    expect(seen.size).toBe(27);
  });

  it('print degrees at the extremes of the lon/lat fields as printf %.6f', () => {
    const base = decodeAll(randomMessage(18, prng(1)).sentences)[0];
    if (base?.type !== 18) throw new Error('expected a type 18 message');
    for (const lon of [
      0,
      1,
      -1,
      2,
      -2,
      599_999,
      -600_001,
      108_600_000,
      -108_600_000,
      2 ** 27 - 1,
      -(2 ** 27),
    ]) {
      const message = { ...base, lon, lat: -lon };
      const line = toGpsdJson(message, { scaled: true });
      expect(line).toContain(`"lon":${(lon / 600_000).toFixed(6)},"lat":${(-lon / 600_000).toFixed(6)},`);
    }
  });
});
