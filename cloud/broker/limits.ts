import type { Duplex } from 'node:stream';
import type { MqttLimits } from '../config.js';

/**
 * Follows the MQTT framing of the bytes a client sends (fixed header: 1 byte, then a variable-length "remaining
 * length" of 1..4 bytes) and reports the first packet larger than `maxBytes` as soon as its header arrives, before
 * its body is read: aedes (1.2) has no packet-size limit and would buffer a 200 MB PUBLISH whole.
 */
export class PacketSizeGuard {
  #state: 'header' | 'length' | 'body' = 'header';
  #length = 0;
  #multiplier = 1;
  #remaining = 0;

  constructor(private readonly maxBytes: number) {}

  /** The size of the first packet over the limit in `chunk`, or undefined when every packet fits so far. */
  feed(chunk: Buffer): number | undefined {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.#state === 'body') {
        const taken = Math.min(this.#remaining, chunk.length - offset);
        this.#remaining -= taken;
        offset += taken;
        if (this.#remaining === 0) this.#state = 'header';
        continue;
      }
      const byte = chunk[offset++]!;
      if (this.#state === 'header') {
        this.#state = 'length';
        this.#length = 0;
        this.#multiplier = 1;
        continue;
      }
      this.#length += (byte & 0x7f) * this.#multiplier;
      this.#multiplier *= 128;
      if (byte & 0x80) continue;
      const packetBytes = 1 + lengthBytes(this.#length) + this.#length;
      if (packetBytes > this.maxBytes) return packetBytes;
      this.#remaining = this.#length;
      this.#state = this.#remaining > 0 ? 'body' : 'header';
    }
    return undefined;
  }
}

function lengthBytes(length: number): number {
  return length < 128 ? 1 : length < 16_384 ? 2 : length < 2_097_152 ? 3 : 4;
}

/**
 * Watches what aedes reads from `stream` and destroys it at the header of a packet larger than `maxBytes`. aedes
 * reads with `read()` on 'readable'; a 'data' listener then sees each chunk as aedes takes it, without changing
 * the flow (Node: "'readable' takes precedence in controlling the flow").
 */
export function limitPacketSize(
  stream: Duplex,
  maxBytes: number,
  onTooLarge: (packetBytes: number) => void,
): void {
  const guard = new PacketSizeGuard(maxBytes);
  const watch = (chunk: Buffer) => {
    const tooLarge = guard.feed(chunk);
    if (tooLarge === undefined) return;
    stream.off('data', watch);
    onTooLarge(tooLarge);
    stream.destroy();
  };
  stream.on('data', watch);
}

type RetainedVerdict = { ok: true } | { ok: false; message: string };

/**
 * The retained messages the broker holds, by owner (a username, or `client:<id>` when anonymous), so that a
 * client cannot fill the broker's memory and every new subscriber's session with retained messages.
 */
export class RetainedLedger {
  readonly #topics = new Map<string, { owner: string; bytes: number }>();
  readonly #owners = new Map<string, { count: number; bytes: number }>();
  #count = 0;
  #bytes = 0;

  constructor(
    private readonly limits: Pick<
      MqttLimits,
      'retainedPerClient' | 'retainedBytesPerClient' | 'retainedTotal' | 'retainedBytesTotal'
    >,
  ) {}

  get count(): number {
    return this.#count;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** Takes a retained PUBLISH of `bytes` on `topic` into account (0 bytes deletes it), or says which limit it breaks. */
  admit(owner: string, topic: string, bytes: number): RetainedVerdict {
    const previous = this.#topics.get(topic);
    const mine = this.#owners.get(owner) ?? { count: 0, bytes: 0 };
    const replacesMine = previous?.owner === owner;
    const ownerCount = mine.count + (bytes > 0 ? 1 : 0) - (replacesMine ? 1 : 0);
    const ownerBytes = mine.bytes + bytes - (replacesMine ? previous.bytes : 0);
    const totalCount = this.#count + (bytes > 0 ? 1 : 0) - (previous ? 1 : 0);
    const totalBytes = this.#bytes + bytes - (previous?.bytes ?? 0);
    const { retainedPerClient, retainedBytesPerClient, retainedTotal, retainedBytesTotal } = this.limits;
    if (bytes > 0) {
      if (ownerCount > retainedPerClient)
        return refused(`${owner} already keeps ${mine.count} retained messages (limit ${retainedPerClient})`);
      if (ownerBytes > retainedBytesPerClient)
        return refused(`${owner}'s retained messages would exceed ${retainedBytesPerClient} bytes`);
      if (totalCount > retainedTotal)
        return refused(`the broker already keeps ${this.#count} retained messages (limit ${retainedTotal})`);
      if (totalBytes > retainedBytesTotal)
        return refused(`retained messages would exceed ${retainedBytesTotal} bytes in all`);
    }
    if (previous) this.#release(previous.owner, previous.bytes);
    if (bytes > 0) {
      this.#topics.set(topic, { owner, bytes });
      const entry = this.#owners.get(owner) ?? { count: 0, bytes: 0 };
      this.#owners.set(owner, { count: entry.count + 1, bytes: entry.bytes + bytes });
      this.#count += 1;
      this.#bytes += bytes;
    } else {
      this.#topics.delete(topic);
    }
    return { ok: true };
  }

  #release(owner: string, bytes: number): void {
    const entry = this.#owners.get(owner);
    if (entry && entry.count <= 1) this.#owners.delete(owner);
    else if (entry) this.#owners.set(owner, { count: entry.count - 1, bytes: entry.bytes - bytes });
    this.#count -= 1;
    this.#bytes -= bytes;
  }
}

function refused(message: string): RetainedVerdict {
  return { ok: false, message };
}

/**
 * A token bucket per client: `perSecond` PUBLISHes on average, `burst` at once. `delayMs` reserves a token and
 * says how long to wait for it; the broker holds the PUBLISH that long, and aedes reads nothing more from that
 * client meanwhile (TCP backpressure on the sender, nothing dropped).
 */
export class PublishRateLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  delayMs(client: string): number {
    const now = this.now();
    const bucket = this.#buckets.get(client) ?? { tokens: this.burst, at: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond);
    bucket.at = now;
    bucket.tokens -= 1;
    this.#buckets.set(client, bucket);
    return bucket.tokens >= 0 ? 0 : (-bucket.tokens / this.perSecond) * 1000;
  }

  forget(client: string): void {
    this.#buckets.delete(client);
  }
}
