import { randomUUID } from 'node:crypto';
import {
  severityRank,
  type Alarm,
  type AlarmQuery,
  type AlarmTriage,
  type SeverityName,
} from '../../protocols/api/alarms.js';

/** What a rule (or a fire alert) asks for: the store decides whether that creates an alarm or refreshes one. */
export interface RaiseRequest {
  originator: string;
  type: string;
  severity: SeverityName;
  /** Time of the condition (for vessel rules: the position's own time). */
  ts: number;
  details: Record<string, unknown>;
}

export type AlarmChangeKind = 'created' | 'refreshed' | 'escalated' | 'acknowledged' | 'cleared' | 'triaged';

export interface AlarmChange {
  kind: AlarmChangeKind;
  /** A snapshot of the alarm after the change (safe to keep). */
  alarm: Alarm;
}

export class AlarmNotFoundError extends Error {
  constructor(readonly id: string) {
    super(`no alarm ${id}`);
    this.name = 'AlarmNotFoundError';
  }
}

export interface AlarmStoreOptions {
  /** Server clock for createdAt/updatedAt/ackTs/clearTs; tests pass a simulated one. */
  clock?: () => number;
  newId?: () => string;
  /** Cleared alarms kept in memory (oldest dropped first); active ones are always kept. */
  maxCleared?: number;
}

/** Occurrences remembered per active alarm beyond its first and last (which the alarm itself keeps). */
const RECENT_OCCURRENCES = 16;

const isActive = (alarm: Alarm) => alarm.status === 'ACTIVE_UNACK' || alarm.status === 'ACTIVE_ACK';
const isAcked = (alarm: Alarm) => alarm.status === 'ACTIVE_ACK' || alarm.status === 'CLEARED_ACK';
const activeKey = (originator: string, type: string) => `${originator}\u0000${type}`;

/**
 * One lifecycle for every alarm in the cloud, as ThingsBoard has it: `active`/`cleared` ×
 * `unacknowledged`/`acknowledged`, at most one active alarm per originator and type (a repeated condition
 * refreshes it; a more severe one escalates it, which needs a new acknowledgement), ack and clear with who and
 * when. Pure state: every change is reported to the listeners, which persist and publish it.
 */
export class AlarmStore {
  readonly #alarms = new Map<string, Alarm>();
  readonly #active = new Map<string, string>();
  readonly #listeners: Array<(change: AlarmChange) => void> = [];
  /** Condition times recently counted per active alarm (raises of the same occurrence are not counted twice). */
  readonly #occurrences = new Map<string, number[]>();
  readonly #clock: () => number;
  readonly #newId: () => string;
  readonly #maxCleared: number;
  #clearedCount = 0;

  constructor(options: AlarmStoreOptions = {}) {
    this.#clock = options.clock ?? Date.now;
    this.#newId = options.newId ?? randomUUID;
    this.#maxCleared = options.maxCleared ?? 10_000;
  }

  onChange(listener: (change: AlarmChange) => void): () => void {
    this.#listeners.push(listener);
    return () => {
      const i = this.#listeners.indexOf(listener);
      if (i >= 0) this.#listeners.splice(i, 1);
    };
  }

