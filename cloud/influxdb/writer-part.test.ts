import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../runtime/logger.js';
import { makePositions } from '../../tests/support/cloud-fixtures.js';
import { startTestInfluxd, type TestInfluxd } from '../../tests/support/influxd.js';
import { waitFor } from '../../tests/support/wait.js';
import { cloudConfig } from '../core.js';
import { createCloudBus } from '../events.js';
import { createCloudMetrics } from '../metrics.js';
import {
  downsampleQueries,
  LONG_RETENTION_POLICY,
  MEASUREMENT_TRACK_10M,
  type RetentionSettings,
} from './retention.js';
import { createInfluxClient, InfluxWriterPart } from './writer-part.js';

let influx: TestInfluxd;
beforeAll(async () => {
  influx = await startTestInfluxd();
});
afterAll(async () => {
  await influx?.cleanup();
});

async function startWriter(
  database: string,
  options: {
    batchSize: number;
    flushIntervalMs: number;
    memoryPoints?: number;
    retention?: RetentionSettings;
  },
) {
  const bus = createCloudBus();
  const metrics = createCloudMetrics();
  const config = cloudConfig({ influx: { host: influx.influxd.host, port: influx.influxd.port, database } });
  const writer = new InfluxWriterPart({
    influx: createInfluxClient(config.influx),
    database,
    memoryPoints: 10_000,
    ...options,
    bus,
    metrics,
    log: silentLogger(),
    retryMaxMs: 300,
  });
  await writer.start();
  let progress = 0;
  bus.on('sinkProgress', () => (progress += 1));
  const positions = (seq: number, count: number, startTs: number) => {
    const list = makePositions(count, { startTs });
    bus.emit('positions', { edgeId: 'e1', topic: 't', receivedAt: 0, replayed: false, seq, positions: list });
    return list;
  };
  const count = async () =>
    (
      await influx.client
        .query<{ count: number }>('SELECT count(lat) FROM vessel_position', { database })
        .catch(() => [])
    )[0]?.count ?? 0;
  return { writer, metrics, positions, count, progress: () => progress };
}

describe('LocalInfluxd', () => {
  it('restarts on the same port with the same data', async () => {
    const { positions, count, writer } = await startWriter('restart_keeps', {
      batchSize: 10,
      flushIntervalMs: 10,
    });
    positions(1, 10, 1_700_000_000_000);
    await waitFor(async () => (await count()) === 10, 10_000, '10 points');
    const port = influx.influxd.port;
    await influx.influxd.restart();
    expect(influx.influxd.port).toBe(port);
    expect(await count()).toBe(10);
    await writer.stop();
  });
});

