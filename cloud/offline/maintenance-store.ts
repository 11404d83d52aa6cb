import { randomUUID } from 'node:crypto';
import type { MaintenanceWindow } from '../../protocols/api/maintenance.js';
import type { Database, Queryable } from '../registry/database.js';

/** A window as the API sets it (times in ms since the epoch). */
export interface NewMaintenanceWindow {
  edgeId: string;
  cameraId?: string;
  from: number;
  until: number;
  note?: string;
}

interface WindowRow {
  id: string;
  edge_id: string;
  camera_id: string | null;
  from_at: Date;
  until_at: Date;
  note: string | null;
  created_at: Date;
  created_by: string;
}

const COLUMNS = 'id, edge_id, camera_id, from_at, until_at, note, created_at, created_by';

function windowOf(row: WindowRow): MaintenanceWindow {
  return {
    id: row.id,
    edgeId: row.edge_id,
    ...(row.camera_id !== null ? { cameraId: row.camera_id } : {}),
    from: row.from_at.getTime(),
    until: row.until_at.getTime(),
    ...(row.note !== null ? { note: row.note } : {}),
    source: 'api',
    by: row.created_by,
    createdAt: row.created_at.getTime(),
  };
}

/**
 * The maintenance windows set on the API, in the cloud's SQL database (the registry's: PGlite, or the PostgreSQL
 * server every instance of a cluster shares), so that a window set on any instance's API is seen by the one that
 * judges offline alarms. A removed window keeps its row, with who removed it and when.
 */
export class MaintenanceStore {
  constructor(
    private readonly db: Database,
    private readonly clock: () => number = Date.now,
  ) {}

  async add(window: NewMaintenanceWindow, by: string): Promise<MaintenanceWindow> {
    const [row] = await this.db.query<WindowRow>(
      `INSERT INTO maintenance_windows (id, edge_id, camera_id, from_at, until_at, note, created_at, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${COLUMNS}`,
      [
        randomUUID(),
        window.edgeId,
        window.cameraId ?? null,
        new Date(window.from),
        new Date(window.until),
        window.note ?? null,
        new Date(this.clock()),
        by,
      ],
    );
    return windowOf(row!);
  }

  /** Ends a window not over yet: the window as it was, or undefined when there is none (or it is over). */
  async remove(id: string, by: string): Promise<MaintenanceWindow | undefined> {
    const now = new Date(this.clock());
    const [row] = await this.db.query<WindowRow>(
      `UPDATE maintenance_windows SET removed_at = $2, removed_by = $3
       WHERE id = $1 AND removed_at IS NULL AND until_at > $2 RETURNING ${COLUMNS}`,
      [id, now, by],
    );
    return row ? windowOf(row) : undefined;
  }

  /** The windows not removed and not over (those still to come included), by start. */
  async inForce(): Promise<MaintenanceWindow[]> {
    const rows = await this.db.query<WindowRow>(
      `SELECT ${COLUMNS} FROM maintenance_windows WHERE removed_at IS NULL AND until_at > $1
       ORDER BY from_at, id`,
      [new Date(this.clock())],
    );
    return rows.map(windowOf);
  }

  /**
   * Adds windows kept elsewhere before (the old `maintenance.ndjson`) with their ids, in one transaction; an id
   * already in the table is left as it is, so importing again adds nothing. Returns the ids added.
   */
  async import(windows: readonly MaintenanceWindow[], fallbackBy: string): Promise<string[]> {
    if (windows.length === 0) return [];
    const fallbackAt = new Date(this.clock());
    return this.db.transaction(async (tx: Queryable) => {
      const added: string[] = [];
      for (const window of windows) {
        const rows = await tx.query<{ id: string }>(
          `INSERT INTO maintenance_windows (id, edge_id, camera_id, from_at, until_at, note, created_at, created_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING RETURNING id`,
          [
            window.id,
            window.edgeId,
            window.cameraId ?? null,
            new Date(window.from),
            new Date(window.until),
            window.note ?? null,
            window.createdAt !== undefined ? new Date(window.createdAt) : fallbackAt,
            window.by ?? fallbackBy,
          ],
        );
        if (rows.length > 0) added.push(window.id);
      }
      return added;
    });
  }
}
