import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { InfluxDB } from 'influx';
import { LocalInfluxd } from '../../cloud/influxdb/local-influxd.js';

export interface TestInfluxd {
  influxd: LocalInfluxd;
  /** A client on the test instance (no default database: pass `database` in queries). */
  client: InfluxDB;
  dir: string;
  /** Stops influxd and removes its folder. */
  cleanup(): Promise<void>;
}

/** A real influxd on a free loopback port with a temp data dir: one per test file (beforeAll). */
export async function startTestInfluxd(): Promise<TestInfluxd> {
  const dir = await mkdtemp(path.join(tmpdir(), 'lookout-influxd-'));
  const influxd = new LocalInfluxd({ dir });
  try {
    await influxd.start();
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const client = new InfluxDB({ host: influxd.host, port: influxd.port });
  return {
    influxd,
    client,
    dir,
    async cleanup() {
      await influxd.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
