import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, demoCounts, startDemoSystem, type DemoSystem } from '../../cli/demo-system.js';
import { iuuScenario } from '../../simulators/fleet/scenarios/iuu.js';
import { waitFor } from '../support/wait.js';

/**
 * The README's first command starts this: the whole system on one machine. Here without cameras (the camera
 * and fire tests cover them) and with the IUU scenario replay squeezed into a few seconds.
 */
let dir: string;
let system: DemoSystem;
const lines: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'lookout-demo-'));
  system = await startDemoSystem({
    dir,
    configFile: path.join(ROOT, 'lookout.example.yaml'),
    vessels: 10,
    rate: 20,
    cameras: 0,
    replayHours: 20,
    replaySeconds: 4,
    ports: { http: 0, mqtt: 0, ws: 0, influx: 0, edgeHttp: 0 },
    say: (line) => lines.push(line),
  });
}, 60_000);

afterAll(async () => {
  await system?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('lookout demo', () => {
  it('says what it starts, in Vietnamese first, then in English', () => {
    const influx = lines.findIndex((line) => line.startsWith('khởi động InfluxDB'));
    expect(influx).toBeGreaterThanOrEqual(0);
    expect(lines[influx + 1]).toMatch(/^ {2}starting InfluxDB/);
    const replay = lines.findIndex((line) => line.startsWith('phát lại 20 giờ cuối của kịch bản IUU'));
    expect(lines[replay + 1]).toMatch(/^ {2}replaying the last 20 h of a scripted IUU scenario/);
  });

  it('tracks the live fleet and the replayed scenario vessels, and stores their positions', async () => {
    const replayed = await system.replayDone;
    const scenario = iuuScenario({ durationH: 20 });
    expect(replayed).toBe(scenario.positions.length);
    const counts = await waitFor(
      async () => {
        const now = await demoCounts(system);
        return now.vessels >= 10 + scenario.registry.length && now.points >= replayed ? now : undefined;
      },
      30_000,
      'vessels and points',
    );
    expect(counts.vessels).toBeGreaterThanOrEqual(10 + scenario.registry.length);
  });

  it('raises an alarm of every scripted violation type from the replay', async () => {
    const expectedTypes = new Set(iuuScenario({ durationH: 20 }).expected.map((alarm) => alarm.type));
    const raised = await waitFor(
      async () => {
        const response = await fetch(`${system.cloud.addresses.http}/api/v1/alarms?status=active`);
        const { alarms } = (await response.json()) as { alarms: Array<{ type: string }> };
        const types = new Set(alarms.map((alarm) => alarm.type));
        return [...expectedTypes].every((type) => types.has(type)) ? types : undefined;
      },
      90_000,
      'one alarm of each scripted type',
    );
    expect([...raised].sort()).toEqual(expect.arrayContaining([...expectedTypes]));
  });

  it('prints each new alarm as the notification a ranger or officer would get', async () => {
    const expectedTypes = iuuScenario({ durationH: 20 }).expected.length;
    const alarmLines = await waitFor(
      () => {
        const printed = lines.filter((line) => line.startsWith('BÁO ĐỘNG '));
        return printed.length >= expectedTypes ? printed : undefined;
      },
      30_000,
      'alarm notification lines',
    );
    expect(
      alarmLines.some((line) => /^BÁO ĐỘNG \[KHẨN CẤP\] Vào vùng cấm: .+, MMSI \d+ - vùng /.test(line)),
    ).toBe(true);
    expect(lines.some((line) => line.startsWith('(thông báo báo động mà demo không đọc được'))).toBe(false);
  });

  it('documents every API route in one OpenAPI document', async () => {
    const openapi = (await (await fetch(`${system.cloud.addresses.http}/api/v1/openapi.json`)).json()) as {
      paths: Record<string, unknown>;
    };
    for (const route of [
      '/api/v1/edges',
      '/api/v1/vessels',
      '/api/v1/alarms',
      '/api/v1/zones',
      '/api/v1/fire/alerts',
      '/api/v1/fire/located',
      '/api/v1/cameras',
    ]) {
      expect(Object.keys(openapi.paths)).toContain(route);
    }
  });

  it('serves health with the edge online', async () => {
    const health = (await (await fetch(system.addresses.cloudHealth)).json()) as {
      status: string;
      edges: Array<{ edgeId: string; state: string }>;
    };
    expect(health.status).toBe('ok');
    expect(health.edges.find((edge) => edge.edgeId === 'edge-demo')?.state).toBe('online');
  });
});