  /**
   * Creates, refreshes or escalates. A raise of an occurrence the active alarm has counted already (same condition
   * time, not more severe) changes nothing and returns undefined: in a cluster every instance's rules see every
   * position and forward what they raise, so the leader hears each occurrence once per instance.
   */
  raise(request: RaiseRequest): AlarmChange | undefined {
    const now = this.#clock();
    const existingId = this.#active.get(activeKey(request.originator, request.type));
    const existing = existingId ? this.#alarms.get(existingId) : undefined;
    if (existing) {
      const escalated = severityRank(request.severity) > severityRank(existing.severity);
      if (!escalated && this.#counted(existing, request.ts)) return undefined;
      const updated: Alarm = {
        ...existing,
        count: existing.count + 1,
        lastTs: Math.max(existing.lastTs, request.ts),
        startTs: Math.min(existing.startTs, request.ts),
        updatedAt: now,
        details: { ...existing.details, ...request.details },
      };
      if (escalated) {
        updated.severity = request.severity;
        updated.status = 'ACTIVE_UNACK';
        delete updated.ackTs;
        delete updated.ackBy;
      }
      this.#count(existing.id, request.ts);
      return this.#commit(escalated ? 'escalated' : 'refreshed', updated);
    }
    const alarm: Alarm = {
      id: this.#newId(),
      originator: request.originator,
      type: request.type,
      severity: request.severity,
      status: 'ACTIVE_UNACK',
      startTs: request.ts,
      lastTs: request.ts,
      createdAt: now,
      updatedAt: now,
      count: 1,
      details: request.details,
    };
    this.#count(alarm.id, request.ts);
    return this.#commit('created', alarm);
  }

  /** Whether `ts` is an occurrence this alarm counted: its first or last, or one of the recent ones seen here. */
  #counted(alarm: Alarm, ts: number): boolean {
    return (
      ts === alarm.startTs || ts === alarm.lastTs || (this.#occurrences.get(alarm.id)?.includes(ts) ?? false)
    );
  }

  #count(id: string, ts: number): void {
    const seen = this.#occurrences.get(id) ?? [];
    seen.push(ts);
    if (seen.length > RECENT_OCCURRENCES) seen.shift();
    this.#occurrences.set(id, seen);
  }

