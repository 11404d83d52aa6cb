import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { prng, randomMessage } from '../../tests/support/ais-generator.js';
import { aisFixtureFiles } from '../../tests/support/gpsdecode.js';
import { AisDecoder } from './decoder.js';
import { toGpsdJson } from './json.js';
import { nmeaChecksum } from './nmea.js';
import { MAX_POSITION_LINE_BYTES, PositionLineWriter } from './position-lines.js';

/** What the generic path prints for a line on its own: the JSON line, or undefined when no message. */
function generic(line: string, scaled: boolean): string | undefined {
  const result = new AisDecoder().decode(line, 0);
  return result.status === 'message' ? `${toGpsdJson(result.message, { scaled })}\n` : undefined;
}

function written(writer: PositionLineWriter, line: string): string | undefined {
  const bytes = Buffer.from(line, 'latin1');
  const out = Buffer.alloc(MAX_POSITION_LINE_BYTES + 16);
  const end = writer.write(bytes, 0, bytes.length, out, 8);
  return end < 0 ? undefined : out.toString('latin1', 8, end);
}

/** A sentence with its checksum recomputed, so that mutations reach the field checks behind it. */
function withValidChecksum(line: string): string {
  const star = line.lastIndexOf('*');
  if (star < 1) return line;
  return `${line.slice(0, star + 1)}${nmeaChecksum(line.slice(1, star))}${line.slice(star + 3)}`;
}

function mutate(line: string, random: (max: number) => number): string {
  const position = random(line.length);
  switch (random(7)) {
    case 0:
      return (
        line.slice(0, position) +
        String.fromCharCode(line.charCodeAt(position) ^ (1 << random(8))) +
        line.slice(position + 1)
      );
    case 1:
      return line.slice(0, position) + String.fromCharCode(random(256)) + line.slice(position);
    case 2:
      return line.slice(0, position) + line.slice(position + 1);
    case 3:
      return `\\s:station,c:1700000000*5A\\${line}`;
    case 4:
      return `${line},b003669794,1272412827`;
    case 5:
      return ` ${line}\r`;
    default:
      return line.replace(/,\d,\d,/, `,${random(3)},${random(3)},`);
  }
}

function corpus(): string[] {
  const lines: string[] = [];
  for (const file of aisFixtureFiles()) lines.push(...readFileSync(file, 'latin1').split('\n'));
  const random = prng(7);
  for (const type of [1, 2, 3, 18, 4, 5, 19, 27])
    for (let i = 0; i < 400; i++) lines.push(...randomMessage(type, random).sentences);
  return lines;
}

describe('PositionLineWriter', () => {
  for (const scaled of [false, true]) {
    it(`writes what the generic path prints for position reports (${scaled ? 'scaled' : 'unscaled'}) and nothing for the rest`, () => {
      const writer = new PositionLineWriter({ scaled });
      const random = prng(scaled ? 11 : 12);
      let fast = 0;
      let checked = 0;
      for (const original of corpus()) {
        for (const line of [
          original,
          mutate(original, random),
          withValidChecksum(mutate(original, random)),
        ]) {
          const ours = written(writer, line);
          checked++;
          if (ours === undefined) continue;
          fast++;
          expect(ours, line).toBe(generic(line, scaled));
        }
      }
      // Most position reports take the byte path; everything it does not take is left to the decoder.
      expect(fast).toBeGreaterThan(2500);
      expect(checked).toBeGreaterThan(10_000);
    });
  }

  it('takes exactly the plain single-sentence reports of types 1-3 and 18', () => {
    const writer = new PositionLineWriter({ scaled: false });
    const random = prng(5);
    for (const type of [1, 2, 3, 18]) {
      const line = randomMessage(type, random).sentences[0]!;
      expect(written(writer, line)).toBe(generic(line, false));
      expect(written(writer, `${line}\r`)).toBe(generic(line, false));
      expect(written(writer, line.replace(/\*..$/, '*00'))).toBeUndefined(); // bad checksum: the decoder reports it
      expect(written(writer, `\\c:1700000000*5A\\${line}`)).toBeUndefined(); // tag block
    }
    for (const type of [4, 5, 19, 24, 27])
      expect(written(writer, randomMessage(type, random).sentences[0]!)).toBeUndefined();
  });
});
