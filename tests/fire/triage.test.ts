/**
 * Triage of fire alarms and the YOLO export, with real components: fire alerts published over MQTT (QoS 1) to the
 * cloud's aedes broker, stored in a real influxd and as snapshot and strip frame files; rangers judge the alarms on
 * the HTTP API; `lookout fire export-dataset` (the real CLI process) writes the judged events' clean frames (never
 * the snapshots, boxes drawn) as a YOLO data set, read back with the edge's own YOLO label parser
 * (edge/fire/evaluate.ts).
 */
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import mqtt from 'mqtt';
import { beforeAll, expect, it } from 'vitest';
import { alarmsFeature } from '../../cloud/alarms/feature.js';
import { cloudConfig, createCloud, type Cloud } from '../../cloud/core.js';
import { fireAlertsFeature } from '../../cloud/fire/feature.js';
import { exportFireDataset } from '../../cloud/fire/yolo-export.js';
import { parseYoloLabels } from '../../edge/fire/evaluate.js';
import type { Alarm, AlarmList } from '../../protocols/api/alarms.js';
import type { FireAlertList } from '../../protocols/api/fire.js';
import type { FireDataset } from '../../protocols/api/fire-dataset.js';
import type { FireAlert } from '../../protocols/mqtt/payloads.js';
import { topics } from '../../protocols/mqtt/topics.js';
import { silentLogger } from '../../runtime/logger.js';
import { removeDir, tempDir } from '../support/cloud-fixtures.js';
import { runFfmpeg } from '../support/fire-media.js';
import { startTestInfluxd, type TestInfluxd } from '../support/influxd.js';
import { waitFor } from '../support/wait.js';
import { scopeForFile } from '../support/scope.js';
import { runLookout } from '../support/cli.js';

const scope = scopeForFile();
let influx: TestInfluxd;
let cloud: Cloud;
let dir: string;
/** Snapshots (boxes drawn, on the edge) by camera. */
const jpegs: Buffer[] = [];
/** Clean strip frames (160x90, as the edge sends them: no boxes) by the time of the frame. */
const cleanFrames = new Map<number, Buffer>();
const alarms = alarmsFeature();
const T0 = 1_767_225_600_000;
/** The events that carry strip frames: each has its own frame (same ts) and one from 5 s before. */
const STRIP_EVENTS = [T0, T0 + 30_000, T0 + 1_000, T0 + 2_000];
const framesOf = (ts: number) => [ts - 5_000, ts];

beforeAll(async () => {
  dir = await scope.use(tempDir('fire-triage'), removeDir);
  // cam-3 is an older edge's camera: snapshot only, no strip.
  const files = [0, 1, 2, 3].map((i) => path.join(dir, `snap-${i}.jpg`));
  const frameTimes = STRIP_EVENTS.flatMap(framesOf);
  const frameFile = (ts: number) => path.join(dir, `frame-${ts}.jpg`);
  [influx] = await Promise.all([
    scope.use(startTestInfluxd(), (started) => started.cleanup()),
    ...files.map((file, i) =>
      runFfmpeg(['-f', 'lavfi', '-i', `testsrc=size=320x180:decimals=${i}`, '-frames:v', '1', file]),
    ),
    ...frameTimes.map((ts, i) =>
      runFfmpeg([
        '-f',
        'lavfi',
        '-i',
        `testsrc2=size=160x90`,
        '-vf',
        `hue=h=${i * 40}`,
        '-frames:v',
        '1',
        frameFile(ts),
      ]),
    ),
  ]);
  for (const file of files) jpegs.push(await readFile(file));
  for (const ts of frameTimes) cleanFrames.set(ts, await readFile(frameFile(ts)));
  expect(new Set([...cleanFrames.values()].map((jpeg) => jpeg.toString('base64'))).size).toBe(
    frameTimes.length,
  );
  cloud = createCloud(
    cloudConfig({
      mqtt: { port: 0, wsPort: 0 },
      http: { port: 0 },
      influx: { host: influx.influxd.host, port: influx.influxd.port, database: 'fire_triage' },
      dataDir: path.join(dir, 'cloud'),
    }),
    { log: silentLogger(), features: [alarms, fireAlertsFeature({ alarms })] },
  );
  await scope.use(cloud.start(), () => cloud.stop());
});

