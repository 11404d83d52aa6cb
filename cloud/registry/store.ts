import {
  VESSEL_COLUMNS,
  VesselFields,
  type AdminUnit,
  type AuditEntry,
  type ImportProblem,
  type ImportResult,
  type RegisteredVessel,
  type RegistryQuery,
} from '../../protocols/api/registry.js';
import { compileSchema } from '../../protocols/validation.js';
import type { Database, Queryable } from './database.js';
import { vietnamDay } from './days.js';

/** A request the registry refuses: each problem names the row (imports), the column and what is wrong. */
export class RegistryInputError extends Error {
  constructor(readonly problems: ImportProblem[]) {
    super(problems.map((p) => `${p.row > 0 ? `row ${p.row}, ` : ''}${p.column}: ${p.message}`).join('; '));
    this.name = 'RegistryInputError';
  }
}

export class VesselNotFoundError extends Error {
  constructor(registration: string) {
    super(`no vessel with registration ${registration}`);
    this.name = 'VesselNotFoundError';
  }
}

export type RegistryAction = AuditEntry['action'];
export type RegistryChange = {
  action: RegistryAction;
  before?: RegisteredVessel;
  after?: RegisteredVessel;
  /** Made through another cloud instance on the shared server (`followOthers`), not through this one. */
  remote?: boolean;
};

/** The channel every committed change is announced on (NOTIFY): `{"registration": ...}` or `{"units": true}`. */
const CHANGES_CHANNEL = 'lookout_registry_changes';

/** Field name → column of the `vessels` table. */
const COLUMN: Record<keyof VesselFields, string> = {
  registration: 'registration',
  name: 'name',
  mmsi: 'mmsi',
  vmsDeviceId: 'vms_device_id',
  lengthM: 'length_m',
  grossTonnage: 'gross_tonnage',
  gear: 'gear',
  licenceNumber: 'licence_number',
  licenceZoneClass: 'licence_zone_class',
  licenceValidFrom: 'licence_valid_from',
  licenceValidTo: 'licence_valid_to',
  ownerName: 'owner_name',
  ownerPhone: 'owner_phone',
  captainName: 'captain_name',
  captainPhone: 'captain_phone',
  homePort: 'home_port',
  communeCode: 'commune_code',
  provinceCode: 'province_code',
};
const DATE_FIELDS = new Set<string>(['licenceValidFrom', 'licenceValidTo']);
const SELECT_VESSEL = `SELECT ${VESSEL_COLUMNS.map((f) => (DATE_FIELDS.has(f) ? `${COLUMN[f]}::text AS ${COLUMN[f]}` : COLUMN[f])).join(', ')}, demo, created_at, updated_at, retired_at, retired_reason FROM vessels`;

type Row = Record<string, unknown>;

function vesselOf(row: Row): RegisteredVessel {
  const vessel: Record<string, unknown> = {};
  for (const field of VESSEL_COLUMNS) {
    const value = row[COLUMN[field]];
    if (value !== null && value !== undefined) vessel[field] = value;
  }
  vessel.demo = row.demo === true;
  vessel.createdAt = (row.created_at as Date).getTime();
  vessel.updatedAt = (row.updated_at as Date).getTime();
  if (row.retired_at) vessel.retiredAt = (row.retired_at as Date).getTime();
  if (row.retired_reason) vessel.retiredReason = row.retired_reason;
  return vessel as RegisteredVessel;
}

const checkFields = compileSchema(VesselFields);

/** The fields of a vessel (what an officer can change), without the bookkeeping. */
export function fieldsOf(vessel: RegisteredVessel): VesselFields {
  const fields: Record<string, unknown> = {};
  for (const field of VESSEL_COLUMNS) if (vessel[field] !== undefined) fields[field] = vessel[field];
  return fields as VesselFields;
}

export interface RegistryStoreOptions {
  db: Database;
  clock?: () => number;
}

