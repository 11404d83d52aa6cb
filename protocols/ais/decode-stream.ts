import type { Readable, Writable } from 'node:stream';
import { AisDecoder, type AisDecoderStats } from './decoder.js';
import { toGpsdJson } from './json.js';

export interface DecodeStreamOptions {
  /** Raw integers as `gpsdecode -u -j` (default: scaled as `gpsdecode -j`). */
  unscaled?: boolean;
  /** Name printed in error lines (the file, or `stdin`). */
  source?: string;
}

const FLUSH_BYTES = 1 << 16;

/**
 * Decodes NMEA lines from `input` to gpsd JSON lines on `output`. Rejected AIS sentences are reported on
 * `errors` as `<source>:<line>: <reason>: <detail>`; other NMEA, comments and blank lines are skipped.
 * Unlike gpsdecode, a last line without a newline is decoded too.
 */
export async function decodeStream(input: Readable, output: Writable, errors: Writable, options: DecodeStreamOptions = {}): Promise<AisDecoderStats> {
  const decoder = new AisDecoder();
  const scaled = options.unscaled !== true;
  const source = options.source ?? 'stdin';
  let lineNumber = 0;
  let rest = '';
  let out = '';
  let err = '';

  const write = async (stream: Writable, text: string) => {
    if (!stream.write(text)) await new Promise<void>((resolve) => stream.once('drain', resolve));
  };
  const handle = (line: string) => {
    lineNumber++;
    const result = decoder.decode(line);
    if (result.status === 'message') out += `${toGpsdJson(result.message, { scaled })}\n`;
    else if (result.status === 'rejected') err += `${source}:${lineNumber}: ${result.reason}: ${result.detail}\n`;
  };

  input.setEncoding('latin1');
  for await (const chunk of input as AsyncIterable<string>) {
    let start = 0;
    let newline = chunk.indexOf('\n');
    if (newline >= 0 && rest !== '') {
      handle(rest + chunk.slice(0, newline));
      rest = '';
      start = newline + 1;
      newline = chunk.indexOf('\n', start);
    }
    while (newline >= 0) {
      handle(chunk.slice(start, newline));
      start = newline + 1;
      newline = chunk.indexOf('\n', start);
    }
    rest += chunk.slice(start);
    if (out.length >= FLUSH_BYTES) {
      await write(output, out);
      out = '';
    }
    if (err.length >= FLUSH_BYTES) {
      await write(errors, err);
      err = '';
    }
  }
  if (rest !== '') handle(rest);
  if (out !== '') await write(output, out);
  if (err !== '') await write(errors, err);
  return decoder.stats;
}
