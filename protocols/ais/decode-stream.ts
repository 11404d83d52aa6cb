import type { Readable, Writable } from 'node:stream';
import { AisDecoder, type AisDecoderStats } from './decoder.js';
import { toGpsdJson } from './json.js';
import { LineSplitter } from './line-splitter.js';
import { MAX_POSITION_LINE_BYTES, PositionLineWriter } from './position-lines.js';

export interface DecodeStreamOptions {
  /** Raw integers as `gpsdecode -u -j` (default: scaled as `gpsdecode -j`). */
  unscaled?: boolean;
  /** Name printed in error lines (the file, or `stdin`). */
  source?: string;
}

/** Output is gathered in buffers of this size and written whole (one write per buffer, not per line). */
const OUTPUT_BUFFER_BYTES = 1 << 18;
const ERROR_FLUSH_CHARS = 1 << 16;

/**
 * Decodes NMEA lines from `input` to gpsd JSON lines on `output`. Rejected AIS sentences are reported on
 * `errors` as `<source>:<line>: <reason>: <detail>`; other NMEA, comments and blank lines are skipped.
 * Unlike gpsdecode, a last line without a newline is decoded too.
 *
 * Lines are split on the input bytes; plain single-sentence position reports (types 1-3, 18) go from bytes
 * to JSON bytes (`PositionLineWriter`), every other line through `AisDecoder` and `toGpsdJson`, in input
 * order, with the same counters. The receive time (expiry clock of multi-sentence messages) is read once
 * per input chunk.
 */
export async function decodeStream(
  input: Readable,
  output: Writable,
  errors: Writable,
  options: DecodeStreamOptions = {},
): Promise<AisDecoderStats> {
  const decoder = new AisDecoder();
  const scaled = options.unscaled !== true;
  const source = options.source ?? 'stdin';
  const positions = new PositionLineWriter({ scaled });
  const splitter = new LineSplitter();
  let out = Buffer.allocUnsafe(OUTPUT_BUFFER_BYTES);
  let used = 0;
  let err = '';
  let lineNumber = 0;
  let receivedAtMs = Date.now();

  /** Hands the filled part of the buffer to `output` and starts a new buffer (the stream may keep the old one). */
  const flush = () => {
    if (used === 0) return;
    output.write(out.subarray(0, used));
    out = Buffer.allocUnsafe(OUTPUT_BUFFER_BYTES);
    used = 0;
  };
  const writeText = (text: string) => {
    if (used + text.length * 3 > OUTPUT_BUFFER_BYTES) flush();
    if (text.length * 3 > OUTPUT_BUFFER_BYTES) output.write(text);
    else used += out.write(text, used, 'utf8');
  };
  const decodeLine = (bytes: Buffer, start: number, end: number) => {
    lineNumber++;
    if (used + MAX_POSITION_LINE_BYTES > OUTPUT_BUFFER_BYTES) flush();
    const written = positions.write(bytes, start, end, out, used);
    if (written >= 0) {
      used = written;
      decoder.countMessageDecodedElsewhere(receivedAtMs);
      return;
    }
    const result = decoder.decode(bytes.toString('latin1', start, end), receivedAtMs);
    if (result.status === 'message') writeText(`${toGpsdJson(result.message, { scaled })}\n`);
    else if (result.status === 'rejected')
      err += `${source}:${lineNumber}: ${result.reason}: ${result.detail}\n`;
  };
  const drained = async (stream: Writable) => {
    if (stream.writableNeedDrain) await new Promise<void>((resolve) => stream.once('drain', resolve));
  };
  const flushAll = async () => {
    flush();
    if (err !== '') {
      errors.write(err);
      err = '';
    }
    await Promise.all([drained(output), drained(errors)]);
  };

  for await (const chunk of input as AsyncIterable<Buffer | string>) {
    receivedAtMs = Date.now();
    splitter.push(typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk, decodeLine);
    if (used > 0 || err.length >= ERROR_FLUSH_CHARS) await flushAll();
  }
  splitter.end(decodeLine);
  await flushAll();
  return decoder.stats;
}
