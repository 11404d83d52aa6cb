import { describe, expect, it } from 'vitest';
import { SendQueue, type OutgoingMessage } from './send-queue.js';

const batch = (n: number, positions = 10): OutgoingMessage => ({
  kind: 'positions',
  topic: `t/${n}`,
  payload: Buffer.alloc(100),
  positions,
});
const alert = (n: number): OutgoingMessage => ({
  kind: 'alert',
  topic: `a/${n}`,
  payload: Buffer.alloc(50),
  positions: 0,
});
const drain = (queue: SendQueue) => {
  const topics: string[] = [];
  for (let m = queue.shift(); m; m = queue.shift()) topics.push(m.topic);
  return topics;
};

describe('SendQueue', () => {
  it('is first in, first out, and counts bytes and positions', () => {
    const queue = new SendQueue(10);
    for (let i = 0; i < 5; i++) queue.push(batch(i));
    expect([queue.length, queue.bytes, queue.positions]).toEqual([5, 500, 50]);
    expect(drain(queue)).toEqual(['t/0', 't/1', 't/2', 't/3', 't/4']);
    expect([queue.length, queue.bytes, queue.positions]).toEqual([0, 0, 0]);
  });

  it('stays within its bound by dropping the oldest position batch, counted', () => {
    const queue = new SendQueue(3);
    queue.push(batch(0, 7));
    queue.push(alert(1));
    queue.push(batch(2));
    const dropped = queue.push(batch(3));
    expect(dropped.map((m) => m.topic)).toEqual(['t/0']);
    expect(queue.dropped).toEqual({ messages: 1, positions: 7 });
    expect(queue.length).toBe(3);
    expect(drain(queue)).toEqual(['a/1', 't/2', 't/3']);
  });

  it('never drops alerts: a queue of alerts only may exceed the bound', () => {
    const queue = new SendQueue(2);
    for (let i = 0; i < 4; i++) expect(queue.push(alert(i))).toEqual([]);
    expect(queue.length).toBe(4);
    queue.push(batch(9));
    expect(drain(queue)).toEqual(['a/0', 'a/1', 'a/2', 'a/3']);
  });

  it('puts messages that lost their connection back in front, in their order', () => {
    const queue = new SendQueue(100);
    for (let i = 0; i < 6; i++) queue.push(batch(i));
    const inFlight = [queue.shift()!, queue.shift()!, queue.shift()!];
    queue.requeue(inFlight);
    expect(queue.positions).toBe(60);
    expect(drain(queue)).toEqual(['t/0', 't/1', 't/2', 't/3', 't/4', 't/5']);
  });

  it('keeps order over many pushes and shifts (compaction)', () => {
    const queue = new SendQueue(100_000);
    const seen: string[] = [];
    for (let i = 0; i < 5000; i++) {
      queue.push(batch(i));
      if (i % 3 === 0) seen.push(queue.shift()!.topic);
    }
    seen.push(...drain(queue));
    expect(seen).toEqual(Array.from({ length: 5000 }, (_, i) => `t/${i}`));
  });
});
