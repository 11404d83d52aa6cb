import type { CaseEvent, CaseState, SignalCase } from '../../protocols/api/office.js';
import type { RegisteredVessel } from '../../protocols/api/registry.js';
import type { RegistryConfig } from '../registry/config.js';
import type { Database, Queryable } from '../registry/database.js';

const H = 3_600_000;

/** A registered vessel and where the fisheries rules last heard it. */
export interface HeardVessel {
  vessel: RegisteredVessel & { mmsi: number };
  last: { ts: number; lon: number; lat: number; inPort: boolean } | undefined;
}

export class CaseNotFoundError extends Error {
  constructor(id: number) {
    super(`no signal-loss case ${id}`);
    this.name = 'CaseNotFoundError';
  }
}

/** The case cannot take that step in its state (closed, or already there). */
export class CaseClosedError extends Error {
  constructor(id: number, state = 'is closed') {
    super(`signal-loss case ${id} ${state}`);
    this.name = 'CaseClosedError';
  }
}

type Row = Record<string, unknown>;

export interface SignalCasesOptions {
  db: Database;
  vms: RegistryConfig['vms'];
  clock: () => number;
  /** A case changed state or a report fell due (log, count, notify). */
  onEvent?: (signalCase: { id: number; registration: string }, event: CaseEvent) => void;
}

/**
 * Signal-loss cases under Vietnam's VMS rules (MonitorFish's beacon-malfunction board, with the Vietnamese
 * durations from config): a vessel that must carry VMS and has been silent at sea for `reportEveryH` gets a case;
 * it must then report its position to the shore every `reportEveryH` (officers enter the reports; a reminder
 * is recorded when one is due); silent `returnToPortAfterD` days it must return to port. The case closes when
 * the beacon is heard again, the vessel is in port, or an officer closes it.
 */
export class SignalCases {
  constructor(private readonly options: SignalCasesOptions) {}

