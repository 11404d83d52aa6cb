import { describe, expect, it } from 'vitest';
import { LineFramer } from './line-framer.js';

function frame(chunks: Array<string | Buffer>, maxLineBytes = 100) {
  const lines: string[] = [];
  const rejected: string[] = [];
  const framer = new LineFramer(maxLineBytes, {
    line: (l) => lines.push(l),
    reject: (reason) => rejected.push(reason),
  });
  for (const chunk of chunks) framer.push(typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk);
  framer.end();
  return { lines, rejected };
}

describe('LineFramer', () => {
  it('joins lines split across chunks, with LF or CRLF, and keeps a last line without newline', () => {
    const text = '!AIVDM,1,1,,A,abc,0*00\r\n!AIVDM,1,1,,B,def,0*00\n\n  \r\nlast';
    const oneByteChunks = [...text].map((ch) => ch);
    expect(frame(oneByteChunks).lines).toEqual(['!AIVDM,1,1,,A,abc,0*00', '!AIVDM,1,1,,B,def,0*00', 'last']);
    expect(frame([text]).lines).toEqual(frame(oneByteChunks).lines);
  });

  it('discards an over-long line up to its newline, once, and goes on with the next line', () => {
    const long = 'x'.repeat(250);
    const { lines, rejected } = frame(['ok1\n', long.slice(0, 90), long.slice(90), '\nok2\n'], 100);
    expect(lines).toEqual(['ok1', 'ok2']);
    expect(rejected).toEqual(['line_too_long']);
  });

  it('accepts a line of exactly maxLineBytes with CRLF', () => {
    expect(frame(['y'.repeat(100) + '\r\n'], 100)).toEqual({ lines: ['y'.repeat(100)], rejected: [] });
    expect(frame(['y'.repeat(101) + '\r\n'], 100).rejected).toEqual(['line_too_long']);
  });

  it('rejects lines with binary bytes and keeps the good lines around them', () => {
    const garbage = Buffer.from([0x00, 0xff, 0x13, 0x41, 0x0a]);
    const { lines, rejected } = frame(['good1\n', garbage, 'good2\n', Buffer.from('caf\u00e9\n', 'utf8')]);
    expect(lines).toEqual(['good1', 'good2']);
    expect(rejected).toEqual(['not_text', 'not_text']);
  });
});
