import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { VesselPosition, VesselPositionBatch } from '../../protocols/mqtt/payloads.js';
import type { Logger } from '../../runtime/logger.js';

/** Deterministic positions off Ca Mau: `count` reports spread over `vessels` vessels, 1 s apart per vessel. */
export function makePositions(
  count: number,
  { vessels = 7, startTs = 1_767_225_600_000, mmsiBase = 574_100_000 } = {},
): VesselPosition[] {
  return Array.from({ length: count }, (_, i) => {
    const vessel = i % vessels;
    const step = Math.floor(i / vessels);
    const position: VesselPosition = {
      mmsi: mmsiBase + vessel,
      ts: startTs + step * 1000,
      lat: Number((8.6 + vessel * 0.01 + step * 0.0001).toFixed(6)),
      lon: Number((104.7 + vessel * 0.01 - step * 0.0001).toFixed(6)),
      sog: Number((((vessel + step) % 12) + 0.5).toFixed(1)),
      cog: Number(((vessel * 37 + step) % 360).toFixed(1)),
      msgType: vessel % 2 === 0 ? 1 : 18,
    };
    if (vessel % 3 === 0) position.heading = (vessel * 37 + step) % 360;
    if (vessel % 2 === 0) position.navStatus = 7;
    return position;
  });
}

export function batchesOf(edgeId: string, positions: VesselPosition[], size: number): VesselPositionBatch[] {
  const batches: VesselPositionBatch[] = [];
  for (let i = 0; i < positions.length; i += size)
    batches.push({ edgeId, seq: batches.length, positions: positions.slice(i, i + size) });
  return batches;
}

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(path.join(tmpdir(), `lookout-${prefix}-`));
}

/** Removes a folder made by `tempDir` (for `scope.use(tempDir(...), removeDir)`). */
export function removeDir(dir: string): Promise<void> {
  return rm(dir, { recursive: true, force: true });
}

/** A pino logger whose JSON lines are kept in `lines`, for asserting what was logged. */
export function capturingLogger(level = 'info'): { log: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n'))
        if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ level }, stream), lines };
}

/** Reads one sample of a Prometheus text exposition, e.g. `metric(text, 'x_total', { reason: 'schema' })`. */
export function metricValue(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const ok = Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`));
    if (ok) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}
