import { Type, type Static } from '@sinclair/typebox';
import { CameraSiting } from '../../protocols/mqtt/payloads.js';
import { compileSchema } from '../../protocols/validation.js';

const CameraId = Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$', description: 'becomes a topic segment' });

/** One camera given in the config: by ONVIF device service address, or by plain stream URL (broken ONVIF). */
export const CameraDeviceConfig = Type.Object(
  {
    id: CameraId,
    /** ONVIF device service, e.g. `http://192.168.1.64/onvif/device_service`. */
    xaddr: Type.Optional(Type.String({ pattern: '^https?://' })),
    /** Plain stream URL when ONVIF is not used: `rtsp://...`, `http://...` (MJPEG) or a file path. */
    streamUrl: Type.Optional(Type.String({ minLength: 1 })),
    snapshotUrl: Type.Optional(Type.String({ pattern: '^https?://' })),
    /** Credentials of this camera; default: `cameras.username` / `cameras.password`. */
    username: Type.Optional(Type.String()),
    password: Type.Optional(Type.String()),
    /** Use this media profile instead of the automatic choice. */
    profileToken: Type.Optional(Type.String({ minLength: 1 })),
    position: Type.Optional(
      Type.Object(
        {
          lat: Type.Number({ minimum: -90, maximum: 90 }),
          lon: Type.Number({ minimum: -180, maximum: 180 }),
        },
        { additionalProperties: false },
      ),
    ),
    /** Direction the camera looks, degrees clockwise from true north. */
    bearingDeg: Type.Optional(Type.Number({ minimum: 0, maximum: 360 })),
    /** Horizontal field of view, degrees (with position and bearing: the cone the cloud locates fires with). */
    fovDeg: Type.Optional(Type.Number({ minimum: 1, maximum: 360 })),
    ...CameraSiting.properties,
  },
  { additionalProperties: false },
);
export type CameraDeviceConfig = Static<typeof CameraDeviceConfig>;

/** `edge.cameras` in the config file. */
export const CamerasConfigSchema = Type.Object(
  {
    devices: Type.Array(CameraDeviceConfig, { default: [] }),
    /** Default credentials (cameras without their own, discovered cameras). DEMO values in the example. */
    username: Type.String({ default: 'admin' }),
    password: Type.String({ default: '' }),
    discovery: Type.Object(
      {
        /** Probe for ONVIF cameras (WS-Discovery) and provision those found with the default credentials. */
        enabled: Type.Boolean({ default: false }),
        intervalS: Type.Number({ minimum: 1, default: 300 }),
        /** Multicast probe (node-onvif: 239.255.255.250:3702 through the default route). */
        multicast: Type.Boolean({ default: true }),
        /** Also probe these `host:port` directly (networks without multicast routing). */
        unicastTargets: Type.Array(Type.String({ pattern: '^[^:]+:[0-9]{1,5}$' }), { default: [] }),
      },
      { additionalProperties: false, default: {} },
    ),
    /**
     * Width (px) fire detection analyses frames at (`fire.tiles.analysisMaxWidth`; the model input size when tiles
     * are off): the stream profile whose long side is nearest to it is chosen, usually the main stream for tiles.
     */
    detectionInputSize: Type.Integer({ minimum: 32, maximum: 4096, default: 1280 }),
    /** How often an online camera's ONVIF service is checked (it also refreshes the URIs). */
    checkIntervalS: Type.Number({ minimum: 0.1, default: 30 }),
    retry: Type.Object(
      {
        initialS: Type.Number({ minimum: 0.05, default: 2 }),
        maxS: Type.Number({ minimum: 0.05, default: 60 }),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false, default: {} },
);
export type CamerasConfig = Static<typeof CamerasConfigSchema>;

/** Each configured camera needs an ONVIF address or a stream URL, and ids must be unique. */
export function checkCamerasConfig(config: CamerasConfig, where = '/edge/cameras'): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  config.devices.forEach((device, i) => {
    if (!device.xaddr && !device.streamUrl)
      problems.push(`${where}/devices/${i}: give "xaddr" (ONVIF) or "streamUrl"`);
    if (seen.has(device.id)) problems.push(`${where}/devices/${i}/id: duplicate camera id "${device.id}"`);
    seen.add(device.id);
  });
  return problems;
}

/** Builds the section from a partial object (tests, demo), defaults applied; throws naming the path. */
export function camerasConfig(partial: unknown = {}): CamerasConfig {
  const result = compileSchema(CamerasConfigSchema).parseValue(partial, '/edge/cameras');
  if (!result.ok) throw new Error(`invalid camera config:\n  ${result.errors.join('\n  ')}`);
  return result.value;
}