describe('InfluxWriterPart', () => {
  it('writes full batches at once and the rest when the interval ends or on flush, advancing its pending seq', async () => {
    const { writer, metrics, positions, count, progress } = await startWriter('by_size', {
      batchSize: 100,
      flushIntervalMs: 60_000,
    });
    positions(1, 120, 1_700_000_000_000);
    positions(2, 130, 1_700_100_000_000);
    // The writer's own acknowledgement, not the rows in InfluxDB: under load influxd has the second batch before
    // the writer has read its answer, and the batch still counts as pending until then.
    await waitFor(() => progress() === 2, 10_000, 'two full batches acknowledged');
    expect(await count()).toBe(200);
    expect(writer.pendingPoints).toBe(50);
    expect(writer.oldestPendingSeq()).toBe(2);
    await writer.flush(5000);
    expect(await count()).toBe(250);
    expect(writer.oldestPendingSeq()).toBeUndefined();
    expect(progress()).toBe(3);
    expect((await metrics.pointsWritten.get()).values[0]?.value).toBe(250);
    await writer.stop();
  });

  it('writes a small batch once the oldest point is flushIntervalMs old', async () => {
    const { writer, positions, count } = await startWriter('by_time', {
      batchSize: 1000,
      flushIntervalMs: 30,
    });
    positions(7, 3, 1_700_000_000_000);
    await waitFor(async () => (await count()) === 3, 10_000, '3 points');
    await writer.stop();
  });

  it('keeps points while InfluxDB is down, reports no room beyond memoryPoints, and writes them when it is back', async () => {
    const { writer, metrics, positions, count } = await startWriter('down', {
      batchSize: 50,
      flushIntervalMs: 10,
      memoryPoints: 100,
    });
    await influx.influxd.stop();
    try {
      positions(1, 80, 1_700_000_000_000);
      expect(writer.hasRoom()).toBe(true);
      positions(2, 80, 1_700_200_000_000);
      expect(writer.hasRoom()).toBe(false);
      await waitFor(
        async () => ((await metrics.writeErrors.get()).values[0]?.value ?? 0) >= 2,
        10_000,
        'failed writes',
      );
      expect(writer.reachable).toBe(false);
      expect(writer.pendingPoints).toBe(160);
    } finally {
      await influx.influxd.start();
    }
    await waitFor(() => writer.pendingPoints === 0, 20_000, 'every point written after the outage');
    expect(await count()).toBe(160);
    expect(writer.reachable).toBe(true);
    expect(writer.hasRoom()).toBe(true);
    await writer.stop();
  });
});

describe('retention (influx.retention)', () => {
  it('keeps raw data for rawDays, a 10-minute track in the long policy for longDays, filled by continuous queries', async () => {
    const database = 'retention_set';
    const { writer, positions, count } = await startWriter(database, {
      batchSize: 100,
      flushIntervalMs: 10,
      retention: { rawDays: 365, longDays: 0 },
    });
    const policies = await influx.client.showRetentionPolicies(database);
    expect(policies.find((policy) => policy.default)).toMatchObject({
      name: 'autogen',
      duration: '8760h0m0s',
    });
    expect(policies.find((policy) => policy.name === LONG_RETENTION_POLICY)).toMatchObject({
      duration: '0s',
      default: false,
    });
    const queries = await influx.client.showContinousQueries(database);
    expect(queries.map((query) => query.name).sort()).toEqual(
      downsampleQueries(database)
        .map((query) => query.name)
        .sort(),
    );

    // What a continuous query does when it runs (the test influxd runs none): the same SELECT ... INTO once.
    const start = Date.UTC(2026, 0, 1);
    const sent = positions(1, 70, start); // 7 vessels, 10 positions each, one per second
    await waitFor(async () => (await count()) === 70, 10_000, '70 points');
    for (const query of downsampleQueries(database))
      await influx.client.query(
        `${query.select} WHERE time >= ${start}ms AND time < ${start + 600_000}ms ${query.groupBy}`,
        { database },
      );
    const track = await influx.client.query<{ mmsi: string; positions: number; lat: number }>(
      `SELECT * FROM "${LONG_RETENTION_POLICY}"."${MEASUREMENT_TRACK_10M}"`,
      { database },
    );
    expect(track).toHaveLength(7);
    expect(track.every((row) => row.positions === 10)).toBe(true);
    const lastOfFirst = sent.filter((p) => String(p.mmsi) === track[0]!.mmsi).at(-1)!;
    expect(track[0]!.lat).toBe(lastOfFirst.lat);
    await writer.stop();

    // A changed setting takes effect at the next start.
    const again = await startWriter(database, {
      batchSize: 100,
      flushIntervalMs: 10,
      retention: { rawDays: 90, longDays: 1825 },
    });
    const changed = await influx.client.showRetentionPolicies(database);
    expect(changed.find((policy) => policy.default)).toMatchObject({ duration: '2160h0m0s' });
    expect(changed.find((policy) => policy.name === LONG_RETENTION_POLICY)).toMatchObject({
      duration: '43800h0m0s',
    });
    await again.writer.stop();
  });
});
