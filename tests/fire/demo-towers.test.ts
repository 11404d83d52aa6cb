/**
 * The demo's towers see its scripted fire from two sides: the cameras with a scripted fire are turned so that the
 * fire shows where the camera scenario draws it, and their cones cross over DEMO_FIRE.
 */
import path from 'node:path';
import { expect, it } from 'vitest';
import { DEMO_FIRE, demoCameraGeometry, ROOT } from '../../cli/demo-system.js';
import { coneOf, distanceM, locate } from '../../cloud/fire/locate.js';
import { pointInRing } from '../../cloud/fisheries/geometry.js';
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