  /** Acknowledge: idempotent (acknowledging twice keeps the first who and when). */
  acknowledge(id: string, by: string): AlarmChange {
    const alarm = this.#get(id);
    if (isAcked(alarm)) return { kind: 'acknowledged', alarm: structuredClone(alarm) };
    const now = this.#clock();
    return this.#commit('acknowledged', {
      ...alarm,
      status: isActive(alarm) ? 'ACTIVE_ACK' : 'CLEARED_ACK',
      ackTs: now,
      ackBy: by,
      updatedAt: now,
    });
  }

  /** Clear: idempotent. The next raise for the same originator and type creates a new alarm. */
  clear(id: string, by: string): AlarmChange {
    const alarm = this.#get(id);
    if (!isActive(alarm)) return { kind: 'cleared', alarm: structuredClone(alarm) };
    return this.#cleared(alarm, by);
  }

  /**
   * Records a verdict (the latest wins; a ranger may correct it). Whoever judged the alarm has seen it: an
   * unacknowledged alarm is acknowledged by them at the same time. The status is otherwise unchanged: a fire
   * judged `other_smoke` that keeps smoking refreshes this alarm instead of raising a new one each time.
   */
  triage(id: string, verdict: Omit<AlarmTriage, 'ts'>): AlarmChange {
    const alarm = this.#get(id);
    const now = this.#clock();
    const triage: AlarmTriage = { ...verdict, ts: now };
    const triaged: Alarm = { ...alarm, triage, updatedAt: now };
    if (!isAcked(alarm)) {
      triaged.status = isActive(alarm) ? 'ACTIVE_ACK' : 'CLEARED_ACK';
      triaged.ackTs = triage.ts;
      triaged.ackBy = triage.by;
    }
    return this.#commit('triaged', triaged);
  }

  /**
   * Clears the active alarm of this originator and type because its condition is over (nobody acknowledged it
   * by doing so: it stays unacknowledged until an operator does). Undefined when none is active.
   */
  resolve(
    originator: string,
    type: string,
    by: string,
    details: Record<string, unknown>,
  ): AlarmChange | undefined {
    const id = this.#active.get(activeKey(originator, type));
    const alarm = id ? this.#alarms.get(id) : undefined;
    return alarm ? this.#cleared(alarm, by, details) : undefined;
  }

  #cleared(alarm: Alarm, by: string, details?: Record<string, unknown>): AlarmChange {
    const now = this.#clock();
    return this.#commit('cleared', {
      ...alarm,
      status: isAcked(alarm) ? 'CLEARED_ACK' : 'CLEARED_UNACK',
      clearTs: now,
      clearBy: by,
      updatedAt: now,
      ...(details ? { details: { ...alarm.details, ...details } } : {}),
    });
  }

  /**
   * Rebuild from stored snapshots (any order): the newest snapshot of each alarm wins. No listener is called.
   */
  restore(snapshot: Alarm): void {
    const current = this.#alarms.get(snapshot.id);
    if (current && current.updatedAt > snapshot.updatedAt) return;
    if (current && current.updatedAt === snapshot.updatedAt && statusOrder(current) >= statusOrder(snapshot))
      return;
    this.#put(structuredClone(snapshot));
  }

  get(id: string): Alarm | undefined {
    const alarm = this.#alarms.get(id);
    return alarm ? structuredClone(alarm) : undefined;
  }

  activeFor(originator: string, type: string): Alarm | undefined {
    const id = this.#active.get(activeKey(originator, type));
    return id ? this.get(id) : undefined;
  }

  /** Newest first. `status`: active, cleared, ack, unack, or one of the four exact statuses. */
  list(query: AlarmQuery = {}): Alarm[] {
    const out: Alarm[] = [];
    for (const alarm of this.#alarms.values()) {
      if (query.type && alarm.type !== query.type) continue;
      if (query.originator && alarm.originator !== query.originator) continue;
      if (query.status && !matchesStatus(alarm, query.status)) continue;
      out.push(structuredClone(alarm));
    }
    return out.sort((a, b) => b.createdAt - a.createdAt || b.startTs - a.startTs || a.id.localeCompare(b.id));
  }

  get size(): number {
    return this.#alarms.size;
  }

  #get(id: string): Alarm {
    const alarm = this.#alarms.get(id);
    if (!alarm) throw new AlarmNotFoundError(id);
    return alarm;
  }

  #commit(kind: AlarmChangeKind, alarm: Alarm): AlarmChange {
    this.#put(alarm);
    const change = { kind, alarm: structuredClone(alarm) };
    for (const listener of this.#listeners) listener(change);
    return change;
  }

  #put(alarm: Alarm): void {
    const previous = this.#alarms.get(alarm.id);
    if (previous && !isActive(previous)) this.#clearedCount--;
    this.#alarms.set(alarm.id, alarm);
    const key = activeKey(alarm.originator, alarm.type);
    if (isActive(alarm)) {
      // During a restore an older alarm's snapshot may come after a newer one's: the newest active one wins.
      const currentId = this.#active.get(key);
      const current = currentId === undefined ? undefined : this.#alarms.get(currentId);
      if (!current || !isActive(current) || current.id === alarm.id || current.createdAt <= alarm.createdAt) {
        this.#active.set(key, alarm.id);
      }
    } else {
      if (this.#active.get(key) === alarm.id) this.#active.delete(key);
      this.#occurrences.delete(alarm.id);
      this.#clearedCount++;
      if (this.#clearedCount > this.#maxCleared) this.#dropOldestCleared();
    }
  }

  #dropOldestCleared(): void {
    for (const [id, alarm] of this.#alarms) {
      // Map order is insertion order: the first cleared one found is the oldest inserted.
      if (!isActive(alarm)) {
        this.#alarms.delete(id);
        this.#clearedCount--;
        return;
      }
    }
  }
}

/** For equal timestamps during restore: later lifecycle steps win. */
function statusOrder(alarm: Alarm): number {
  return (isActive(alarm) ? 0 : 2) + (isAcked(alarm) ? 1 : 0);
}

function matchesStatus(alarm: Alarm, status: NonNullable<AlarmQuery['status']>): boolean {
  switch (status) {
    case 'active':
      return isActive(alarm);
    case 'cleared':
      return !isActive(alarm);
    case 'ack':
      return isAcked(alarm);
    case 'unack':
      return !isAcked(alarm);
    default:
      return alarm.status === status;
  }
}