  /** Opens, reminds, escalates and closes against the clock and what the rules last heard of each vessel. */
  async tick(vessels: readonly HeardVessel[]): Promise<void> {
    const now = this.options.clock();
    const { vms } = this.options;
    const open = new Map((await this.#openCases()).map((c) => [c.mmsi, c]));
    for (const { vessel, last } of vessels) {
      const current = open.get(vessel.mmsi);
      if (current) {
        if (last && (last.ts > current.lastPositionTs || last.inPort))
          await this.#close(current, last.inPort ? 'in port' : 'beacon heard again', now, 'system');
        continue;
      }
      const obliged = vessel.lengthM >= vms.requiredFromLengthM || vessel.vmsDeviceId !== undefined;
      if (obliged && last && !last.inPort && now - last.ts >= vms.reportEveryH * H)
        await this.#open(vessel, last, now);
    }
    for (const c of await this.#openCases()) await this.#followUp(c, now);
  }

  async list(query: { state?: CaseState; mmsi?: number } = {}): Promise<SignalCase[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.state !== undefined) {
      params.push(query.state);
      where.push(`state = $${params.length}`);
    }
    if (query.mmsi !== undefined) {
      params.push(query.mmsi);
      where.push(`mmsi = $${params.length}`);
    }
    const rows = await this.options.db.query<Row>(
      `SELECT * FROM signal_cases ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id`,
      params,
    );
    return Promise.all(rows.map((r) => this.#withEvents(this.options.db, r)));
  }

  async get(id: number): Promise<SignalCase> {
    const row = (await this.options.db.query<Row>('SELECT * FROM signal_cases WHERE id = $1', [id]))[0];
    if (!row) throw new CaseNotFoundError(id);
    return this.#withEvents(this.options.db, row);
  }

  /** A position the vessel reported to the shore (radio, phone) as an officer enters it. */
  async report(
    id: number,
    report: { ts: number; lon: number; lat: number; by: string; text?: string },
  ): Promise<SignalCase> {
    const now = this.options.clock();
    await this.options.db.transaction(async (tx) => {
      const c = await this.#lockedOpen(tx, id);
      await this.#event(tx, id, {
        at: now,
        kind: 'report',
        by: report.by,
        text: report.text,
        ts: report.ts,
        lon: report.lon,
        lat: report.lat,
      });
      const state: CaseState = c.state === 'must_return' ? 'must_return' : 'open';
      await tx.query(
        'UPDATE signal_cases SET last_report_ts = GREATEST(last_report_ts, $2), state = $3 WHERE id = $1',
        [id, new Date(report.ts), state],
      );
    });
    return this.get(id);
  }

  async comment(id: number, by: string, text: string): Promise<SignalCase> {
    const now = this.options.clock();
    await this.options.db.transaction(async (tx) => {
      if (!(await tx.query<Row>('SELECT id FROM signal_cases WHERE id = $1', [id]))[0])
        throw new CaseNotFoundError(id);
      await this.#event(tx, id, { at: now, kind: 'comment', by, text });
    });
    return this.get(id);
  }

  /** An officer closes the case (the vessel arrived in port as reported, the beacon was repaired...). */
  async closeByOfficer(id: number, by: string, reason: string): Promise<SignalCase> {
    const c = await this.get(id);
    if (c.state === 'closed') throw new CaseClosedError(id);
    await this.#close(c, reason, this.options.clock(), by);
    return this.get(id);
  }

  /**
   * An officer orders the vessel back to port before the 10 days (e.g. it missed its reports); the case moves to
   * must_return, with who and why.
   */
  async orderReturn(id: number, by: string, text: string): Promise<SignalCase> {
    const event: CaseEvent = { at: this.options.clock(), kind: 'must_return', by, text };
    await this.options.db.transaction(async (tx) => {
      const c = await this.#lockedOpen(tx, id);
      if (c.state === 'must_return') throw new CaseClosedError(id, 'already must return to port');
      await tx.query("UPDATE signal_cases SET state = 'must_return' WHERE id = $1", [id]);
      await this.#event(tx, id, event);
    });
    const c = await this.get(id);
    this.options.onEvent?.(c, event);
    return c;
  }

  /** Registrations with a case not closed (the statistics count them). */
  async openRegistrations(): Promise<Set<string>> {
    const rows = await this.options.db.query<{ registration: string }>(
      "SELECT registration FROM signal_cases WHERE state <> 'closed'",
    );
    return new Set(rows.map((r) => r.registration));
  }

  async #open(
    vessel: HeardVessel['vessel'],
    last: NonNullable<HeardVessel['last']>,
    now: number,
  ): Promise<void> {
    const due = last.ts + this.options.vms.reportEveryH * H;
    const id = await this.options.db.transaction(async (tx) => {
      const rows = await tx.query<Row>(
        `INSERT INTO signal_cases (mmsi, registration, name, state, last_position_ts, opened_at, last_report_ts, reminded_for)
         VALUES ($1, $2, $3, 'awaiting_report', $4, $5, $4, $6) RETURNING id`,
        [vessel.mmsi, vessel.registration, vessel.name, new Date(last.ts), new Date(now), new Date(due)],
      );
      const caseId = Number(rows[0]!.id);
      await this.#event(tx, caseId, {
        at: now,
        kind: 'opened',
        by: 'system',
        text: `silent since ${new Date(last.ts).toISOString()}; position report due every ${this.options.vms.reportEveryH} h`,
        ts: last.ts,
        lon: last.lon,
        lat: last.lat,
      });
      return caseId;
    });
    this.options.onEvent?.({ id, registration: vessel.registration }, { at: now, kind: 'opened' });
  }

  async #followUp(c: SignalCase, now: number): Promise<void> {
    const { vms } = this.options;
    if (c.state !== 'must_return' && now >= c.mustReturnAt) {
      const event: CaseEvent = {
        at: now,
        kind: 'must_return',
        by: 'system',
        text: `silent ${vms.returnToPortAfterD} days: the vessel must return to port`,
      };
      await this.options.db.transaction(async (tx) => {
        await tx.query("UPDATE signal_cases SET state = 'must_return' WHERE id = $1", [c.id]);
        await this.#event(tx, c.id, event);
      });
      this.options.onEvent?.(c, event);
      return;
    }
    const due = c.nextReportDueAt!;
    const remindedFor = (
      await this.options.db.query<Row>('SELECT reminded_for FROM signal_cases WHERE id = $1', [c.id])
    )[0]?.reminded_for as Date | null;
    if (now < due || remindedFor?.getTime() === due) return;
    const event: CaseEvent = {
      at: now,
      kind: 'reminder',
      by: 'system',
      text: `position report due since ${new Date(due).toISOString()}`,
    };
    await this.options.db.transaction(async (tx) => {
      const state = c.state === 'must_return' ? 'must_return' : 'awaiting_report';
      await tx.query('UPDATE signal_cases SET state = $2, reminded_for = $3 WHERE id = $1', [
        c.id,
        state,
        new Date(due),
      ]);
      await this.#event(tx, c.id, event);
    });
    this.options.onEvent?.(c, event);
  }

  async #close(c: SignalCase, reason: string, now: number, by: string): Promise<void> {
    const event: CaseEvent = { at: now, kind: 'closed', by, text: reason };
    await this.options.db.transaction(async (tx) => {
      await tx.query(
        "UPDATE signal_cases SET state = 'closed', closed_at = $2, close_reason = $3 WHERE id = $1",
        [c.id, new Date(now), reason],
      );
      await this.#event(tx, c.id, event);
    });
    this.options.onEvent?.(c, event);
  }

  async #openCases(): Promise<SignalCase[]> {
    return this.list().then((all) => all.filter((c) => c.state !== 'closed'));
  }

  async #lockedOpen(tx: Queryable, id: number): Promise<{ state: CaseState }> {
    const row = (await tx.query<Row>('SELECT state FROM signal_cases WHERE id = $1 FOR UPDATE', [id]))[0];
    if (!row) throw new CaseNotFoundError(id);
    if (row.state === 'closed') throw new CaseClosedError(id);
    return { state: row.state as CaseState };
  }

  async #event(tx: Queryable, caseId: number, event: CaseEvent): Promise<void> {
    await tx.query(
      'INSERT INTO signal_case_events (case_id, at, kind, by, text, ts, lon, lat) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
      [
        caseId,
        new Date(event.at),
        event.kind,
        event.by ?? null,
        event.text ?? null,
        event.ts === undefined ? null : new Date(event.ts),
        event.lon ?? null,
        event.lat ?? null,
      ],
    );
  }

  async #withEvents(db: Queryable, r: Row): Promise<SignalCase> {
    const id = Number(r.id);
    const events = await db.query<Row>('SELECT * FROM signal_case_events WHERE case_id = $1 ORDER BY id', [
      id,
    ]);
    const lastPositionTs = (r.last_position_ts as Date).getTime();
    const state = r.state as CaseState;
    const c: SignalCase = {
      id,
      mmsi: Number(r.mmsi),
      registration: r.registration as string,
      name: r.name as string,
      state,
      lastPositionTs,
      openedAt: (r.opened_at as Date).getTime(),
      mustReturnAt: lastPositionTs + this.options.vms.returnToPortAfterD * 24 * H,
      events: events.map((e) => {
        const event: CaseEvent = { at: (e.at as Date).getTime(), kind: e.kind as CaseEvent['kind'] };
        if (e.by) event.by = e.by as string;
        if (e.text) event.text = e.text as string;
        if (e.ts) event.ts = (e.ts as Date).getTime();
        if (e.lon !== null) event.lon = Number(e.lon);
        if (e.lat !== null) event.lat = Number(e.lat);
        return event;
      }),
    };
    if (state !== 'closed')
      c.nextReportDueAt = (r.last_report_ts as Date).getTime() + this.options.vms.reportEveryH * H;
    if (r.closed_at) {
      c.closedAt = (r.closed_at as Date).getTime();
      c.closeReason = r.close_reason as string;
    }
    return c;
  }
}