/**
 * The vessel registry in SQL (PGlite or PostgreSQL): vessels, administrative units, the audit of every change.
 * The vessels in service are also kept in memory, so the rules can look a vessel up by MMSI on every position.
 */
export class RegistryStore {
  readonly #db: Database;
  readonly #clock: () => number;
  readonly #byRegistration = new Map<string, RegisteredVessel>();
  readonly #byMmsi = new Map<number, RegisteredVessel>();
  readonly #units = new Map<string, AdminUnit>();
  readonly #listeners: Array<(change: RegistryChange) => void> = [];
  /** Announced by other instances, not read again yet (`followOthers`). */
  readonly #announced = new Set<string>();
  #unitsAnnounced = false;
  #reading: Promise<void> | undefined;

  constructor(options: RegistryStoreOptions) {
    this.#db = options.db;
    this.#clock = options.clock ?? Date.now;
  }

  get db(): Database {
    return this.#db;
  }

  /** Reads the vessels in service and the administrative units into memory. */
  async load(): Promise<void> {
    this.#byRegistration.clear();
    this.#byMmsi.clear();
    for (const row of await this.#db.query<Row>(`${SELECT_VESSEL} WHERE retired_at IS NULL`))
      this.#remember(vesselOf(row));
    this.#units.clear();
    for (const unit of await this.#readUnits(this.#db)) this.#units.set(unit.code, unit);
  }

  /**
   * Keeps the memory in step with what other cloud instances change on the shared server (cluster mode): every
   * change is announced at its commit (NOTIFY), and a vessel announced is read again, one at a time (a later read
   * never lands before an earlier one); after the listening connection was lost, every vessel is. Listeners hear
   * what changed as `remote`; this instance's own changes come back too and change nothing. No-op on PGlite.
   * Resolves with how to stop.
   */
  async followOthers(log?: (error: Error) => void): Promise<() => Promise<void>> {
    if (!this.#db.listen) return async () => undefined;
    return this.#db.listen(
      CHANGES_CHANNEL,
      (payload) => {
        const announced = parseAnnouncement(payload);
        if (announced?.registration !== undefined) this.#announced.add(announced.registration);
        if (announced?.units) this.#unitsAnnounced = true;
        this.#readAnnounced(log);
      },
      () => void this.#rereadAll().catch((error: Error) => log?.(error)),
    );
  }

  /** Called after each committed change (the rules refresh what they know of the vessel). */
  onChange(listener: (change: RegistryChange) => void): () => void {
    this.#listeners.push(listener);
    return () => this.#listeners.splice(this.#listeners.indexOf(listener), 1);
  }

  /** The vessel in service with this MMSI (from memory). */
  byMmsi(mmsi: number): RegisteredVessel | undefined {
    return this.#byMmsi.get(mmsi);
  }

  /** Every vessel in service (from memory). */
  inService(): RegisteredVessel[] {
    return [...this.#byRegistration.values()];
  }

  unit(code: string): AdminUnit | undefined {
    return this.#units.get(code);
  }

  /** Every administrative unit, past and present (from memory). */
  allUnits(): AdminUnit[] {
    return [...this.#units.values()];
  }

  async get(registration: string): Promise<RegisteredVessel | undefined> {
    const rows = await this.#db.query<Row>(`${SELECT_VESSEL} WHERE registration = $1`, [registration]);
    return rows[0] ? vesselOf(rows[0]) : undefined;
  }

  async list(query: RegistryQuery = {}): Promise<RegisteredVessel[]> {
    const where: string[] = [query.retired ? 'retired_at IS NOT NULL' : 'retired_at IS NULL'];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (query.mmsi !== undefined) add('mmsi = ?', query.mmsi);
    if (query.commune !== undefined) add('commune_code = ?', query.commune);
    if (query.province !== undefined) add('province_code = ?', query.province);
    if (query.homePort !== undefined) add('home_port = ?', query.homePort);
    if (query.gear !== undefined) add('gear = ?', query.gear);
    if (query.minLengthM !== undefined) add('length_m >= ?', query.minLengthM);
    if (query.maxLengthM !== undefined) add('length_m < ?', query.maxLengthM);
    const rows = await this.#db.query<Row>(
      `${SELECT_VESSEL} WHERE ${where.join(' AND ')} ORDER BY registration`,
      params,
    );
    return rows.map(vesselOf);
  }

  /** Registers a vessel; the fields are checked here (each problem named by field). */
  async create(fields: VesselFields | Record<string, unknown>, actor: string): Promise<RegisteredVessel> {
    const vessel = await this.#db.transaction((tx) =>
      this.#insert(tx, this.#checkMmsiFree(this.#checked(fields, 0)), actor, 'create'),
    );
    this.#committed([{ action: 'create', after: vessel }]);
    return vessel;
  }

  /** Changes fields (`null` removes an optional one); the registration number stays. */
  async update(
    registration: string,
    changes: Record<string, unknown>,
    actor: string,
  ): Promise<RegisteredVessel> {
    const change = await this.#db.transaction(async (tx) => {
      const before = await this.#lockedVessel(tx, registration);
      if ('registration' in changes && changes.registration !== registration)
        throw new RegistryInputError([
          {
            row: 0,
            column: 'registration',
            message: 'the registration number cannot change (retire and create)',
          },
        ]);
      const merged: Record<string, unknown> = { ...fieldsOf(before) };
      for (const [field, value] of Object.entries(changes)) {
        if (value === null) delete merged[field];
        else merged[field] = value;
      }
      const fields = this.#checked(merged, 0);
      const after = await this.#write(tx, before, this.#checkMmsiFree(fields), actor, 'update');
      return { action: 'update' as const, before, after };
    });
    this.#committed([change]);
    return change.after;
  }

