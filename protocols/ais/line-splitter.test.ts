import { describe, expect, it } from 'vitest';
import { LineSplitter } from './line-splitter.js';

/** Feeds `chunks` through a splitter and returns the lines as latin1 strings. */
function split(chunks: Array<string | Buffer>): string[] {
  const lines: string[] = [];
  const splitter = new LineSplitter();
  const collect = (bytes: Buffer, start: number, end: number) =>
    lines.push(bytes.toString('latin1', start, end));
  for (const chunk of chunks)
    splitter.push(typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk, collect);
  splitter.end(collect);
  return lines;
}

describe('LineSplitter', () => {
  it('splits on \\n and drops the \\r of CRLF', () => {
    expect(split(['a\r\nb\nc\r\n'])).toEqual(['a', 'b', 'c']);
    expect(split(['\n\r\n\n'])).toEqual(['', '', '']);
  });

  it('gives a last line without a newline at the end, and nothing more when the input ends with one', () => {
    expect(split(['a\nlast'])).toEqual(['a', 'last']);
    expect(split(['a\n'])).toEqual(['a']);
    expect(split([])).toEqual([]);
    expect(split(['last\r'])).toEqual(['last']);
  });

  it('joins lines cut at every possible chunk boundary', () => {
    const text =
      '!AIVDM,1,1,,A,15M67FC000G?ufbE`FepT@3n00Sa,0*5C\r\n\nxyz\n!AIVDM,1,1,,B,B52K>;h00Fc>jpUlNV@ikwpUoP06,0*4C';
    const expected = split([text]);
    expect(expected).toHaveLength(4);
    for (let cut = 0; cut <= text.length; cut++)
      expect(split([text.slice(0, cut), text.slice(cut)])).toEqual(expected);
    expect(split(Array.from(text))).toEqual(expected); // one byte per chunk, the CR of CRLF alone in its chunk
  });

  it('handles a very long garbage line across many chunks in linear time', () => {
    const chunk = Buffer.alloc(1 << 16, 0x41);
    const chunks = [
      Buffer.from('before\n'),
      ...Array.from({ length: 160 }, () => chunk),
      Buffer.from('\nafter\n'),
    ];
    const lines = split(chunks);
    expect(lines.map((line) => line.length)).toEqual([6, 160 << 16, 5]);
  });
});
