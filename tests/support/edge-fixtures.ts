import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { edgeConfig, type EdgeConfig } from '../../edge/config.js';
import { createEdge, type Edge } from '../../edge/core.js';
import { VesselPositionBatch, type VesselPosition } from '../../protocols/mqtt/payloads.js';
import { compileSchema } from '../../protocols/validation.js';
import { createLogger, silentLogger } from '../../runtime/logger.js';
import { createMetricsRegistry } from '../../runtime/metrics.js';
import type { SentPosition } from '../../simulators/fleet/reports.js';

type Overrides = Parameters<typeof edgeConfig>[0];

/** A temporary outbox directory, removed by the returned cleanup. */
export function tempOutboxDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'lookout-edge-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * An edge for tests: AIS UDP and TCP on free loopback ports, HTTP on a free port, short timers, quiet logs
 * (LOG_LEVEL=debug to see them). Started; stop it after.
 */
export async function startTestEdge(
  mqttUrl: string,
  outboxDir: string,
  overrides: Overrides = {},
): Promise<Edge> {
  const config: EdgeConfig = edgeConfig({
    edgeId: 'edge-test',
    ais: { udp: { host: '127.0.0.1', port: 0 }, tcp: { host: '127.0.0.1', port: 0 } },
    http: { host: '127.0.0.1', port: 0 },
    batching: { maxPositions: 200, maxDelayMs: 100 },
    health: { intervalS: 0.5 },
    ...overrides,
    mqtt: { url: mqttUrl, reconnect: { minMs: 50, maxMs: 500 }, ...overrides.mqtt },
    outbox: { dir: outboxDir, ...overrides.outbox },
  });
  const log = process.env.LOG_LEVEL ? createLogger('edge-test') : silentLogger();
  const edge = createEdge(config, { log, registry: createMetricsRegistry('edge', false) });
  await edge.start();
  return edge;
}

const batchSchema = compileSchema(VesselPositionBatch);

/** Every position in the given MQTT payloads of position batches, in arrival order; invalid batches throw. */
export function positionsIn(payloads: readonly Buffer[]): VesselPosition[] {
  return payloads.flatMap((payload) => {
    const parsed = batchSchema.parseJson(payload);
    if (!parsed.ok) throw new Error(`invalid VesselPositionBatch: ${parsed.errors.join('; ')}`);
    return parsed.value.positions;
  });
}

/** `mmsi/ts` key: the identity of a position (the cloud's idempotency key too). */
export const positionKey = (p: { mmsi: number; ts?: number; tsMs?: number }) => `${p.mmsi}/${p.ts ?? p.tsMs}`;

/**
 * Compares what arrived with what the fleet sent: every sent position arrived with the same values, per
 * vessel in sending order (taking each position's first arrival: QoS 1 may deliver twice).
 */
export function compareWithSent(sent: readonly SentPosition[], received: readonly VesselPosition[]) {
  const firstArrival = new Map<string, VesselPosition>();
  const arrivalOrder: VesselPosition[] = [];
  for (const position of received) {
    const key = positionKey(position);
    if (firstArrival.has(key)) continue;
    firstArrival.set(key, position);
    arrivalOrder.push(position);
  }
  const missing = sent.filter((p) => !firstArrival.has(positionKey(p)));
  const sentKeys = new Set(sent.map(positionKey));
  const unexpected = arrivalOrder.filter((p) => !sentKeys.has(positionKey(p)));
  const valueMismatches = sent.filter((p) => {
    const got = firstArrival.get(positionKey(p));
    return (
      got &&
      (Math.abs(got.lat - p.lat) > 1e-6 ||
        Math.abs(got.lon - p.lon) > 1e-6 ||
        got.sog !== p.sog ||
        got.cog !== p.cog ||
        got.heading !== p.heading ||
        got.msgType !== p.msgType)
    );
  });
  const outOfOrderVessels: number[] = [];
  const sentByVessel = groupTs(sent.map((p) => ({ mmsi: p.mmsi, ts: p.tsMs })));
  const gotByVessel = groupTs(arrivalOrder);
  for (const [mmsi, tss] of sentByVessel) {
    if ((gotByVessel.get(mmsi) ?? []).join() !== tss.join()) outOfOrderVessels.push(mmsi);
  }
  return {
    missing,
    unexpected,
    valueMismatches,
    outOfOrderVessels,
    duplicates: received.length - arrivalOrder.length,
  };
}

function groupTs(positions: ReadonlyArray<{ mmsi: number; ts: number }>): Map<number, number[]> {
  const byVessel = new Map<number, number[]>();
  for (const p of positions) {
    const list = byVessel.get(p.mmsi) ?? [];
    list.push(p.ts);
    byVessel.set(p.mmsi, list);
  }
  return byVessel;
}
