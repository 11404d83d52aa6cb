/**
 * `lookout demo --instances 2`: two cloud processes on a Redis server and a PostgreSQL server the demo starts,
 * the edge on both.
 */
import path from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { ROOT, demoCounts, startDemoSystem, type DemoSystem } from '../../cli/demo-system.js';
import { postgresTempDir } from '../support/postgres.js';
import { scopeForFile } from '../support/scope.js';
import { waitFor } from '../support/wait.js';

const scope = scopeForFile();
let system: DemoSystem;
const lines: string[] = [];

beforeAll(async () => {
  // The demo's PostgreSQL runs in <dir>/postgres, as the postgres user under root.
  const dir = await postgresTempDir(scope, 'demo-cluster');
  system = await scope.use(
    startDemoSystem({
      dir,
      configFile: path.join(ROOT, 'lookout.example.yaml'),
      vessels: 5,
      rate: 10,
      cameras: 0,
      replayHours: 0,
      replaySeconds: 1,
      ports: { http: 0, mqtt: 0, ws: 0, influx: 0, edgeHttp: 0 },
      say: (line) => lines.push(line),
      instances: 2,
    }),
    (started) => started.stop(),
  );
}, 90_000);

interface ClusterHealth {
  status: string;
  features: { cluster: { instance: string; leader: boolean } };
}

it('runs two cloud instances, one leading, both serving the dashboard, the fleet stored', async () => {
  const second = system.addresses.second;
  expect(second).toBeDefined();
  const health = async (url: string) => (await (await fetch(url)).json()) as ClusterHealth;
  const [first, other] = await Promise.all([health(system.addresses.cloudHealth), health(second!.health)]);
  expect([first.features.cluster.instance, other.features.cluster.instance].sort()).toEqual([
    'cloud-1',
    'cloud-2',
  ]);
  expect([first.features.cluster.leader, other.features.cluster.leader].filter(Boolean)).toHaveLength(1);
  expect((await fetch(second!.dashboard)).status).toBe(200);
  const edge = await waitFor(
    async () => {
      const report = (await (await fetch(system.addresses.edgeHealth)).json()) as {
        uplink: { connected: boolean; url: string };
      };
      return report.uplink.connected && report;
    },
    30_000,
    'the edge connected',
  );
  expect([system.addresses.mqtt, second!.mqtt]).toContain(edge.uplink.url);
  await waitFor(async () => (await demoCounts(system)).points > 0, 60_000, 'fleet positions in InfluxDB');
  expect(lines.some((line) => line.includes('second cloud instance'))).toBe(true);
});

it('both instances share one registry: the demo registry seeded once, a vessel created on one read on the other', async () => {
  const second = system.addresses.second!;
  expect(second.postgres).toMatch(/^postgres:\/\/lookout@127\.0\.0\.1:\d+\/lookout$/);
  const first = system.addresses.api.replace('/vessels', '');
  const other = second.dashboard.replace(/\/$/, '/api/v1');
  const vessels = async (api: string) =>
    ((await (await fetch(`${api}/registry/vessels`)).json()) as { vessels: Array<{ registration: string }> })
      .vessels;
  const [onFirst, onOther] = await Promise.all([vessels(first), vessels(other)]);
  expect(onFirst.length).toBeGreaterThanOrEqual(300); // the generated demo registry
  expect(onOther.map((v) => v.registration)).toEqual(onFirst.map((v) => v.registration));
  const seeds = (await (
    await fetch(`${first}/registry/vessels/${onFirst[0]!.registration}/history`)
  ).json()) as {
    entries: Array<{ action: string }>;
  };
  expect(seeds.entries.filter((entry) => entry.action === 'seed')).toHaveLength(1);

  const created = await fetch(`${other}/registry/vessels`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ registration: 'CM-99901-TS', name: 'Tàu Cụm', lengthM: 12, by: 'officer.demo' }),
  });
  expect(created.status).toBe(201);
  const read = await fetch(`${first}/registry/vessels/CM-99901-TS`);
  expect(read.status).toBe(200);
  expect(await read.json()).toMatchObject({ registration: 'CM-99901-TS', name: 'Tàu Cụm' });
});