  async retire(registration: string, reason: string, actor: string): Promise<RegisteredVessel> {
    const change = await this.#db.transaction(async (tx) => {
      const before = await this.#lockedVessel(tx, registration);
      if (before.retiredAt !== undefined)
        throw new RegistryInputError([
          { row: 0, column: 'registration', message: `${registration} is already retired` },
        ]);
      const rows = await tx.query<Row>(
        `UPDATE vessels SET retired_at = $2, retired_reason = $3, updated_at = $2 WHERE registration = $1 RETURNING registration`,
        [registration, new Date(this.#clock()), reason],
      );
      const after = vesselOf(
        (await tx.query<Row>(`${SELECT_VESSEL} WHERE registration = $1`, [rows[0]!.registration]))[0]!,
      );
      await this.#audit(tx, actor, 'retire', registration, before, after);
      return { action: 'retire' as const, before, after };
    });
    this.#committed([change]);
    return change.after;
  }

  /**
   * Creates or updates every row, all or nothing: each row is checked first (the problems of every row are
   * returned together, nothing is written); then one transaction writes them. `demo` marks generated data.
   */
  async importVessels(
    rows: ReadonlyArray<{ row: number; fields: Record<string, unknown> }>,
    actor: string,
    options: { action?: 'import' | 'seed'; demo?: boolean } = {},
  ): Promise<ImportResult> {
    const action = options.action ?? 'import';
    const problems: ImportProblem[] = [];
    const checked: Array<{ row: number; fields: VesselFields }> = [];
    const registrations = new Map<string, number>();
    const mmsis = new Map<number, number>();
    for (const { row, fields } of rows) {
      try {
        const vessel = this.#checked(fields, row);
        const sameRegistration = registrations.get(vessel.registration);
        if (sameRegistration !== undefined)
          problems.push({
            row,
            column: 'registration',
            message: `${vessel.registration} is also on row ${sameRegistration}`,
          });
        registrations.set(vessel.registration, row);
        if (vessel.mmsi !== undefined) {
          const sameMmsi = mmsis.get(vessel.mmsi);
          if (sameMmsi !== undefined)
            problems.push({ row, column: 'mmsi', message: `MMSI ${vessel.mmsi} is also on row ${sameMmsi}` });
          mmsis.set(vessel.mmsi, row);
          const holder = this.#byMmsi.get(vessel.mmsi);
          if (
            holder &&
            holder.registration !== vessel.registration &&
            !rows.some((r) => r.fields.registration === holder.registration)
          )
            problems.push({
              row,
              column: 'mmsi',
              message: `MMSI ${vessel.mmsi} belongs to ${holder.registration}`,
            });
        }
        checked.push({ row, fields: vessel });
      } catch (error) {
        if (!(error instanceof RegistryInputError)) throw error;
        problems.push(...error.problems);
      }
    }
    if (problems.length > 0) throw new RegistryInputError(problems);
    const result: ImportResult = { created: 0, updated: 0, unchanged: 0 };
    const changes = await this.#db.transaction(async (tx) => {
      const done: RegistryChange[] = [];
      for (const { row, fields } of checked) {
        const before = (
          await tx.query<Row>(`${SELECT_VESSEL} WHERE registration = $1 FOR UPDATE`, [fields.registration])
        )[0];
        if (!before) {
          done.push({ action, after: await this.#insert(tx, fields, actor, action, options.demo, row) });
          result.created++;
          continue;
        }
        const old = vesselOf(before);
        if (
          old.retiredAt === undefined &&
          JSON.stringify(fieldsOf(old)) === JSON.stringify(canonical(fields))
        ) {
          result.unchanged++;
          continue;
        }
        done.push({ action, before: old, after: await this.#write(tx, old, fields, actor, action, row) });
        result.updated++;
      }
      return done;
    });
    this.#committed(changes);
    return result;
  }

  /** Newest first. */
  async history(registration: string): Promise<AuditEntry[]> {
    const rows = await this.#db.query<Row>(
      'SELECT id, at, actor, action, registration, before, after FROM registry_audit WHERE registration = $1 ORDER BY id DESC',
      [registration],
    );
    return rows.map((r) => ({
      id: Number(r.id),
      at: (r.at as Date).getTime(),
      actor: r.actor as string,
      action: r.action as AuditEntry['action'],
      registration: r.registration as string,
      before: (r.before as RegisteredVessel | null) ?? null,
      after: (r.after as RegisteredVessel | null) ?? null,
    }));
  }

  /** Units, optionally of a kind and valid on a day (`YYYY-MM-DD`). */
  async units(query: { kind?: AdminUnit['kind']; at?: string } = {}): Promise<AdminUnit[]> {
    return (await this.#readUnits(this.#db)).filter(
      (u) =>
        (query.kind === undefined || u.kind === query.kind) &&
        (query.at === undefined ||
          (u.validFrom <= query.at && (u.validTo === undefined || query.at <= u.validTo))),
    );
  }

  /** Adds units, or closes / corrects existing ones (same code), in one transaction. */
  async saveUnits(units: readonly AdminUnit[]): Promise<void> {
    await this.#db.transaction(async (tx) => {
      for (const u of units)
        await tx.query(
          `INSERT INTO admin_units (code, kind, name, parent_code, valid_from, valid_to, replaced_by, demo)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT (code) DO UPDATE SET kind = $2, name = $3, parent_code = $4, valid_from = $5, valid_to = $6,
             replaced_by = $7, demo = $8`,
          [
            u.code,
            u.kind,
            u.name,
            u.parentCode ?? null,
            u.validFrom,
            u.validTo ?? null,
            u.replacedBy ?? null,
            u.demo ?? false,
          ],
        );
      await this.#announce(tx, { units: true });
    });
    for (const unit of await this.#readUnits(this.#db)) this.#units.set(unit.code, unit);
  }

