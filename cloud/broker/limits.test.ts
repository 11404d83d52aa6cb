import { describe, expect, it } from 'vitest';
import { PacketSizeGuard, PublishRateLimiter, RetainedLedger } from './limits.js';

/** An MQTT fixed header (PUBLISH) for a packet whose remaining length is `length`. */
function header(length: number): Buffer {
  const bytes = [0x30];
  do {
    let byte = length % 128;
    length = Math.floor(length / 128);
    if (length > 0) byte |= 0x80;
    bytes.push(byte);
  } while (length > 0);
  return Buffer.from(bytes);
}

describe('PacketSizeGuard', () => {
  it('follows packets across chunks and reports the first too large one at its header', () => {
    const guard = new PacketSizeGuard(1000);
    const small = Buffer.concat([header(500), Buffer.alloc(500)]);
    expect(guard.feed(small.subarray(0, 3))).toBeUndefined();
    expect(
      guard.feed(Buffer.concat([small.subarray(3), header(0), header(997), Buffer.alloc(997)])),
    ).toBeUndefined();
    expect(guard.feed(header(200 * 1024 * 1024).subarray(0, 2))).toBeUndefined();
    const guard2 = new PacketSizeGuard(1000);
    expect(guard2.feed(header(200 * 1024 * 1024))).toBe(1 + 4 + 200 * 1024 * 1024);
  });
});

describe('RetainedLedger', () => {
  it('counts per owner and in all; replacing or deleting frees room', () => {
    const ledger = new RetainedLedger({
      retainedPerClient: 2,
      retainedBytesPerClient: 100,
      retainedTotal: 3,
      retainedBytesTotal: 1000,
    });
    expect(ledger.admit('a', 't/1', 10).ok).toBe(true);
    expect(ledger.admit('a', 't/2', 10).ok).toBe(true);
    expect(ledger.admit('a', 't/3', 10).ok).toBe(false);
    expect(ledger.admit('a', 't/1', 50).ok).toBe(true);
    expect(ledger.admit('a', 't/2', 60).ok).toBe(false); // 50 + 60 > 100 bytes
    expect(ledger.admit('b', 't/4', 10).ok).toBe(true);
    expect(ledger.admit('c', 't/5', 10).ok).toBe(false); // 3 in all
    expect(ledger.admit('a', 't/1', 0).ok).toBe(true);
    expect(ledger.admit('c', 't/5', 10).ok).toBe(true);
    expect([ledger.count, ledger.bytes]).toEqual([3, 30]);
  });
});

describe('PublishRateLimiter', () => {
  it('lets a burst through, then spaces publishes at the rate', () => {
    let now = 0;
    const limiter = new PublishRateLimiter(10, 3, () => now);
    expect([limiter.delayMs('c'), limiter.delayMs('c'), limiter.delayMs('c')]).toEqual([0, 0, 0]);
    expect(limiter.delayMs('c')).toBeCloseTo(100);
    expect(limiter.delayMs('c')).toBeCloseTo(200);
    expect(limiter.delayMs('other')).toBe(0);
    now = 1000;
    expect(limiter.delayMs('c')).toBe(0);
  });
});