function alert(camera: number, event: FireAlert['event'], ts: number, className: string): FireAlert {
  return {
    edgeId: 'edge-t',
    cameraId: `cam-${camera}`,
    alertId: `cam-${camera}-a`,
    event,
    className,
    confidence: 0.8,
    boxes: [
      { x1: 0.1, y1: 0.2, x2: 0.3, y2: 0.6, score: 0.8 },
      { x1: 0.5, y1: 0.5, x2: 0.7, y2: 0.9, score: 0.7, className: 'fire' },
    ],
    firstSeenTs: ts,
    ts,
    camera: { position: { lat: 9.1, lon: 105 } },
    ...(event === 'end'
      ? {}
      : {
          snapshot: {
            contentType: 'image/jpeg' as const,
            width: 320,
            height: 180,
            data: jpegs[camera]!.toString('base64'),
          },
        }),
    ...(event !== 'end' && STRIP_EVENTS.includes(ts)
      ? {
          frames: framesOf(ts).map((frameTs) => ({
            ts: frameTs,
            width: 160,
            height: 90,
            data: cleanFrames.get(frameTs)!.toString('base64'),
          })),
        }
      : {}),
  };
}

const api = async <T>(route: string, init?: { method?: string; body?: unknown }) => {
  const response = await fetch(`${cloud.addresses.http}${route}`, {
    method: init?.method ?? 'GET',
    ...(init?.body !== undefined
      ? { body: JSON.stringify(init.body), headers: { 'content-type': 'application/json' } }
      : {}),
  });
  return { status: response.status, body: (await response.json()) as T };
};

const lookout = runLookout;