  async #readUnits(db: Queryable): Promise<AdminUnit[]> {
    const rows = await db.query<Row>(
      'SELECT code, kind, name, parent_code, valid_from::text AS valid_from, valid_to::text AS valid_to, replaced_by, demo FROM admin_units ORDER BY kind, code',
    );
    return rows.map((r) => {
      const unit: AdminUnit = {
        code: r.code as string,
        kind: r.kind as AdminUnit['kind'],
        name: r.name as string,
        validFrom: r.valid_from as string,
      };
      if (r.parent_code) unit.parentCode = r.parent_code as string;
      if (r.valid_to) unit.validTo = r.valid_to as string;
      if (r.replaced_by) unit.replacedBy = r.replaced_by as string;
      if (r.demo === true) unit.demo = true;
      return unit;
    });
  }

  /** Schema and meaning: dates in order, the commune a commune (its province by default), units known. */
  #checked(input: Record<string, unknown>, row: number): VesselFields {
    const parsed = checkFields.parseValue(canonical(input));
    if (!parsed.ok) throw new RegistryInputError(schemaProblems(parsed.errors, row));
    const fields = parsed.value;
    const problems: ImportProblem[] = [];
    const { licenceValidFrom: from, licenceValidTo: to } = fields;
    if (from && to && to < from)
      problems.push({ row, column: 'licenceValidTo', message: `${to} is before licenceValidFrom ${from}` });
    if (fields.licenceNumber && (!fields.licenceValidTo || !fields.licenceZoneClass))
      problems.push({
        row,
        column: 'licenceNumber',
        message: 'a licence needs licenceZoneClass and licenceValidTo',
      });
    if (fields.communeCode !== undefined) {
      const commune = this.#units.get(fields.communeCode);
      if (!commune || commune.kind !== 'commune')
        problems.push({
          row,
          column: 'communeCode',
          message: `${fields.communeCode} is not a known commune code`,
        });
      else if (commune.validTo !== undefined && commune.validTo < vietnamDay(this.#clock()))
        problems.push({
          row,
          column: 'communeCode',
          message: `commune ${commune.code} (${commune.name}) was abolished after ${commune.validTo}${commune.replacedBy ? `: now ${commune.replacedBy}` : ''}`,
        });
      else if (fields.provinceCode === undefined && commune.parentCode)
        fields.provinceCode = commune.parentCode;
      else if (fields.provinceCode !== undefined && commune.parentCode !== fields.provinceCode)
        problems.push({
          row,
          column: 'provinceCode',
          message: `commune ${commune.code} is in province ${commune.parentCode}, not ${fields.provinceCode}`,
        });
    }
    if (fields.provinceCode !== undefined && this.#units.get(fields.provinceCode)?.kind !== 'province')
      problems.push({
        row,
        column: 'provinceCode',
        message: `${fields.provinceCode} is not a known province code`,
      });
    if (problems.length > 0) throw new RegistryInputError(problems);
    return fields;
  }

  async #lockedVessel(tx: Queryable, registration: string): Promise<RegisteredVessel> {
    const rows = await tx.query<Row>(`${SELECT_VESSEL} WHERE registration = $1 FOR UPDATE`, [registration]);
    if (!rows[0]) throw new VesselNotFoundError(registration);
    return vesselOf(rows[0]);
  }

  async #insert(
    tx: Queryable,
    fields: VesselFields,
    actor: string,
    action: RegistryAction,
    demo = false,
    row = 0,
  ) {
    const now = new Date(this.#clock());
    const names = VESSEL_COLUMNS.map((f) => COLUMN[f]);
    const values: unknown[] = VESSEL_COLUMNS.map((f) => fields[f] ?? null);
    const rows = await tx
      .query<Row>(
        `INSERT INTO vessels (${names.join(', ')}, demo, created_at, updated_at)
       VALUES (${values.map((_, i) => `$${i + 1}`).join(', ')}, $${values.length + 1}, $${values.length + 2}, $${values.length + 2})
       RETURNING registration`,
        [...values, demo, now],
      )
      .catch((error: Error) => {
        throw uniqueViolation(error, fields, row);
      });
    const after = vesselOf(
      (await tx.query<Row>(`${SELECT_VESSEL} WHERE registration = $1`, [rows[0]!.registration]))[0]!,
    );
    await this.#audit(tx, actor, action, fields.registration, null, after);
    return after;
  }

  /** Rewrites every field (a retired vessel imported again is back in service). */
  async #write(
    tx: Queryable,
    before: RegisteredVessel,
    fields: VesselFields,
    actor: string,
    action: RegistryAction,
    row = 0,
  ) {
    const assignments = VESSEL_COLUMNS.map((f, i) => `${COLUMN[f]} = $${i + 1}`);
    const values: unknown[] = VESSEL_COLUMNS.map((f) => fields[f] ?? null);
    await tx
      .query(
        `UPDATE vessels SET ${assignments.join(', ')}, updated_at = $${values.length + 1}, retired_at = NULL, retired_reason = NULL
       WHERE registration = $${values.length + 2}`,
        [...values, new Date(this.#clock()), before.registration],
      )
      .catch((error: Error) => {
        throw uniqueViolation(error, fields, row);
      });
    const after = vesselOf(
      (await tx.query<Row>(`${SELECT_VESSEL} WHERE registration = $1`, [before.registration]))[0]!,
    );
    await this.#audit(tx, actor, action, before.registration, before, after);
    return after;
  }

  #checkMmsiFree(fields: VesselFields): VesselFields {
    const holder = fields.mmsi === undefined ? undefined : this.#byMmsi.get(fields.mmsi);
    if (holder && holder.registration !== fields.registration)
      throw new RegistryInputError([
        { row: 0, column: 'mmsi', message: `MMSI ${fields.mmsi} belongs to ${holder.registration}` },
      ]);
    return fields;
  }

  async #audit(
    tx: Queryable,
    actor: string,
    action: RegistryAction,
    registration: string,
    before: RegisteredVessel | null,
    after: RegisteredVessel | null,
  ): Promise<void> {
    await tx.query(
      'INSERT INTO registry_audit (at, actor, action, registration, before, after) VALUES ($1, $2, $3, $4, $5, $6)',
      [
        new Date(this.#clock()),
        actor,
        action,
        registration,
        before && JSON.stringify(before),
        after && JSON.stringify(after),
      ],
    );
    await this.#announce(tx, { registration });
  }

  /** Sent when `tx` commits; nobody hears it unless other instances follow (`followOthers`). */
  async #announce(tx: Queryable, what: { registration: string } | { units: true }): Promise<void> {
    await tx.query('SELECT pg_notify($1, $2)', [CHANGES_CHANNEL, JSON.stringify(what)]);
  }

  #readAnnounced(log?: (error: Error) => void): void {
    if (this.#reading) return;
    this.#reading = (async () => {
      while (this.#announced.size > 0 || this.#unitsAnnounced) {
        if (this.#unitsAnnounced) {
          this.#unitsAnnounced = false;
          await this.#rereadUnits();
        }
        const [registration] = this.#announced;
        if (registration === undefined) continue;
        this.#announced.delete(registration);
        const rows = await this.#db.query<Row>(`${SELECT_VESSEL} WHERE registration = $1`, [registration]);
        this.#applyStored(registration, rows[0] && vesselOf(rows[0]));
      }
    })()
      .catch((error: Error) => log?.(error))
      .finally(() => {
        this.#reading = undefined;
        if (this.#announced.size > 0 || this.#unitsAnnounced) this.#readAnnounced(log);
      });
  }

  /** After announcements may have been lost: every vessel in service and every unit, read again. */
  async #rereadAll(): Promise<void> {
    const stored = new Map(
      (await this.#db.query<Row>(`${SELECT_VESSEL} WHERE retired_at IS NULL`)).map((row) => {
        const vessel = vesselOf(row);
        return [vessel.registration, vessel] as const;
      }),
    );
    for (const registration of new Set([...this.#byRegistration.keys(), ...stored.keys()]))
      this.#applyStored(registration, stored.get(registration));
    await this.#rereadUnits();
  }

  async #rereadUnits(): Promise<void> {
    this.#units.clear();
    for (const unit of await this.#readUnits(this.#db)) this.#units.set(unit.code, unit);
  }

  /** The vessel as the database has it now (retired, or gone: not in service), into memory when it differs. */
  #applyStored(registration: string, stored: RegisteredVessel | undefined): void {
    const after = stored?.retiredAt === undefined ? stored : undefined;
    const before = this.#byRegistration.get(registration);
    if (JSON.stringify(before) === JSON.stringify(after)) return;
    const action: RegistryAction = !before ? 'create' : !after ? 'retire' : 'update';
    this.#committed([{ action, before, after, remote: true }]);
  }

  #committed(changes: RegistryChange[]): void {
    for (const change of changes) {
      if (change.before) this.#forget(change.before);
      if (change.after && change.after.retiredAt === undefined) this.#remember(change.after);
      for (const listener of this.#listeners) listener(change);
    }
  }

  #remember(vessel: RegisteredVessel): void {
    this.#byRegistration.set(vessel.registration, vessel);
    if (vessel.mmsi !== undefined) this.#byMmsi.set(vessel.mmsi, vessel);
  }

  #forget(vessel: RegisteredVessel): void {
    this.#byRegistration.delete(vessel.registration);
    if (vessel.mmsi !== undefined && this.#byMmsi.get(vessel.mmsi)?.registration === vessel.registration)
      this.#byMmsi.delete(vessel.mmsi);
  }
}

