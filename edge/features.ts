import type { EdgeConfig } from './config.js';
import type { EdgeFeature } from './core.js';
import { fireFeature } from './fire/feature.js';

/**
 * The features a full Lookout edge runs, in one place so that `lookout edge`, `lookout demo` and the tests start
 * the same thing: fire detection when `edge.fire.enabled`. `createEdge(config, { features: edgeFeatures(config) })`.
 */
export function edgeFeatures(config: EdgeConfig): EdgeFeature[] {
  return config.fire.enabled ? [fireFeature()] : [];
}
