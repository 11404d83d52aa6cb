import { createSocket } from 'node:dgram';
import { createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AisDecoder } from '../../protocols/ais/decoder.js';
import { toVesselPosition } from '../../protocols/ais/vessel.js';
import { SimClock } from './clock.js';
import { loadFleetConfig } from './config.js';
import { createFleetSimulator } from './fleet.js';
import { parseHostPort } from './transport.js';
import path from 'node:path';
import { waitFor } from '../../tests/support/wait.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Decodes what arrived with the Lookout decoder and compares it with the simulator's own report. */
function decodePositions(text: string) {
  const decoder = new AisDecoder({});
  const positions = [];
  for (const line of text.split('\r\n')) {
    if (!line) continue;
    const result = decoder.decode(line, 0);
    if (result.status === 'rejected') throw new Error(`${result.reason}: ${line}`);
    if (result.status !== 'message') continue;
    const position = toVesselPosition(result.message, result.timestampMs);
    if (position) positions.push(position);
  }
  return positions;
}

describe('fleet transports', () => {
  it('UDP: datagrams of whole lines reach a listener; decoded they are exactly the report', async () => {
    const receiver = createSocket('udp4');
    const datagrams: string[] = [];
    receiver.on('message', (m) => datagrams.push(m.toString('latin1')));
    await new Promise<void>((resolve) => receiver.bind(0, '127.0.0.1', () => resolve()));
    cleanups.push(() => new Promise((resolve) => receiver.close(() => resolve())));
    const sim = createFleetSimulator({
      vessels: 30,
      seed: 5,
      rate: 2000,
      maxPositions: 300,
      recordPositions: true,
      target: { protocol: 'udp', host: '127.0.0.1', port: receiver.address().port },
    });
    cleanups.push(() => sim.stop());
    await sim.start();
    await sim.done;
    const report = sim.report();
    await waitFor(
      () => datagrams.join('').split('\r\n').length - 1 === report.sentences,
      10_000,
      'all sentences',
    );
    expect(datagrams.every((d) => d.endsWith('\r\n') && Buffer.byteLength(d) <= 1400)).toBe(true);
    expect(datagrams.length).toBeLessThan(report.sentences); // several lines per datagram
    const decoded = decodePositions(datagrams.join(''));
    expect(decoded.map((p) => [p.mmsi, p.ts, p.lat, p.lon, p.sog, p.cog, p.heading, p.msgType])).toEqual(
      report.log.map((p) => [p.mmsi, p.tsMs, p.lat, p.lon, p.sog, p.cog, p.heading, p.msgType]),
    );
    expect(report.positions).toBe(300);
    expect(report.perVessel.reduce((sum, v) => sum + v.positions, 0)).toBe(300);
  });

  it('TCP: connects, streams CRLF lines, and counts what it could not send while the listener was away', async () => {
    let received = '';
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on('data', (d) => (received += d.toString('latin1')));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const port = (server.address() as { port: number }).port;
    const clock = new SimClock(Date.UTC(2026, 0, 1));
    const sim = createFleetSimulator({
      vessels: 3,
      seed: 8,
      clock,
      recordPositions: true,
      target: { protocol: 'tcp', host: '127.0.0.1', port },
    });
    cleanups.push(() => sim.stop());
    await sim.start();
    expect(await sim.reportVessels()).toBe(3);
    await waitFor(() => decodePositions(received).length === 3, 10_000, 'first reports');
    for (const socket of sockets) socket.destroy();
    await waitFor(() => !sim.transport.ready, 10_000, 'the simulator noticing');
    clock.advance(10_000);
    expect(await sim.reportVessels()).toBe(0);
    await waitFor(() => sim.transport.ready, 10_000, 'reconnection');
    clock.advance(10_000);
    expect(await sim.reportVessels()).toBe(3);
    await waitFor(() => decodePositions(received).length === 6, 10_000, 'reports after reconnection');
    server.close();
    for (const socket of sockets) socket.destroy();
    expect(sim.report()).toMatchObject({ positions: 6, skipped: 3 });
    expect(decodePositions(received).map((p) => p.ts)).toEqual(sim.report().log.map((p) => p.tsMs));
  });

  it('parses host:port flags and the example config', async () => {
    expect(parseHostPort('127.0.0.1:10110', 'udp')).toEqual({
      protocol: 'udp',
      host: '127.0.0.1',
      port: 10110,
    });
    expect(parseHostPort('[::1]:5', 'tcp')).toEqual({ protocol: 'tcp', host: '::1', port: 5 });
    expect(() => parseHostPort('localhost', 'udp')).toThrow(/host:port/);
    const config = await loadFleetConfig(path.resolve(import.meta.dirname, '../../lookout.example.yaml'));
    expect(config).toMatchObject({ vessels: 20, protocol: 'udp', port: 10110, tagBlock: 'ms' });
  });
});
