import { Type, type Static } from '@sinclair/typebox';
import { ConfigError, readConfigDocument } from '../../runtime/config.js';
import { compileSchema } from '../../protocols/validation.js';

export const FleetConfigSchema = Type.Object(
  {
    vessels: Type.Integer({ minimum: 1, maximum: 100_000, default: 20 }),
    /** Position reports per second for the whole fleet (real time). */
    rate: Type.Number({ minimum: 0, default: 10 }),
    seed: Type.Integer({ default: 1 }),
    /** Where to send: `udp` or `tcp` to the edge's AIS listener. */
    protocol: Type.Union([Type.Literal('udp'), Type.Literal('tcp')], { default: 'udp' }),
    host: Type.String({ default: '127.0.0.1' }),
    port: Type.Integer({ minimum: 1, maximum: 65535, default: 10110 }),
    /** Stop after this many seconds; 0 = run until stopped. */
    durationS: Type.Number({ minimum: 0, default: 0 }),
    /** Type 5 static report per class A vessel every this many simulated seconds; 0 = never. */
    staticIntervalS: Type.Number({ minimum: 0, default: 360 }),
    /** NMEA 4.0 tag block with the report time (`c:`); `off` leaves the edge to stamp receive time. */
    tagBlock: Type.Union([Type.Literal('ms'), Type.Literal('s'), Type.Literal('off')], { default: 'ms' }),
    classBShare: Type.Number({ minimum: 0, maximum: 1, default: 0.3 }),
    /** Simulated time runs this many times faster than real time. */
    timeScale: Type.Number({ exclusiveMinimum: 0, default: 1 }),
  },
  { additionalProperties: false },
);

export type FleetConfig = Static<typeof FleetConfigSchema>;

/** `simulators.fleet` of a config file (other simulators have their own keys under `simulators:`). */
export async function loadFleetConfig(file: string | undefined): Promise<FleetConfig> {
  const document = file ? await readConfigDocument(file) : {};
  const simulators = (document as { simulators?: { fleet?: unknown } | null } | null)?.simulators;
  const result = compileSchema(FleetConfigSchema).parseValue(simulators?.fleet ?? {}, '/simulators/fleet');
  if (!result.ok) throw new ConfigError(file ?? '(defaults)', result.errors);
  return result.value;
}
