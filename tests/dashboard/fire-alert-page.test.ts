/**
 * The fire alert a ranger can act on, in a real browser (Chromium, playwright-core) against a real cloud (aedes
 * over TCP for the edges and WebSocket for the page, real influxd): two towers' cameras publish their alerts as
 * the edge builds them (snapshot and strip frames included); the overview map shows the located point, and the
 * alert page `#/fire/<alertId>` says where the fire is in words, links a map app at the point, shows the snapshot
 * large and the strip of frames before and after the detection.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { beforeAll, expect, it } from 'vitest';
import { alarmsFeature } from '../../cloud/alarms/feature.js';
import { camerasFeature } from '../../cloud/cameras/feature.js';
import { cloudConfig, createCloud, type Cloud } from '../../cloud/core.js';
import { dashboardFeature } from '../../cloud/dashboard/index.js';
import { fireAlertsFeature } from '../../cloud/fire/feature.js';
import type { PipelineCamera } from '../../edge/fire/pipeline.js';
import type { LocatedFireList } from '../../protocols/api/fire.js';
import type { FireAlert } from '../../protocols/mqtt/payloads.js';
import { silentLogger } from '../../runtime/logger.js';
import { removeDir, tempDir } from '../support/cloud-fixtures.js';
import { publishAsEdge, tower, towerAlert } from '../support/fire-towers.js';
import { runFfmpeg } from '../support/fire-media.js';
import { startTestInfluxd } from '../support/influxd.js';
import { scopeForFile } from '../support/scope.js';
import { waitFor } from '../support/wait.js';

const CHROMIUM = '/usr/bin/chromium';
const scope = scopeForFile();
let cloud: Cloud;
let browser: Browser;
let snapshot: Buffer;
let small: Buffer;

const south = tower('cam-south', 200, 3.4, 0.35, 'Tháp Nam');
const east = tower('cam-east', 100, 6.3, 0.7, 'Tháp Đông');

/** An alert with a 1280x720 snapshot on `new` and strip frames at the given times. */
const alert = (camera: PipelineCamera, x: number, kind: 'new' | 'update', ts: number, frames: number[]) =>
  towerAlert(camera, x, kind, ts, {
    halfWidth: 0.02,
    snapshot: kind === 'new' ? { jpeg: snapshot, width: 1280, height: 720 } : undefined,
    frames: frames.map((frameTs) => ({ ts: frameTs, width: 320, height: 180, jpeg: small })),
  });
const publish = (edgeId: string, payload: FireAlert) => publishAsEdge(cloud.addresses.mqtt, edgeId, payload);

beforeAll(async () => {
  const dir = await scope.use(tempDir('fire-page'), removeDir);
  const [influx] = await Promise.all([
    scope.use(startTestInfluxd(), (started) => started.cleanup()),
    runFfmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=1280x720', '-frames:v', '1', path.join(dir, 'big.jpg')]),
    runFfmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=320x180', '-frames:v', '1', path.join(dir, 'small.jpg')]),
    waitFor(() => existsSync(CHROMIUM), 30_000, `${CHROMIUM} (Debian chromium package)`),
  ]);
  [snapshot, small] = await Promise.all([
    readFile(path.join(dir, 'big.jpg')),
    readFile(path.join(dir, 'small.jpg')),
  ]);
  const config = cloudConfig({
    mqtt: { port: 0, wsPort: 0 },
    http: { port: 0 },
    influx: { host: influx.influxd.host, port: influx.influxd.port, database: 'fire_page' },
    dataDir: path.join(dir, 'cloud'),
    fire: { placesFile: 'cloud/fire/places/u-minh-ha-demo.geojson' },
  });
  const alarms = alarmsFeature();
  cloud = createCloud(config, {
    log: silentLogger(),
    features: [alarms, fireAlertsFeature({ alarms }), camerasFeature(), dashboardFeature({})],
  });
  scope.defer(() => cloud.stop());
  await cloud.start();
  browser = await scope.use(
    chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] }),
    (started) => started.close(),
  );
});

