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
import { createServer } from 'node:net';
import { AisDecoder } from '../../protocols/ais/decoder.js';
import { toVesselPosition } from '../../protocols/ais/vessel.js';
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
const memory: SentenceTransport = {
  ready: true,
  start: async () => {},
  stop: async () => {},
  send: async (l) => (lines.push(...l), true),
};
const clock = new SimClock(Date.UTC(2026, 2, 1));
const sim = createFleetSimulator({
  vessels: 500,
  seed: 1,
  clock,
  transport: memory,
  recordPositions: true,
  staticIntervalS: 600,
});
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
// EDGE_BENCH_DURABLE_ON_RECEIPT=false measures without the receipt log (batching.durableOnReceipt).
const durableOnReceipt = process.env.EDGE_BENCH_DURABLE_ON_RECEIPT !== 'false';
const edge = await startTestEdge(broker.url, path.join(outbox.dir, 'outbox'), {
  batching: { maxPositions: 500, maxDelayMs: 200, durableOnReceipt },
});
const topic = topics.vesselPositions('edge-test');
let delivered = 0;
broker.aedes.on('publish', (packet, client) => {
  if (client && packet.topic === topic)
    delivered += (JSON.parse(packet.payload.toString()) as { positions: unknown[] }).positions.length;
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
    durableOnReceipt,
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

// 4. Ceilings in the same run, on the same traffic: the AIS decoder alone in this process (decode + position
// mapping, no I/O), and the loopback TCP transfer of the file into a socket that only counts lines.
const decoder = new AisDecoder();
const d0 = performance.now();
let decodedPositions = 0;
for (const line of lines) {
  const decoded = decoder.decode(line, 0);
  if (decoded.status === 'message' && toVesselPosition(decoded.message, decoded.timestampMs))
    decodedPositions++;
}
const decodeSeconds = (performance.now() - d0) / 1000;
const tcpSeconds = await new Promise<number>((resolve) => {
  let newlines = 0;
  let start = 0;
  const server = createServer((socket) => {
    start = performance.now();
    socket.on('data', (chunk: Buffer) => {
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) newlines++;
      if (newlines >= lines.length) {
        resolve((performance.now() - start) / 1000);
        socket.destroy();
        server.close();
      }
    });
  }).listen(0, '127.0.0.1', () => {
    const port = (server.address() as { port: number }).port;
    spawn(
      process.execPath,
      [
        '-e',
        `const s=require('net').connect(${port},'127.0.0.1',()=>require('fs').createReadStream(process.argv[1]).pipe(s));s.on('error',()=>{});`,
        trafficFile,
      ],
      { stdio: 'inherit' },
    );
  });
});
const edgeRate = delivered / seconds;
const decodeRate = decodedPositions / decodeSeconds;
const tcpRate = total / tcpSeconds;
console.log(`\nedge end to end      ${Math.round(edgeRate).toLocaleString('en')} positions/s (${protocol})`);
console.log(
  `decoder alone        ${Math.round(decodeRate).toLocaleString('en')} positions/s   edge / decoder = ${(edgeRate / decodeRate).toFixed(2)}`,
);
console.log(
  `loopback TCP only    ${Math.round(tcpRate).toLocaleString('en')} positions/s   edge / TCP     = ${(edgeRate / tcpRate).toFixed(2)}`,
);
outbox.remove();
