/**
 * Static reports through the edge's AIS pipeline (a measurement, not a test): the fleet simulator reports every
 * vessel once (type 5 for class A), all in one dedupe window, from one clean source (no duplicates sent), and
 * this prints how many type 5 messages were sent and how many static reports came out.
 *
 *   npx tsx tests/bench/edge-statics.ts [vessels=500]
 */
import { AisPipeline } from '../../edge/ais/pipeline.js';
import { createEdgeBus } from '../../edge/events.js';
import { AisDecoder } from '../../protocols/ais/decoder.js';
import { silentLogger } from '../../runtime/logger.js';
import { createMetricsRegistry } from '../../runtime/metrics.js';
import { SimClock } from '../../simulators/fleet/clock.js';
import { createFleetSimulator } from '../../simulators/fleet/fleet.js';
import type { SentenceTransport } from '../../simulators/fleet/transport.js';

const vessels = Number(process.argv[2] ?? 500);
const lines: string[] = [];
const memory: SentenceTransport = {
  ready: true,
  start: async () => {},
  stop: async () => {},
  send: async (sent) => (lines.push(...sent), true),
};
const sim = createFleetSimulator({
  vessels,
  seed: 1,
  clock: new SimClock(Date.UTC(2026, 2, 1)),
  transport: memory,
  staticIntervalS: 1,
});
await sim.start();
await sim.reportVessels(sim.fleet.vessels);
await sim.stop();

const reference = new AisDecoder();
const type5Sent = lines.filter((line) => {
  const result = reference.decode(line, 0);
  return result.status === 'message' && result.message.type === 5;
}).length;

const bus = createEdgeBus();
const pipeline = new AisPipeline(
  { dedupeWindowMs: 2000, downsampleMinIntervalS: 0, maxPartialAgeMs: 10_000, maxFutureSkewS: 300 },
  { bus, log: silentLogger(), registry: createMetricsRegistry('bench', false) },
);
let staticsOut = 0;
bus.on('vessel.static', () => (staticsOut += 1));
const receivedAtMs = Date.now();
for (const line of lines) pipeline.handle({ line, receivedAtMs, source: 'udp 127.0.0.1:5000' });
console.log(
  JSON.stringify({
    vessels,
    sentences: lines.length,
    type5Sent,
    staticsOut,
    duplicatesDropped: pipeline.duplicates,
    rejected: pipeline.decoder.stats.rejected,
  }),
);
