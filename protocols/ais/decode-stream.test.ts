import { readFileSync } from 'node:fs';
import { PassThrough, Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { aisFixtureFiles } from '../../tests/support/gpsdecode.js';
import { decodeStream } from './decode-stream.js';
import { AisDecoder } from './decoder.js';
import { toGpsdJson } from './json.js';

/** The stream's contract, one line at a time through the generic decoder. */
function lineByLine(input: string, scaled: boolean) {
  const decoder = new AisDecoder();
  let out = '';
  let err = '';
  input.split('\n').forEach((line, index, all) => {
    if (index === all.length - 1 && line === '') return;
    const result = decoder.decode(line.endsWith('\r') ? line.slice(0, -1) : line, 0);
    if (result.status === 'message') out += `${toGpsdJson(result.message, { scaled })}\n`;
    else if (result.status === 'rejected') err += `stdin:${index + 1}: ${result.reason}: ${result.detail}\n`;
  });
  return { out, err, stats: decoder.stats };
}

async function streamed(input: string, chunkBytes: number, scaled: boolean) {
  const bytes = Buffer.from(input, 'latin1');
  const chunks = Array.from({ length: Math.ceil(bytes.length / chunkBytes) }, (_, i) =>
    bytes.subarray(i * chunkBytes, (i + 1) * chunkBytes),
  );
  const output = new PassThrough();
  const errors = new PassThrough();
  const [stats, out, err] = await Promise.all([
    decodeStream(Readable.from(chunks), output, errors, { unscaled: !scaled }).finally(() => {
      output.end();
      errors.end();
    }),
    text(output),
    text(errors),
  ]);
  return { out, err, stats };
}

describe('decodeStream', () => {
  const input = aisFixtureFiles()
    .map((file) => readFileSync(file, 'latin1'))
    .join('\n');

  for (const [chunkBytes, scaled] of [
    [7, false],
    [4096, true],
    [1 << 20, false],
  ] as const) {
    it(`prints, reports and counts as the decoder line by line (chunks of ${chunkBytes} bytes, ${scaled ? 'scaled' : 'unscaled'})`, async () => {
      const expected = lineByLine(input, scaled);
      const actual = await streamed(input, chunkBytes, scaled);
      expect(actual.out).toBe(expected.out);
      expect(actual.err).toBe(expected.err);
      expect(actual.stats).toEqual(expected.stats);
      expect(expected.stats.messages).toBeGreaterThan(900);
    });
  }
});
