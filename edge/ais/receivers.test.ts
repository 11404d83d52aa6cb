import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../runtime/logger.js';
import { createMetricsRegistry, type Registry } from '../../runtime/metrics.js';
import { createEdgeBus, type AisLine } from '../events.js';
import { TcpAisReceiver } from './tcp-receiver.js';
import { UdpAisReceiver } from './udp-receiver.js';
import { waitFor } from '../../tests/support/wait.js';

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

async function setup(kind: 'udp' | 'tcp', maxLineBytes = 200) {
  const bus = createEdgeBus();
  const registry = createMetricsRegistry('edge-test', false);
  const lines: AisLine[] = [];
  bus.on('ais.line', (line) => lines.push(line));
  const options = { host: '127.0.0.1', port: 0, maxLineBytes };
  const deps = { bus, log: silentLogger(), registry };
  const receiver = kind === 'udp' ? new UdpAisReceiver(options, deps) : new TcpAisReceiver(options, deps);
  await receiver.start();
  stops.push(() => receiver.stop());
  return { receiver, lines, registry };
}

async function rejected(registry: Registry, reason: string): Promise<number> {
  const metric = await registry.getSingleMetric('lookout_edge_ais_rejected_total')!.get();
  return metric.values.filter((v) => v.labels.reason === reason).reduce((sum, v) => sum + v.value, 0);
}

const S1 = '!AIVDM,1,1,,A,13u?etPv2;0n:dDPwUM1U1Cb069D,0*24';
const S2 = '!AIVDM,1,1,,B,15N4cJ`005Jrek0H@9n`DW5608EP,0*13';

describe('UDP AIS receiver', () => {
  it('splits datagrams holding several lines, counts garbage datagrams and keeps receiving', async () => {
    const { receiver, lines, registry } = await setup('udp');
    const client = createSocket('udp4');
    stops.push(() => new Promise((resolve) => client.close(() => resolve())));
    const send = (data: Buffer | string) =>
      new Promise<void>((resolve, reject) =>
        client.send(data, receiver.port, '127.0.0.1', (e) => (e ? reject(e) : resolve())),
      );
    await send(`${S1}\r\n${S2}\r\n`);
    await send(Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0x01]));
    await send(`${'Z'.repeat(500)}\n`);
    await send(S2); // no newline at the end of the datagram
    await waitFor(() => lines.length === 3, 10_000, 'three lines');
    await waitFor(
      async () =>
        (await rejected(registry, 'not_text')) === 1 && (await rejected(registry, 'line_too_long')) === 1,
      10_000,
      'rejections',
    );
    expect(lines.map((l) => l.line)).toEqual([S1, S2, S2]);
    expect(lines[0]!.source).toMatch(/^udp 127\.0\.0\.1:\d+$/);
    expect(lines[0]!.receivedAtMs).toBeGreaterThan(0);
  });
});

describe('TCP AIS receiver', () => {
  it('reassembles lines split across TCP writes, handles CRLF, discards over-long lines and goes on', async () => {
    const { receiver, lines, registry } = await setup('tcp', 100);
    const socket = connect(receiver.port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const stream = `${S1}\r\n${'x'.repeat(300)}\r\n${S2}\n\u0001\u0002garbage\n${S1}`;
    for (let i = 0; i < stream.length; i += 7) {
      socket.write(stream.slice(i, i + 7));
      if (i % 70 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    }
    socket.end();
    await waitFor(() => lines.length === 3, 10_000, 'three lines');
    expect(lines.map((l) => l.line)).toEqual([S1, S2, S1]);
    expect(await rejected(registry, 'line_too_long')).toBe(1);
    expect(await rejected(registry, 'not_text')).toBe(1);
  });

  it('serves several connections at once and survives a client that resets', async () => {
    const { receiver, lines } = await setup('tcp');
    const a = connect(receiver.port, '127.0.0.1');
    const b = connect(receiver.port, '127.0.0.1');
    await Promise.all([a, b].map((s) => new Promise<void>((resolve) => s.once('connect', () => resolve()))));
    a.write(`${S1}\n`);
    b.write(`${S2}\n`);
    await waitFor(() => lines.length === 2, 10_000, 'two lines');
    a.resetAndDestroy();
    b.write(`${S1}\n`);
    b.end();
    await waitFor(() => lines.length === 3, 10_000, 'third line');
    expect(new Set(lines.map((l) => l.source)).size).toBe(2);
  });
});
