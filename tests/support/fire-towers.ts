/**
 * Simulated fire towers around a fire at a known place, and their alerts as the edge builds them
 * (`toFireAlert`), published over MQTT the way an edge does: for the fire location tests.
 */
import mqtt from 'mqtt';
import { bearingDeg, destination, type LatLon } from '../../cloud/fire/locate.js';
import { toFireAlert } from '../../edge/fire/fire-part.js';
import type { AlertOut, PipelineCamera } from '../../edge/fire/pipeline.js';
import { headingShowingAt } from '../../protocols/fire/camera-geometry.js';
import type { FireAlert } from '../../protocols/mqtt/payloads.js';
import { edgeClientId, topics } from '../../protocols/mqtt/topics.js';

/** The fire, in the demo places layer's compartment 10, 400 m north-east of its demo ranger station. */
export const FIRE: LatLon = { lat: 9.2611, lon: 104.9546 };

/** A 60° camera `km` from the fire, seen from the fire at `fromDeg`, turned so that the fire shows at frame `x`. */
export function tower(id: string, fromDeg: number, km: number, x: number, name: string): PipelineCamera {
  const position = destination(FIRE, fromDeg, km * 1000);
  return {
    id,
    url: 'rtsp://camera/stream',
    fps: 0.2,
    position,
    bearingDeg: headingShowingAt(bearingDeg(position, FIRE), 60, x),
    fovDeg: 60,
    name,
    heightM: 30,
    rangeM: 15_000,
  };
}

/** The camera's alert event `kind` at `ts` with a smoke box `2 * halfWidth` wide around frame `x`. */
export function towerAlert(
  camera: PipelineCamera,
  x: number,
  kind: 'new' | 'update',
  ts: number,
  extra: Pick<AlertOut, 'snapshot' | 'frames'> & { halfWidth?: number } = {},
): FireAlert {
  const half = extra.halfWidth ?? 0.01;
  return toFireAlert(
    'unused',
    {
      camera,
      event: {
        kind,
        alertId: `${camera.id}-0001`,
        className: 'smoke',
        confidence: 0.8,
        boxes: [{ box: { x1: x - half, y1: 0.4, x2: x + half, y2: 0.55 }, score: 0.8, className: 'smoke' }],
        firstSeenMs: ts - 20_000,
        firstSeenFrame: 1,
        atMs: ts,
        frame: 5,
        lastSeenMs: ts,
      },
      snapshot: extra.snapshot,
      frames: extra.frames,
    },
    'test-model',
  );
}

/** Publishes an alert as edge `edgeId` does: its client id, its alerts topic, QoS 1. */
export async function publishAsEdge(mqttUrl: string, edgeId: string, alert: FireAlert): Promise<void> {
  const client = await mqtt.connectAsync(mqttUrl, { clientId: edgeClientId(edgeId), clean: true });
  try {
    await client.publishAsync(topics.fireAlert(edgeId), JSON.stringify({ ...alert, edgeId }), { qos: 1 });
  } finally {
    await client.endAsync();
  }
}
