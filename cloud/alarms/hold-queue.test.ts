import { describe, expect, it } from 'vitest';
import { HoldQueue } from './hold-queue.js';

describe('HoldQueue', () => {
  it('keeps items in order and drains them oldest first', () => {
    const queue = new HoldQueue<number>(5);
    for (const n of [3, 1, 2]) expect(queue.push(n)).toBeUndefined();
    expect(queue.size).toBe(3);
    expect([...queue]).toEqual([3, 1, 2]);
    expect(queue.drain()).toEqual([3, 1, 2]);
    expect(queue.size).toBe(0);
    expect(queue.drain()).toEqual([]);
    expect(queue.held).toBe(3);
  });

  it('when full, evicts and returns the oldest, counting evictions', () => {
    const queue = new HoldQueue<string>(2);
    queue.push('a');
    queue.push('b');
    expect(queue.push('c')).toBe('a');
    expect(queue.push('d')).toBe('b');
    expect(queue.size).toBe(2);
    expect(queue.evicted).toBe(2);
    expect(queue.held).toBe(4);
    expect(queue.drain()).toEqual(['c', 'd']);
  });

  it('stays correct across many evictions (internal compaction) and after a drain', () => {
    const queue = new HoldQueue<number>(1000);
    const evicted: number[] = [];
    for (let i = 0; i < 10_000; i++) {
      const out = queue.push(i);
      if (out !== undefined) evicted.push(out);
    }
    expect(evicted).toEqual(Array.from({ length: 9000 }, (_, i) => i));
    expect([...queue]).toEqual(Array.from({ length: 1000 }, (_, i) => 9000 + i));
    expect(queue.drain()).toEqual(Array.from({ length: 1000 }, (_, i) => 9000 + i));
    queue.push(-1);
    expect([...queue]).toEqual([-1]);
  });

  it('refuses a bound that is not a positive integer', () => {
    expect(() => new HoldQueue(0)).toThrow(/positive integer, got 0/);
    expect(() => new HoldQueue(1.5)).toThrow(RangeError);
  });
});
