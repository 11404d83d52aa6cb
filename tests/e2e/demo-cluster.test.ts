/** `lookout demo --instances 2`: two cloud processes on a Redis server the demo starts, the edge on both. */
import path from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { ROOT, demoCounts, startDemoSystem, type DemoSystem } from '../../cli/demo-system.js';
import { removeDir, tempDir } from '../support/cloud-fixtures.js';
import { scopeForFile } from '../support/scope.js';
import { waitFor } from '../support/wait.js';

const scope = scopeForFile();
let system: DemoSystem;
const lines: string[] = [];

beforeAll(async () => {
  const dir = await scope.use(tempDir('demo-cluster'), removeDir);
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