/** What a NOTIFY on the changes channel says; undefined for anything else (it never throws in the listener). */
function parseAnnouncement(payload: string): { registration?: string; units?: boolean } | undefined {
  try {
    const parsed: unknown = JSON.parse(payload);
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const { registration, units } = parsed as Record<string, unknown>;
    return {
      ...(typeof registration === 'string' ? { registration } : {}),
      ...(units === true ? { units } : {}),
    };
  } catch {
    return undefined;
  }
}

/** A unique index refused the row (another transaction got there first): which column, in words. */
function uniqueViolation(error: Error, fields: VesselFields, row: number): Error {
  if (/vessels_mmsi_in_service/.test(error.message))
    return new RegistryInputError([
      { row, column: 'mmsi', message: `MMSI ${fields.mmsi} belongs to another vessel in service` },
    ]);
  if (/vessels_pkey/.test(error.message))
    return new RegistryInputError([
      { row, column: 'registration', message: `${fields.registration} is already registered` },
    ]);
  return error;
}

/** Schema errors (`/lengthM: Expected number`) as one problem per column, in words an officer reads. */
function schemaProblems(errors: readonly string[], row: number): ImportProblem[] {
  const byColumn = new Map<string, string>();
  for (const error of errors) {
    const [where = '', ...what] = error.split(': ');
    const column = where.replace(/^\//, '').split('/')[0] || '(row)';
    const message = what.join(': ');
    if (!byColumn.has(column))
      byColumn.set(column, message === 'Expected required property' ? 'required, missing' : message);
  }
  return [...byColumn].map(([column, message]) => ({ row, column, message }));
}

/** Fields in column order without empty values, so two equal vessels compare equal as JSON. */
function canonical(input: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of VESSEL_COLUMNS) {
    const value = input[field];
    if (value !== undefined && value !== null && value !== '') out[field] = value;
  }
  for (const key of Object.keys(input))
    if (!(key in out) && !VESSEL_COLUMNS.includes(key as keyof VesselFields) && input[key] !== undefined)
      out[key] = input[key];
  return out;
}
