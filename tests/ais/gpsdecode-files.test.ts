import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AisDecoder } from '../../protocols/ais/decoder.js';
import { toGpsdJson } from '../../protocols/ais/json.js';
import { aisFixtureFiles, aisFixturesDir, compareWithGpsd, gpsdecodeLines } from '../support/gpsdecode.js';

/**
 * Every AIS sample file in tests/fixtures/ais decoded by Lookout and by the real gpsdecode, compared field by field,
 * unscaled (-u -j) and scaled (-j). Lines Lookout deliberately rejects as longer than their type allows
 * (protocols/ais/README.md) are taken out of gpsdecode's input too.
 */
const files = aisFixtureFiles().map((file) => basename(file));

function decodeFile(lines: string[], scaled: boolean): { json: string[]; tooLong: Set<string> } {
  const decoder = new AisDecoder();
  const json: string[] = [];
  const tooLong = new Set<string>();
  for (const line of lines) {
    const result = decoder.decode(line, 0);
    if (result.status === 'message') json.push(toGpsdJson(result.message, { scaled }));
    if (result.status === 'rejected' && result.reason === 'too_long') tooLong.add(line);
  }
  return { json, tooLong };
}

describe('Lookout equals gpsdecode on tests/fixtures/ais', () => {
  it('finds the sample files', () => {
    expect(files.length).toBeGreaterThanOrEqual(8);
  });

  for (const name of files) {
    for (const scaled of [false, true]) {
      it(`${name} ${scaled ? '-j (scaled)' : '-u -j (unscaled)'}`, () => {
        const lines = readFileSync(join(aisFixturesDir, name), 'utf8').split('\n');
        const { json, tooLong } = decodeFile(lines, scaled);
        const reference = gpsdecodeLines(lines.filter((line) => !tooLong.has(line)).join('\n'), {
          unscaled: !scaled,
        });
        expect(reference.length).toBeGreaterThan(0);
        expect(compareWithGpsd(reference, json, !scaled)).toEqual([]);
      });
    }
  }
});