it('shows the located fire on the map and an alert page a ranger can act on', async () => {
  const t0 = Date.now() - 120_000;
  // As the edge sends them: frames before the detection, then the detection frame itself (clean, no boxes).
  await publish('edge-south', alert(south, 0.35, 'new', t0, [t0 - 15_000, t0 - 10_000, t0 - 5_000, t0]));
  // An older edge: no frame at the detection.
  await publish('edge-east', alert(east, 0.7, 'new', t0 + 30_000, [t0 + 20_000]));
  // The south camera's next event carries its frames from after the detection.
  await publish('edge-south', alert(south, 0.35, 'update', t0 + 60_000, [t0 + 5_000, t0 + 30_000]));
  await waitFor(
    async () => {
      const response = await fetch(`${cloud.addresses.http}/api/v1/fire/located`);
      return ((await response.json()) as LocatedFireList).fires.some((f) => f.method === 'intersection');
    },
    20_000,
    'the located fire',
  );

  const page = await browser.newPage({ viewport: { width: 412, height: 915 }, locale: 'vi-VN' });
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  try {
    await page.goto(`${cloud.addresses.http}/`);
    // The overview map: the located point with its label.
    await page.locator('path.fire-located').first().waitFor({ state: 'attached', timeout: 20_000 });
    expect(await page.locator('.fire-located-label').first().textContent()).toMatch(
      /Cháy: 2 camera, ± \d+ m/,
    );

    // The fire alarms say where the fire is and name their tower; the south camera's learnt it with its update.
    const located = page.locator('#alarms-list li[data-type="fire"] .alarm-location');
    await expect.poll(() => located.allTextContents(), { timeout: 20_000 }).toHaveLength(2);
    for (const text of await located.allTextContents())
      expect(text).toMatch(
        /^Đám cháy tại 9°15′\d\d″ B, 104°57′\d\d″ Đ \(± \d+ m\), 2 camera cùng thấy, Tiểu khu 10 \(demo\)$/,
      );
    expect(await page.locator('#alarms-list .alarm-originator').allTextContents()).toEqual(
      expect.arrayContaining(['Camera Tháp Nam (edge-south/cam-south)']),
    );

    await page.goto(`${cloud.addresses.http}/#/fire/cam-south-0001`);
    const where = page.locator('.fire-location');
    await where.waitFor({ timeout: 20_000 });
    const lines = await where.locator('li').allTextContents();
    expect(lines[0]).toMatch(/^tại 9°15′\d\d″ B, 104°57′\d\d″ Đ \(sai số ± \d+ m\)$/);
    expect(lines).toContain('2 camera cùng thấy');
    expect(lines).toContain('trong Tiểu khu 10 (demo)');
    expect(lines.some((line) => /^cách Trạm kiểm lâm Vồ Dơi \(demo\) \d+ m về phía/.test(line))).toBe(true);
    expect(lines.some((line) => /^hướng \d+°, cách camera 3,\d km$/.test(line))).toBe(true);
    expect(await page.locator('.fire-camera').textContent()).toBe('Tháp Nam (edge-south/cam-south)');
    expect(await page.locator('a.map-app').getAttribute('href')).toMatch(/^geo:9\.26\d+,104\.95\d+\?q=/);
    expect(await page.locator('.fire-links a[href^="https://www.openstreetmap.org/"]').count()).toBe(1);
    // The snapshot large (the page's width on a phone), loaded.
    const image = page.locator('.fire-snapshot img');
    await expect
      .poll(() => image.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth), {
        timeout: 10_000,
      })
      .toBe(1280);
    expect(await image.evaluate((img) => img.getBoundingClientRect().width)).toBeGreaterThan(350);
    // The strip: three frames before, the detection (its clean frame), two after, in time order, the box over the
    // frames (the snapshot, boxes drawn in, stays the large picture above).
    const stripWhen = () =>
      page
        .locator('.strip-frame')
        .evaluateAll((els) => els.map((e) => (e as unknown as { dataset: { when: string } }).dataset.when));
    expect(await stripWhen()).toEqual(['before', 'before', 'before', 'detection', 'after', 'after']);
    expect(await page.locator('.strip-frame.before .box').count()).toBe(3);
    expect(await page.locator('.strip-frame.detection img').getAttribute('src')).toBe(
      `/api/v1/fire/snapshots/edge-south/cam-south-0001-frame-${t0}.jpg`,
    );
    expect(await page.locator('.strip-frame.detection .box').count()).toBe(1);

    // An older edge's alert (no frame at the detection): the snapshot stands for it in the strip, boxes drawn in.
    await page.goto(`${cloud.addresses.http}/#/fire/cam-east-0001`);
    await expect.poll(stripWhen, { timeout: 20_000 }).toEqual(['before', 'detection']);
    expect(await page.locator('.strip-frame.detection img').getAttribute('src')).toMatch(
      /cam-east-0001-new-/,
    );
    expect(await page.locator('.strip-frame.detection .box').count()).toBe(0);
    expect(errors).toEqual([]);
  } finally {
    await page.close();
  }
});
