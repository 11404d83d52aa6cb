import { describe, expect, it } from 'vitest';
import { compileSchema } from '../../protocols/validation.js';
import { Alarm } from '../../protocols/api/alarms.js';
import { AlarmNotFoundError, AlarmStore, type AlarmChange, type RaiseRequest } from './alarm-store.js';

/** A raise that must change the store (every raise here but the duplicate-occurrence test's). */
function raised(store: AlarmStore, request: RaiseRequest): AlarmChange {
  const change = store.raise(request);
  if (!change)
    throw new Error(`raise of ${request.originator} ${request.type} at ${request.ts} changed nothing`);
  return change;
}

function setup() {
  let now = 1_000;
  let n = 0;
  const store = new AlarmStore({ clock: () => now, newId: () => `a${++n}` });
  const changes: AlarmChange[] = [];
  store.onChange((c) => changes.push(c));
  return { store, changes, advance: (ms: number) => (now += ms) };
}

const raise = {
  originator: 'vessel:1',
  type: 'closed_area',
  severity: 'MAJOR' as const,
  ts: 500,
  details: { zone: 'z' },
};

describe('alarm lifecycle', () => {
  it('creates once per originator and type while active; repeats refresh', () => {
    const { store, changes, advance } = setup();
    expect(raised(store, raise).kind).toBe('created');
    advance(10);
    const again = raised(store, { ...raise, ts: 900, details: { zone: 'z', extra: 1 } });
    expect(again.kind).toBe('refreshed');
    expect(again.alarm).toMatchObject({
      id: 'a1',
      count: 2,
      startTs: 500,
      lastTs: 900,
      createdAt: 1000,
      updatedAt: 1010,
      status: 'ACTIVE_UNACK',
    });
    expect(again.alarm.details).toEqual({ zone: 'z', extra: 1 });
    expect(raised(store, { ...raise, originator: 'vessel:2' }).kind).toBe('created');
    expect(raised(store, { ...raise, type: 'loitering' }).kind).toBe('created');
    expect(store.size).toBe(3);
    expect(changes.map((c) => c.kind)).toEqual(['created', 'refreshed', 'created', 'created']);
    for (const c of changes) expect(compileSchema(Alarm).check(c.alarm)).toBe(true);
  });

  it('resolves the active alarm when its condition is over: cleared, still unacknowledged, details kept', () => {
    const { store, changes, advance } = setup();
    expect(store.resolve('vessel:1', 'closed_area', 'system', {})).toBeUndefined();
    raised(store, raise);
    advance(5);
    const resolved = store.resolve('vessel:1', 'closed_area', 'system: signal restored', { restoredTs: 700 });
    expect(resolved?.kind).toBe('cleared');
    expect(resolved?.alarm).toMatchObject({
      status: 'CLEARED_UNACK',
      clearBy: 'system: signal restored',
      clearTs: 1005,
      details: { zone: 'z', restoredTs: 700 },
    });
    expect(store.resolve('vessel:1', 'closed_area', 'system', {})).toBeUndefined();
    expect(raised(store, raise).alarm.id).toBe('a2');
    expect(changes.map((c) => c.kind)).toEqual(['created', 'cleared', 'created']);
  });

  it('escalates severity upwards only, and an escalation needs a new acknowledgement', () => {
    const { store } = setup();
    raised(store, raise);
    store.acknowledge('a1', 'op');
    expect(raised(store, { ...raise, ts: 600, severity: 'MINOR' }).alarm).toMatchObject({
      severity: 'MAJOR',
      status: 'ACTIVE_ACK',
    });
    const up = raised(store, { ...raise, severity: 'CRITICAL' });
    expect(up.kind).toBe('escalated');
    expect(up.alarm.severity).toBe('CRITICAL');
    expect(up.alarm.status).toBe('ACTIVE_UNACK');
    expect(up.alarm.ackBy).toBeUndefined();
  });

  it('ack and clear record who and when, in either order, idempotently', () => {
    const { store, changes, advance } = setup();
    raised(store, raise);
    advance(5);
    expect(store.acknowledge('a1', 'lan').alarm).toMatchObject({
      status: 'ACTIVE_ACK',
      ackBy: 'lan',
      ackTs: 1005,
    });
    advance(5);
    expect(store.acknowledge('a1', 'minh').alarm).toMatchObject({ ackBy: 'lan', ackTs: 1005 });
    expect(store.clear('a1', 'minh').alarm).toMatchObject({
      status: 'CLEARED_ACK',
      clearBy: 'minh',
      clearTs: 1010,
    });
    expect(store.clear('a1', 'x').alarm.clearBy).toBe('minh');
    expect(changes.map((c) => c.kind)).toEqual(['created', 'acknowledged', 'cleared']);

    raised(store, { ...raise, originator: 'vessel:9' });
    expect(store.clear('a2', 'op').alarm.status).toBe('CLEARED_UNACK');
    expect(store.acknowledge('a2', 'op').alarm.status).toBe('CLEARED_ACK');
    expect(() => store.acknowledge('nope', 'op')).toThrow(AlarmNotFoundError);
  });

  it('after a clear, the same condition creates a new alarm', () => {
    const { store } = setup();
    raised(store, raise);
    store.clear('a1', 'op');
    const next = raised(store, raise);
    expect(next.kind).toBe('created');
    expect(next.alarm.id).toBe('a2');
    expect(store.activeFor('vessel:1', 'closed_area')?.id).toBe('a2');
  });

  it('lists with status and type filters', () => {
    const { store } = setup();
    raised(store, raise);
    raised(store, { ...raise, type: 'loitering' });
    raised(store, { ...raise, originator: 'vessel:2' });
    store.acknowledge('a2', 'op');
    store.clear('a3', 'op');
    expect(
      store
        .list({ status: 'active' })
        .map((a) => a.id)
        .sort(),
    ).toEqual(['a1', 'a2']);
    expect(store.list({ status: 'cleared' }).map((a) => a.id)).toEqual(['a3']);
    expect(
      store
        .list({ status: 'unack' })
        .map((a) => a.id)
        .sort(),
    ).toEqual(['a1', 'a3']);
    expect(store.list({ status: 'ACTIVE_ACK' }).map((a) => a.id)).toEqual(['a2']);
    expect(store.list({ type: 'closed_area', status: 'active' }).map((a) => a.id)).toEqual(['a1']);
  });

  it('rebuilds from snapshots in any order: newest snapshot wins, active index follows', () => {
    const { store, changes, advance } = setup();
    raised(store, raise);
    advance(1);
    store.acknowledge('a1', 'op');
    advance(1);
    store.clear('a1', 'op');
    advance(1);
    raised(store, raise);
    advance(1);
    raised(store, { ...raise, ts: 600 });
    const snapshots = changes.map((c) => c.alarm);
    for (const order of [
      snapshots,
      [...snapshots].reverse(),
      [snapshots[3]!, snapshots[0]!, snapshots[4]!, snapshots[2]!, snapshots[1]!],
    ]) {
      const rebuilt = new AlarmStore();
      for (const s of order) rebuilt.restore(s);
      expect(rebuilt.list()).toEqual(store.list());
      expect(rebuilt.activeFor('vessel:1', 'closed_area')?.id).toBe('a2');
      // and the rebuilt store refreshes the restored active alarm instead of creating another
      expect(raised(rebuilt, { ...raise, ts: 99_000 }).kind).toBe('refreshed');
      // an occurrence it counted before the restart (its last) is not counted again
      expect(rebuilt.raise({ ...raise, ts: rebuilt.activeFor('vessel:1', 'closed_area')!.startTs })).toBe(
        undefined,
      );
    }
  });

  it('forgets the oldest cleared alarms beyond maxCleared, never active ones', () => {
    let n = 0;
    const store = new AlarmStore({ newId: () => `id${++n}`, maxCleared: 2 });
    for (let i = 0; i < 5; i++) {
      raised(store, { ...raise, originator: `vessel:${i}` });
      store.clear(`id${i + 1}`, 'op');
    }
    raised(store, { ...raise, originator: 'vessel:active' });
    expect(
      store
        .list()
        .map((a) => a.id)
        .sort(),
    ).toEqual(['id4', 'id5', 'id6']);
  });

  it('counts an occurrence once: the same condition time raised again changes nothing, unless more severe', () => {
    const { store, changes } = setup();
    raised(store, raise);
    raised(store, { ...raise, ts: 600 });
    raised(store, { ...raise, ts: 700 });
    // Every instance of a cluster raises what its rules see: the leader hears 500, 600 and 700 again.
    for (const ts of [500, 600, 700]) expect(store.raise({ ...raise, ts })).toBeUndefined();
    expect(store.activeFor('vessel:1', 'closed_area')).toMatchObject({ count: 3, startTs: 500, lastTs: 700 });
    expect(raised(store, { ...raise, ts: 600, severity: 'CRITICAL' }).kind).toBe('escalated');
    expect(changes.map((c) => c.kind)).toEqual(['created', 'refreshed', 'refreshed', 'escalated']);
    // Cleared, the condition is new again: the same time raises a new alarm.
    store.clear(store.activeFor('vessel:1', 'closed_area')!.id, 'op');
    expect(raised(store, raise).kind).toBe('created');
  });

  it('records a verdict with who and when, acknowledging an unacknowledged alarm; a later verdict replaces it', () => {
    const { store, changes, advance } = setup();
    const { alarm } = raised(store, { ...raise, originator: 'camera:e/c', type: 'fire' });
    advance(5);
    const judged = store.triage(alarm.id, { label: 'false_alarm', by: 'ranger' });
    expect(judged.kind).toBe('triaged');
    expect(judged.alarm).toMatchObject({
      status: 'ACTIVE_ACK',
      ackBy: 'ranger',
      ackTs: 1005,
      updatedAt: 1005,
      triage: { label: 'false_alarm', by: 'ranger', ts: 1005 },
    });
    advance(5);
    const corrected = store.triage(alarm.id, { label: 'wildfire', by: 'chief', note: 'seen from the road' });
    expect(corrected.alarm).toMatchObject({
      ackBy: 'ranger',
      triage: { label: 'wildfire', by: 'chief', ts: 1010 },
    });
    expect(compileSchema(Alarm).check(corrected.alarm)).toBe(true);
    expect(changes.map((c) => c.kind)).toEqual(['created', 'triaged', 'triaged']);
    expect(() => store.triage('nope', { label: 'wildfire', by: 'x' })).toThrow(AlarmNotFoundError);
  });
});
