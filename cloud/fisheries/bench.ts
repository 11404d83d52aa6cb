/**
 * Rule-engine throughput (a benchmark, not a test): 100,000 vessels around Cà Mau with the shipped demo zones,
 * every position through every rule and into the alarm lifecycle, on one core.
 *
 *   npx tsx cloud/fisheries/bench.ts [--vessels 100000] [--rounds 12]
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Value } from '@sinclair/typebox/value';
import type { VesselPosition } from '../../protocols/mqtt/payloads.js';
import type { VesselRegistration } from '../../protocols/api/vessels.js';
import { AlarmStore } from '../alarms/alarm-store.js';
import { FisheriesConfig } from './config.js';
import { RuleEngine } from './engine.js';
import { VesselRegistry } from './registry.js';
import { ZoneSet, loadZones } from './zones.js';

const { values } = parseArgs({
  options: { vessels: { type: 'string', default: '100000' }, rounds: { type: 'string', default: '12' } },
});
const vessels = Number(values.vessels);
const rounds = Number(values.rounds);
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const config = Value.Default(FisheriesConfig, {}) as FisheriesConfig;
const zones = new ZoneSet(await loadZones(config.zoneFiles, repoRoot), config.gridCellDeg);

let seed = 12345;
const random = () => (seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0) / 4_294_967_296;

// Three quarters registered with a length drawn across the three classes; the rest unregistered.
const registrations: VesselRegistration[] = [];
const state = Array.from({ length: vessels }, (_, i) => {
  const mmsi = 574_000_000 + i;
  if (i % 4 !== 0)
    registrations.push({ mmsi, registration: `CM-${i}-TS`, name: `V${i}`, lengthM: 6 + random() * 20 });
  // spread over the sea west and south of the cape, some across the treaty line, a few at rest
  const slow = random() < 0.1;
  return {
    mmsi,
    lon: 102.6 + random() * 2.6,
    lat: 7.7 + random() * 1.8,
    kn: slow ? random() * 1.8 : 2 + random() * 8,
    course: random() * 2 * Math.PI,
  };
});

let alarmsRaised = 0;
const store = new AlarmStore({ clock: () => 0 });
const engine = new RuleEngine({
  zones,
  registry: new VesselRegistry(registrations),
  rules: config.rules,
  history: config.history,
  raise: (request) => {
    alarmsRaised++;
    store.raise(request);
  },
});

const everyMs = 180_000;
const t0 = Date.UTC(2026, 0, 1);
function round(r: number): VesselPosition[] {
  const out: VesselPosition[] = new Array(vessels);
  const stepDeg = everyMs / 3_600_000 / 60; // 1 kn for 3 min in degrees (1 nm = 1/60 degree)
  for (let i = 0; i < vessels; i++) {
    const v = state[i]!;
    if (r > 0) {
      v.lon += Math.sin(v.course) * v.kn * stepDeg;
      v.lat += Math.cos(v.course) * v.kn * stepDeg;
      if (random() < 0.05) v.course += random() - 0.5;
    }
    out[i] = {
      mmsi: v.mmsi,
      ts: t0 + r * everyMs + (i % 1000) * 100,
      lon: v.lon,
      lat: v.lat,
      sog: v.kn,
      cog: 0,
      msgType: 1,
    };
  }
  return out;
}

console.log(
  `zones: ${zones.lines.length} boundary lines, ${zones.areas.length} areas, ${zones.ports.length} ports; vessels: ${vessels}; rounds: ${rounds}`,
);
let steadyPositions = 0;
let steadyMs = 0;
for (let r = 0; r < rounds; r++) {
  const batch = round(r);
  const start = process.hrtime.bigint();
  for (const p of batch) engine.ingest(p);
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r > 0) {
    steadyPositions += batch.length;
    steadyMs += ms;
  }
  console.log(
    `round ${r + 1}: ${batch.length} positions in ${ms.toFixed(0)} ms = ${Math.round(batch.length / (ms / 1000)).toLocaleString('en')} positions/s`,
  );
}
// The floor under any rule engine, measured on the same positions: keeping only the latest position per vessel.
const latest = new Map<number, VesselPosition>();
let floorPositions = 0;
const floorRounds = Array.from({ length: rounds - 1 }, (_, i) => round(i + 1));
const floorStart = process.hrtime.bigint();
for (const batch of floorRounds) {
  for (const p of batch) {
    const previous = latest.get(p.mmsi);
    if (!previous || previous.ts < p.ts) latest.set(p.mmsi, p);
    floorPositions++;
  }
}
const floorMs = Number(process.hrtime.bigint() - floorStart) / 1e6;
const tickStart = process.hrtime.bigint();
engine.tick(t0 + rounds * everyMs + 7 * 3_600_000);
const tickMs = Number(process.hrtime.bigint() - tickStart) / 1e6;
console.log(
  `steady state (rounds 2-${rounds}): ${Math.round(steadyPositions / (steadyMs / 1000)).toLocaleString('en')} positions/s; ` +
    `tick over ${engine.vesselCount} vessels: ${tickMs.toFixed(0)} ms; alarms raised: ${alarmsRaised} (${store.size} alarms); ` +
    `heap ${Math.round(process.memoryUsage().heapUsed / 1e6)} MB`,
);
const engineRate = steadyPositions / (steadyMs / 1000);
const floorRate = floorPositions / (floorMs / 1000);
console.log(
  `latest-position map alone (same positions): ${Math.round(floorRate).toLocaleString('en')} positions/s; ` +
    `rules / map = ${(engineRate / floorRate).toFixed(3)}; goal 200,000 positions/s: ${engineRate >= 200_000 ? 'met' : 'NOT met'}`,
);
