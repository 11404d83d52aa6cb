import { Type, type Static } from '@sinclair/typebox';
import { readConfigDocument } from '../../runtime/config.js';
import { compileSchema } from '../../protocols/validation.js';

export const FireScript = Type.Object(
  {
    /** Seconds after the simulator started. */
    ignitionS: Type.Number({ minimum: 0 }),
    /** Place across the frame, 0 = left edge, 1 = right edge; the fire sits on the tree line there. */
    x: Type.Number({ minimum: 0, maximum: 1, default: 0.5 }),
    /** 0 = on the near tree line, 1 = on the far (hazy, smaller) tree line. */
    depth: Type.Number({ minimum: 0, maximum: 1, default: 0 }),
    /** Flame scale at ignition (1 = flames about 6 % of the frame height). */
    size: Type.Number({ minimum: 0.05, maximum: 5, default: 0.5 }),
    /** Scale gained per minute. */
    growth: Type.Number({ minimum: 0, maximum: 10, default: 0.6 }),
    maxSize: Type.Number({ minimum: 0.05, maximum: 5, default: 1.6 }),
    flames: Type.Boolean({ default: true }),
    smoke: Type.Boolean({ default: true }),
  },
  { additionalProperties: false },
);
export type FireScript = Static<typeof FireScript>;

export const Distractor = Type.Union([
  Type.Literal('clouds'),
  Type.Literal('glare'),
  Type.Literal('fog'),
  Type.Literal('sunset'),
]);
export type Distractor = Static<typeof Distractor>;

export const OnvifFaultSchema = Type.Union([
  Type.Literal('none'),
  Type.Literal('truncated-xml'),
  Type.Literal('missing-elements'),
]);

export const CameraScript = Type.Object(
  {
    id: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' })),
    fires: Type.Array(FireScript, { default: [] }),
    distractors: Type.Array(Distractor, { default: [] }),
    /** Smoke drift: +1 to the right, -1 to the left, 0 straight up. */
    wind: Type.Number({ minimum: -3, maximum: 3, default: 1 }),
    /** Scene variation (tree line shape, cloud pattern); default: the camera's number. */
    seed: Type.Optional(Type.Integer({ minimum: 0 })),
    /** ONVIF fault injection from the start. */
    fault: Type.Optional(OnvifFaultSchema),
  },
  { additionalProperties: false },
);
export type CameraScript = Static<typeof CameraScript>;

/** A scenario: camera N of the simulator follows `cameras[N-1]`; cameras beyond the list show a calm scene. */
export const CameraScenario = Type.Object(
  { cameras: Type.Array(CameraScript, { default: [] }) },
  { additionalProperties: false },
);
export type CameraScenario = Static<typeof CameraScenario>;

export function parseScenario(value: unknown, where = 'scenario'): CameraScenario {
  const result = compileSchema(CameraScenario).parseValue(value);
  if (!result.ok) throw new Error(`invalid camera scenario ${where}:\n  ${result.errors.join('\n  ')}`);
  return result.value;
}

/** Reads a scenario file (YAML or JSON). */
export async function loadScenario(file: string): Promise<CameraScenario> {
  return parseScenario(await readConfigDocument(file), file);
}

/**
 * What a camera of the scenario will show, in words for a person watching a demo: which alarm would be a true
 * one (a scripted fire) and which a false one (look-alikes only).
 */
export function describeScript(script: Pick<CameraScript, 'fires' | 'distractors'>): string {
  const lookAlikes = script.distractors.length ? `look-alikes: ${script.distractors.join(', ')}` : '';
  if (script.fires.length === 0)
    return `no fire${lookAlikes ? `, ${lookAlikes}` : ', calm'}: any fire alarm here is a FALSE alarm`;
  const fires = script.fires.map(
    (f) =>
      `${f.flames ? 'fire' : 'smoke only'} at ${f.ignitionS} s, ${Math.round(f.x * 100)} % across${f.depth > 0.5 ? ', far' : ''}`,
  );
  return `scripted ${fires.join('; ')}${lookAlikes ? ` (${lookAlikes})` : ''}: its alarm is a TRUE alarm`;
}
