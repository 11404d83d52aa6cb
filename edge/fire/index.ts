import type { Edge } from '../core.js';
import { FirePart } from './fire-part.js';

export { FirePart } from './fire-part.js';
export { FireConfigSchema, type FireConfig } from './config.js';

/** Adds fire detection to an edge (before `edge.start()`) when `edge.fire.enabled`; returns the part or undefined. */
export function attachFire(edge: Edge): FirePart | undefined {
  if (!edge.config.fire.enabled) return undefined;
  const part = new FirePart(edge.config.fire, {
    edgeId: edge.config.edgeId,
    bus: edge.bus,
    outbox: edge.outbox,
    publishDirect: (topic, payload, retain) => edge.uplink.publishDirect(topic, payload, retain),
    log: edge.log.child({ part: 'fire' }),
    registry: edge.registry,
  });
  edge.addPart(part);
  return part;
}
