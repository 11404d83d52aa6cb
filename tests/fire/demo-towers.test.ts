/**
 * The demo's towers see its scripted fire from two sides: the cameras with a scripted fire are turned so that the
 * fire shows where the camera scenario draws it, and their cones cross over DEMO_FIRE.
 */
import path from 'node:path';
import { expect, it } from 'vitest';
import { DEMO_FIRE, demoCameraGeometry, ROOT } from '../../cli/demo-system.js';
import { coneOf, distanceM, locate } from '../../cloud/fire/locate.js';
import { FireLocator } from '../../cloud/fire/locator.js';
import { pointInRing } from '../../cloud/fisheries/geometry.js';
import type { FireAlert } from '../../protocols/mqtt/payloads.js';
import { loadScenario } from '../../simulators/cameras/scenario.js';

it('two demo towers locate the scripted fire within 200 m', async () => {
  const scenario = await loadScenario(path.join(ROOT, 'simulators/cameras/scenarios/demo.yaml'));
  const cones = scenario.cameras.flatMap((script, index) => {
    const x = script.fires[0]?.x;
    if (x === undefined) return [];
    const camera = demoCameraGeometry(index, script);
    // The box of a plume that drifts with the wind: from its base to a little to the right of it.
    return [coneOf({ ...camera, headingDeg: camera.bearingDeg }, [{ x1: x - 0.01, x2: x + 0.04 }])];
  });
  expect(cones).toHaveLength(2);
  const location = locate(cones)!;
  expect(location).toBeDefined();
  expect(distanceM(location.point, DEMO_FIRE)).toBeLessThan(200);
});

it('with the boxes the demo detected (flames on cam-1, smoke drifting right on cam-3) the fire is in the area', async () => {
  const scenario = await loadScenario(path.join(ROOT, 'simulators/cameras/scenarios/demo.yaml'));
  const geometry = (index: number) => {
    const camera = demoCameraGeometry(index, scenario.cameras[index]);
    return { ...camera, headingDeg: camera.bearingDeg };
  };
  // Measured in a `lookout demo` run (the first update of each alert; edge-demo, 2026-12-03).
  const location = locate([
    coneOf(geometry(0), [{ x1: 0.33, x2: 0.371 }]),
    coneOf(geometry(2), [{ x1: 0.651, x2: 0.961 }]),
  ])!;
  expect(
    pointInRing(
      DEMO_FIRE.lon,
      DEMO_FIRE.lat,
      location.area.map((p) => [p.lon, p.lat] as const),
    ),
  ).toBe(true);
  expect(distanceM(location.point, DEMO_FIRE)).toBeLessThan(location.errorM);
  expect(distanceM(location.point, DEMO_FIRE)).toBeLessThan(800);
});

it('over the alerts of a demo run, the located point stays within 300 m as the smoke boxes widen and narrow', async () => {
  const scenario = await loadScenario(path.join(ROOT, 'simulators/cameras/scenarios/demo.yaml'));
  const locator = new FireLocator({ windowS: 300, headingErrorDeg: 1, defaultRangeM: 15_000 });
  const alert = (
    index: number,
    event: FireAlert['event'],
    ts: number,
    boxes: FireAlert['boxes'],
  ): FireAlert => {
    const camera = demoCameraGeometry(index, scenario.cameras[index]);
    return {
      edgeId: 'edge-demo',
      cameraId: `cam-${index + 1}`,
      alertId: `cam-${index + 1}-1`,
      event,
      className: 'smoke',
      confidence: 0.9,
      boxes,
      firstSeenTs: 0,
      ts,
      camera: {
        position: camera.position,
        bearingDeg: camera.bearingDeg,
        fovDeg: camera.fovDeg,
        rangeM: camera.rangeM,
      },
    };
  };
  const box = (x1: number, x2: number, className: string) => ({
    x1,
    y1: 0.4,
    x2,
    y2: 0.6,
    score: 0.9,
    className,
  });
  // The events of one `lookout demo` run, in order (frame times in seconds; boxes as the edge sent them).
  const run: FireAlert[] = [
    alert(0, 'new', 70, [box(0.333, 0.372, 'fire'), box(0.312, 0.526, 'smoke')]),
    alert(0, 'update', 98, [box(0.305, 0.628, 'smoke'), box(0.312, 0.385, 'fire')]),
    alert(2, 'new', 160, [box(0.682, 0.764, 'smoke')]),
    alert(0, 'update', 167, [box(0.305, 0.64, 'smoke'), box(0.302, 0.403, 'fire')]),
    alert(2, 'update', 174, [box(0.686, 0.79, 'smoke')]),
    alert(2, 'update', 199, [box(0.651, 1, 'smoke')]),
    alert(0, 'update', 201, [box(0.309, 0.397, 'fire'), box(0.29, 0.674, 'smoke')]),
    alert(2, 'update', 233, [box(0.671, 0.797, 'smoke')]),
  ].map((a) => ({ ...a, ts: a.ts * 1000, firstSeenTs: a.ts * 1000 }));
  const located = run.map((a) => locator.observe(a)!).filter((f) => f.method === 'intersection');
  expect(located).toHaveLength(6);
  for (const fire of located) expect(distanceM(fire.point!, DEMO_FIRE)).toBeLessThan(300);
});
