/**
 * The demo's towers see its scripted fire from two sides: the cameras with a scripted fire are turned so that the
 * fire shows where the camera scenario draws it, and their cones cross over DEMO_FIRE.
 */
import path from 'node:path';
import { expect, it } from 'vitest';
import { DEMO_FIRE, demoCameraGeometry, ROOT } from '../../cli/demo-system.js';
import { coneOf, distanceM, locate } from '../../cloud/fire/locate.js';
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