it("records who judged a fire alarm and when, keeps it in InfluxDB, and exports the judged events' clean frames as YOLO", async () => {
  const client = await mqtt.connectAsync(cloud.addresses.mqtt, { clientId: 'edge-t', clean: true });
  try {
    const topic = topics.fireAlert('edge-t');
    // cam-0: a wildfire seen twice (new + update, two snapshots); cam-1: a false alarm; cam-2: a cooking fire;
    // cam-3: a wildfire from an edge that sends no strip (no clean frame).
    for (const message of [
      alert(0, 'new', T0, 'smoke'),
      alert(0, 'update', T0 + 30_000, 'smoke'),
      alert(0, 'end', T0 + 60_000, 'smoke'),
      alert(1, 'new', T0 + 1_000, 'smoke'),
      alert(2, 'new', T0 + 2_000, 'smoke'),
      alert(3, 'new', T0 + 3_000, 'smoke'),
    ])
      await client.publishAsync(topic, JSON.stringify(message), { qos: 1 });
  } finally {
    await client.endAsync();
  }
  const fireAlarms = await waitFor(
    async () => {
      const { body } = await api<AlarmList>('/api/v1/alarms?type=fire');
      const stored = await api<{ alerts: unknown[] }>('/api/v1/fire/alerts?edgeId=edge-t');
      return body.alarms.length === 4 && stored.body.alerts.length === 6 ? body.alarms : undefined;
    },
    20_000,
    'four fire alarms and six stored events',
  );
  const byCamera = (camera: number) =>
    fireAlarms.find((a) => a.originator === `camera:edge-t/cam-${camera}`)!;

  // Wrong input: an unknown verdict, no `by` without operator accounts, an unknown alarm, a vessel alarm.
  expect(
    (
      await api(`/api/v1/alarms/${byCamera(0).id}/triage`, {
        method: 'POST',
        body: { label: 'fire', by: 'x' },
      })
    ).status,
  ).toBe(400);
  expect(
    (await api(`/api/v1/alarms/${byCamera(0).id}/triage`, { method: 'POST', body: { label: 'wildfire' } }))
      .status,
  ).toBe(400);
  expect(
    (await api('/api/v1/alarms/nope/triage', { method: 'POST', body: { label: 'wildfire', by: 'x' } }))
      .status,
  ).toBe(404);
  const vessel = alarms.part.raise({
    originator: 'vessel:574000001',
    type: 'signal_loss',
    severity: 'MINOR',
    ts: T0,
    details: {},
  });
  const refused = await api<{ error: string }>(`/api/v1/alarms/${vessel!.alarm.id}/triage`, {
    method: 'POST',
    body: { label: 'false_alarm', by: 'x' },
  });
  expect(refused.status).toBe(409);
  expect(refused.body.error).toMatch(/signal_loss/);

  const judge = (camera: number, label: string, note?: string) =>
    api<Alarm>(`/api/v1/alarms/${byCamera(camera).id}/triage`, {
      method: 'POST',
      body: { label, by: 'ranger.lan', ...(note ? { note } : {}) },
    });
  await judge(0, 'false_alarm'); // corrected below: the latest verdict wins
  const wildfire = await judge(0, 'wildfire', 'Tiểu khu 12, đội 3 đã đến');
  expect(wildfire.status).toBe(200);
  expect(wildfire.body.triage).toMatchObject({
    label: 'wildfire',
    by: 'ranger.lan',
    note: 'Tiểu khu 12, đội 3 đã đến',
  });
  expect(wildfire.body.triage!.ts).toBeGreaterThan(0);
  // Judging it acknowledges it (they have seen it) and leaves it active.
  expect(wildfire.body).toMatchObject({ status: 'ACTIVE_ACK', ackBy: 'ranger.lan' });
  expect((await judge(1, 'false_alarm', '  ')).body.triage).toEqual(
    expect.not.objectContaining({ note: expect.anything() }),
  );
  expect((await judge(2, 'other_smoke', 'đốt đồng')).status).toBe(200);
  expect((await judge(3, 'wildfire')).status).toBe(200);
  const listed = (await api<AlarmList>('/api/v1/alarms?type=fire')).body.alarms;
  expect(Object.fromEntries(listed.map((a) => [a.originator, a.triage?.label]))).toEqual({
    'camera:edge-t/cam-0': 'wildfire',
    'camera:edge-t/cam-1': 'false_alarm',
    'camera:edge-t/cam-2': 'other_smoke',
    'camera:edge-t/cam-3': 'wildfire',
  });

  // The alert events say which alarm they raised and its verdict (the end came after the alarm's last raise).
  const events = (await api<FireAlertList>('/api/v1/fire/alerts?edgeId=edge-t&cameraId=cam-0')).body.alerts;
  expect(events.map((e) => [e.event, e.alarmId, e.triage?.label])).toEqual([
    ['end', undefined, undefined],
    ['update', byCamera(0).id, 'wildfire'],
    ['new', byCamera(0).id, 'wildfire'],
  ]);

  // In InfluxDB with the alarm: every verdict, who and when.
  await alarms.part.flushed();
  const rows = await influx.client.query<{ triage: string; json: string }>(
    `SELECT "triage", "json" FROM "alarm_event" WHERE "kind" = 'triaged' AND "alarm_id" = '${byCamera(0).id}'`,
    { database: 'fire_triage' },
  );
  expect(rows.map((row) => row.triage)).toEqual(['false_alarm', 'wildfire']);
  expect((JSON.parse(rows[1]!.json) as Alarm).triage).toMatchObject({ by: 'ranger.lan', label: 'wildfire' });

  // The data set: per event its clean frame (the strip frame at the event's time) besides the snapshot.
  const dataset = (await api<FireDataset>('/api/v1/fire/dataset')).body;
  const itemOf = (camera: number, event: string) =>
    dataset.items.find((item) => item.cameraId === `cam-${camera}` && item.event === event)!;
  expect(itemOf(0, 'new')).toMatchObject({
    ts: T0,
    snapshotUrl: '/api/v1/fire/snapshots/edge-t/cam-0-a-new-1767225600000.jpg',
    imageUrl: '/api/v1/fire/snapshots/edge-t/cam-0-a-frame-1767225600000.jpg',
  });
  expect(itemOf(3, 'new').snapshotUrl).toBeDefined();
  expect(itemOf(3, 'new')).not.toHaveProperty('imageUrl');

  // The export: the library call with other smoke kept as smoke, and the CLI with the default (left out).
  const kept = path.join(dir, 'dataset-kept');
  const summary = await exportFireDataset({ cloudUrl: cloud.addresses.http, out: kept, otherSmoke: 'smoke' });
  expect(summary).toMatchObject({
    images: 4,
    byLabel: { wildfire: 2, false_alarm: 1, other_smoke: 1 },
    boxes: 6,
    skipped: { otherSmoke: 0, noCleanFrame: 1, missing: 0 },
  });
  const out = path.join(dir, 'dataset');
  // An export made before the clean frames wrote the snapshot (boxes drawn) under its name: it goes.
  const stale = 'edge-t_cam-0-a-new-1767225600000';
  await mkdir(path.join(out, 'images'), { recursive: true });
  await mkdir(path.join(out, 'labels'), { recursive: true });
  await writeFile(path.join(out, 'images', `${stale}.jpg`), jpegs[0]!);
  await writeFile(path.join(out, 'labels', `${stale}.txt`), '1 0.2 0.4 0.2 0.4\n');
  const run = await lookout(['fire', 'export-dataset', '--cloud', cloud.addresses.http, '--out', out]);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  expect(JSON.parse(run.stdout)).toMatchObject({
    images: 3,
    byLabel: { wildfire: 2, false_alarm: 1, other_smoke: 0 },
    skipped: { otherSmoke: 1, noCleanFrame: 1, missing: 0 },
    classes: ['fire', 'smoke'],
  });
  const images = (await readdir(path.join(out, 'images'))).sort();
  expect(images).toEqual([
    'edge-t_cam-0-a-frame-1767225600000.jpg',
    'edge-t_cam-0-a-frame-1767225630000.jpg',
    'edge-t_cam-1-a-frame-1767225601000.jpg',
  ]);
  expect((await readdir(path.join(out, 'labels'))).sort()).toEqual(
    images.map((image) => image.replace(/\.jpg$/, '.txt')),
  );
  // Each picture is the event's own clean frame, byte for byte: not the snapshot, not the frame before it.
  for (const [image, ts] of [
    [images[0]!, T0],
    [images[1]!, T0 + 30_000],
    [images[2]!, T0 + 1_000],
  ] as const) {
    const written = await readFile(path.join(out, 'images', image));
    expect(written.equals(cleanFrames.get(ts)!)).toBe(true);
    expect(jpegs.some((snapshot) => snapshot.equals(written))).toBe(false);
  }
  const labels = async (image: string) =>
    parseYoloLabels(await readFile(path.join(out, 'labels', image.replace(/\.jpg$/, '.txt')), 'utf8'), [
      'fire',
      'smoke',
    ]);
  const fire = await labels(images[0]!);
  expect(fire.problems).toEqual([]);
  expect(fire.boxes).toHaveLength(2);
  expect(fire.boxes[0]!.className).toBe('smoke'); // the alert's class, the box had none
  expect(fire.boxes[0]!.box).toMatchObject({
    x1: expect.closeTo(0.1, 5),
    y1: expect.closeTo(0.2, 5),
    x2: expect.closeTo(0.3, 5),
    y2: expect.closeTo(0.6, 5),
  });
  expect(fire.boxes[1]!.className).toBe('fire');
  expect(await readFile(path.join(out, 'labels', images[2]!.replace(/\.jpg$/, '.txt')), 'utf8')).toBe(''); // hard negative
  expect(await readFile(path.join(out, 'data.yaml'), 'utf8')).toMatch(/^names: \["fire", "smoke"\]$/m);
  const manifest = (await readFile(path.join(out, 'manifest.csv'), 'utf8')).trim().split('\n');
  expect(manifest).toHaveLength(4);
  expect(manifest[1]).toContain('Tiểu khu 12');
  expect(manifest[1]).toMatch(/,\/api\/v1\/fire\/snapshots\/edge-t\/cam-0-a-new-1767225600000\.jpg$/); // for people

  // Other smoke kept as smoke: its picture and boxes are in; exported again with the default, it leaves.
  const cooking = (await readdir(path.join(kept, 'labels'))).find((name) => name.includes('cam-2'))!;
  expect((await readFile(path.join(kept, 'labels', cooking), 'utf8')).trim().split('\n')).toHaveLength(2);
  await exportFireDataset({ cloudUrl: cloud.addresses.http, out: kept, otherSmoke: 'skip' });
  expect((await readdir(path.join(kept, 'labels'))).some((name) => name.includes('cam-2'))).toBe(false);

  // Run again: nothing downloaded twice.
  const again = await lookout(['fire', 'export-dataset', '--cloud', cloud.addresses.http, '--out', out]);
  expect(JSON.parse(again.stdout)).toMatchObject({ images: 3, reused: 3 });
});
