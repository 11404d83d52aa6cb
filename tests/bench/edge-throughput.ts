/**
 * Edge throughput (a benchmark, not a test). The fleet simulator first generates N position reports (500
 * vessels, tag blocks, simulated clock) into a file; then a child process streams that file to the edge
 * over TCP (or sends it over UDP in datagrams of several lines) as fast as it can; the edge (decode, dedupe,
 * batch, disk outbox, MQTT QoS 1) forwards to a real aedes broker running in the edge's process. Prints
 * positions/s end to end and whether every position arrived, in order per vessel.
 *
 *   npx tsx tests/bench/edge-throughput.ts [positions=100000] [tcp|udp] [udp sentences/s=20000]
 *
 * TCP has flow control, so the sender goes as fast as the edge takes it. UDP has none: a sender faster than
 * the edge overflows the socket buffer and the kernel drops datagrams (see `RcvbufErrors` in
 * /proc/net/snmp), so the UDP sender is paced at the given rate.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { topics } from '../../protocols/mqtt/topics.js';
import { SimClock } from '../../simulators/fleet/clock.js';
import { createFleetSimulator } from '../../simulators/fleet/fleet.js';
import type { SentenceTransport } from '../../simulators/fleet/transport.js';
import { startTestBroker } from '../support/aedes-broker.js';
import { compareWithSent, positionsIn, startTestEdge, tempOutboxDir } from '../support/edge-fixtures.js';

const total = Number(process.argv[2] ?? 100_000);
const protocol = (process.argv[3] ?? 'tcp') as 'tcp' | 'udp';
const udpRate = Number(process.argv[4] ?? 20_000);

// 1. Generate the traffic (not timed).
const lines: string[] = [];
const memory: SentenceTransport = { ready: true, start: async () => {}, stop: async () => {}, send: async (l) => (lines.push(...l), true) };
const clock = new SimClock(Date.UTC(2026, 2, 1));
const sim = createFleetSimulator({ vessels: 500, seed: 1, clock, transport: memory, recordPositions: true, staticIntervalS: 600 });
await sim.start();
while (sim.totals.positions < total) {
  await sim.reportVessels(sim.fleet.vessels.slice(0, Math.min(500, total - sim.totals.positions)));
  clock.advance(10_000);
}
const outbox = tempOutboxDir();
const trafficFile = path.join(outbox.dir, 'traffic.nmea');
writeFileSync(trafficFile, lines.map((l) => `${l}\r\n`).join(''));

// 2. Edge + broker; count what the broker gets.
const broker = await startTestBroker();
const edge = await startTestEdge(broker.url, path.join(outbox.dir, 'outbox'), { batching: { maxPositions: 500, maxDelayMs: 200 } });
const topic = topics.vesselPositions('edge-test');
let delivered = 0;
broker.aedes.on('publish', (packet, client) => {
  if (client && packet.topic === topic) delivered += (JSON.parse(packet.payload.toString()) as { positions: unknown[] }).positions.length;
});

// 3. Blast the file from another process.
const sender =
  protocol === 'tcp'
    ? `const s=require('net').connect(${edge.ports.tcp},'127.0.0.1',()=>require('fs').createReadStream(process.argv[1]).pipe(s));`
    : `const d=require('dgram').createSocket('udp4');const t=require('fs').readFileSync(process.argv[1],'latin1').split('\\r\\n').filter(Boolean);` +
      `let i=0;const t0=Date.now();(function tick(){const due=Math.min(t.length,Math.floor((Date.now()-t0)/1000*${udpRate}));` +
      `while(i<due){let g='';while(i<due&&g.length<1200)g+=t[i++]+'\\r\\n';d.send(g,${edge.ports.udp},'127.0.0.1');}` +
      `if(i<t.length)setTimeout(tick,5);else setTimeout(()=>d.close(),100);})();`;
const t0 = performance.now();
const child = spawn(process.execPath, ['-e', sender, trafficFile], { stdio: 'inherit' });
let last = -1;
let idleSince = performance.now();
while (delivered < total && performance.now() - idleSince < 3000) {
  await new Promise((resolve) => setTimeout(resolve, 10));
  if (delivered !== last) idleSince = performance.now();
  last = delivered;
}
const seconds = ((delivered >= total ? performance.now() : idleSince) - t0) / 1000;
child.kill();
const result = compareWithSent(sim.report().log, positionsIn(broker.on(topic).map((p) => p.payload)));
console.log(
  JSON.stringify({
    protocol,
    udpRate: protocol === 'udp' ? udpRate : undefined,
    sentences: lines.length,
    positions: sim.report().positions,
    delivered,
    missing: result.missing.length,
    outOfOrderVessels: result.outOfOrderVessels.length,
    seconds: +seconds.toFixed(2),
    positionsPerSecond: Math.round(delivered / seconds),
    sentencesPerSecond: Math.round((lines.length * delivered) / total / seconds),
    batches: broker.on(topic).length,
  }),
);
await edge.stop();
await broker.stop();
outbox.remove();
