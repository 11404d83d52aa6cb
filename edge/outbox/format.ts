import { crc32 } from 'node:zlib';

/**
 * On-disk record of the outbox (documented in edge/README.md):
 *
 *   header (12 bytes): magic u32 LE 0x4C4B4F42 ("BOKL") | bodyLength u32 LE | crc32(body) u32 LE
 *   body:              seq u64 LE | enqueuedAtMs u64 LE | kind u8 (0 telemetry, 1 alert) |
 *                      topicLength u16 LE | topic (UTF-8) | payload (bodyLength - 19 - topicLength bytes)
 */
export const RECORD_MAGIC = 0x4c4b4f42;
export const HEADER_BYTES = 12;
const BODY_FIXED_BYTES = 19;

export type OutboxKind = 'telemetry' | 'alert';

export interface OutboxRecord {
  seq: number;
  kind: OutboxKind;
  topic: string;
  payload: Buffer;
  enqueuedAtMs: number;
}

export function encodeRecord(record: OutboxRecord): Buffer {
  const topic = Buffer.from(record.topic, 'utf8');
  if (topic.length > 0xffff) throw new Error(`outbox: topic longer than 65535 bytes`);
  const bodyLength = BODY_FIXED_BYTES + topic.length + record.payload.length;
  const buffer = Buffer.allocUnsafe(HEADER_BYTES + bodyLength);
  buffer.writeUInt32LE(RECORD_MAGIC, 0);
  buffer.writeUInt32LE(bodyLength, 4);
  let at = HEADER_BYTES;
  buffer.writeBigUInt64LE(BigInt(record.seq), at);
  buffer.writeBigUInt64LE(BigInt(record.enqueuedAtMs), at + 8);
  buffer.writeUInt8(record.kind === 'alert' ? 1 : 0, at + 16);
  buffer.writeUInt16LE(topic.length, at + 17);
  at += BODY_FIXED_BYTES;
  topic.copy(buffer, at);
  record.payload.copy(buffer, at + topic.length);
  buffer.writeUInt32LE(crc32(buffer.subarray(HEADER_BYTES)), 8);
  return buffer;
}

export type DecodeResult =
  | { ok: true; record: OutboxRecord; size: number }
  | { ok: false; reason: 'truncated' | 'bad_magic' | 'bad_length' | 'bad_crc' };

/** Decodes the record starting at `offset`; anything short or damaged is reported, never thrown. */
export function decodeRecord(buffer: Buffer, offset: number): DecodeResult {
  if (buffer.length - offset < HEADER_BYTES) return { ok: false, reason: 'truncated' };
  if (buffer.readUInt32LE(offset) !== RECORD_MAGIC) return { ok: false, reason: 'bad_magic' };
  const bodyLength = buffer.readUInt32LE(offset + 4);
  if (bodyLength < BODY_FIXED_BYTES) return { ok: false, reason: 'bad_length' };
  const end = offset + HEADER_BYTES + bodyLength;
  if (end > buffer.length) return { ok: false, reason: 'truncated' };
  const body = buffer.subarray(offset + HEADER_BYTES, end);
  if (crc32(body) !== buffer.readUInt32LE(offset + 8)) return { ok: false, reason: 'bad_crc' };
  const topicLength = body.readUInt16LE(17);
  if (BODY_FIXED_BYTES + topicLength > bodyLength) return { ok: false, reason: 'bad_length' };
  const record: OutboxRecord = {
    seq: Number(body.readBigUInt64LE(0)),
    enqueuedAtMs: Number(body.readBigUInt64LE(8)),
    kind: body.readUInt8(16) === 1 ? 'alert' : 'telemetry',
    topic: body.toString('utf8', BODY_FIXED_BYTES, BODY_FIXED_BYTES + topicLength),
    payload: Buffer.from(body.subarray(BODY_FIXED_BYTES + topicLength)),
  };
  return { ok: true, record, size: HEADER_BYTES + bodyLength };
}

export function recordSize(topic: string, payloadBytes: number): number {
  return HEADER_BYTES + BODY_FIXED_BYTES + Buffer.byteLength(topic, 'utf8') + payloadBytes;
}
