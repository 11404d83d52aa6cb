import type { TSchema } from '@sinclair/typebox';
import {
  CameraInventory,
  CameraSettingsReported,
  CameraStatus,
  EdgeHealth,
  EdgeStatus,
  VesselPositionBatch,
  VesselStaticBatch,
} from '../../protocols/mqtt/payloads.js';
import type { EdgeTopicKind } from '../../protocols/mqtt/topics.js';

/**
 * The schema each edge topic kind is validated with. A kind without a schema is journalled but its
 * messages are counted as invalid (`no_schema`): a feature that adds a topic adds its schema here
 * (or passes it in `createCloud(config, { schemas })`).
 */
export const edgePayloadSchemas: Partial<Record<EdgeTopicKind, TSchema>> = {
  status: EdgeStatus,
  health: EdgeHealth,
  'vessels/positions': VesselPositionBatch,
  'vessels/static': VesselStaticBatch,
  'cameras/inventory': CameraInventory,
  'cameras/status': CameraStatus,
  'cameras/settings/reported': CameraSettingsReported,
};

/**
 * Kinds that describe current state rather than history: handled as they arrive and not journalled, so
 * presence stays live even while InfluxDB is down and the journal is behind. Every other kind is durable.
 */
export const LIVE_KINDS: ReadonlySet<EdgeTopicKind> = new Set<EdgeTopicKind>([
  'status',
  'health',
  'cameras/inventory',
  'cameras/status',
  'cameras/settings/reported',
]);
