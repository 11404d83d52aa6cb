import { Type, type Static } from '@sinclair/typebox';

/** `simulators.cameras` in the config file; command-line flags override it. */
export const CameraSimulatorConfig = Type.Object(
  {
    count: Type.Integer({ minimum: 1, maximum: 64, default: 4 }),
    /** Scenario file (YAML/JSON) with scripted fires and distractors; relative to the working directory. */
    scenario: Type.Optional(Type.String({ minLength: 1 })),
    host: Type.String({ default: '127.0.0.1' }),
    /** DEMO credentials of every simulated camera. */
    username: Type.String({ minLength: 1, default: 'admin' }),
    password: Type.String({ minLength: 1, default: 'demo' }),
    fps: Type.Integer({ minimum: 1, maximum: 30, default: 5 }),
    discovery: Type.Boolean({ default: true }),
  },
  { additionalProperties: false, default: {} },
);
export type CameraSimulatorConfig = Static<typeof CameraSimulatorConfig>;

export const SimulatorsCamerasSection = Type.Object(
  { cameras: CameraSimulatorConfig },
  { additionalProperties: true, default: {} },
);
