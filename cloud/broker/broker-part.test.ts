import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../runtime/logger.js';
import { cloudConfig } from '../core.js';
import { createCloudBus, type CloudEvents } from '../events.js';
import { createCloudMetrics } from '../metrics.js';
import { BrokerPart, isLoopback, type BrokerOptions } from './broker-part.js';
import { waitFor } from '../../tests/support/wait.js';

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

async function startBroker(mqttSection: object = {}, publishGate?: BrokerOptions['publishGate']) {
  const bus = createCloudBus();
  const metrics = createCloudMetrics();
  const config = cloudConfig({ mqtt: { port: 0, wsPort: 0, ...mqttSection } }).mqtt;
  const broker = new BrokerPart({ config, bus, metrics, log: silentLogger(), publishGate });
  await broker.start();
  stops.push(() => broker.stop());
  return { broker, bus, metrics };
}

async function connect(url: string, options: mqtt.IClientOptions = {}) {
  const client = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5000, ...options });
  stops.push(() => client.endAsync(true));
  return client;
}

describe('BrokerPart', () => {
  it('carries messages between a TCP client and a WebSocket client and reports them on the bus', async () => {
    const { broker, bus } = await startBroker();
    const published: Array<CloudEvents['mqttPublished']> = [];
    bus.on('mqttPublished', (event) => published.push(event));
    const browser = await connect(broker.wsUrl, { clientId: 'browser' });
    await browser.subscribeAsync('lookout/v1/edge/+/status', { qos: 1 });
    const received = new Promise<string>((resolve) =>
      browser.on('message', (_topic, payload) => resolve(payload.toString())),
    );

    const edge = await connect(broker.mqttUrl, { clientId: 'edge-1' });
    await edge.publishAsync('lookout/v1/edge/edge-1/status', '{"state":"online","ts":1}', {
      qos: 1,
      retain: true,
    });
    expect(await received).toBe('{"state":"online","ts":1}');
    for (let i = 0; i < 1500 && published.length === 0; i++)
      await new Promise((resolve) => setTimeout(resolve, 10));
    expect(published).toContainEqual(
      expect.objectContaining({ topic: 'lookout/v1/edge/edge-1/status', clientId: 'edge-1', retain: true }),
    );
    expect(broker.clients.size).toBe(2);
  });

  it('with users configured, refuses a wrong password and accepts the right one', async () => {
    const { broker, bus } = await startBroker({ users: [{ username: 'edge', password: 'demo-secret' }] });
    const connected: string[] = [];
    bus.on('clientConnected', ({ clientId, username }) => connected.push(`${clientId}:${username}`));
    await expect(
      mqtt.connectAsync(broker.mqttUrl, { reconnectPeriod: 0, username: 'edge', password: 'wrong' }),
    ).rejects.toThrow(/Bad username or password|Not authorized/i);
    await expect(mqtt.connectAsync(broker.mqttUrl, { reconnectPeriod: 0 })).rejects.toThrow();
    await connect(broker.mqttUrl, {
      clientId: 'lookout-edge-edge',
      username: 'edge',
      password: 'demo-secret',
    });
    expect(connected).toEqual(['lookout-edge-edge:edge']);
  });

  it('acknowledges a QoS 1 PUBLISH only after the gate resolved, and never when it rejects', async () => {
    const order: string[] = [];
    let release: () => void = () => undefined;
    const gate = (topic: string) => {
      order.push(`gate ${topic}`);
      if (topic === 'refuse') return Promise.reject(new Error('buffer_full'));
      return new Promise<void>(
        (resolve) =>
          (release = () => {
            order.push('released');
            resolve();
          }),
      );
    };
    const { broker } = await startBroker({}, gate);
    const edge = await connect(broker.mqttUrl, { clientId: 'gated' });
    const acked = edge.publishAsync('accept', 'x', { qos: 1 }).then(() => order.push('puback'));
    await waitFor(() => order.length > 0, 20_000, 'the gate to be called');
    expect(order).toEqual(['gate accept']);
    release();
    await acked;
    expect(order).toEqual(['gate accept', 'released', 'puback']);

    const closed = new Promise<void>((resolve) => edge.once('close', () => resolve()));
    let refusedAcked = false;
    void edge.publishAsync('refuse', 'y', { qos: 1 }).then(
      () => (refusedAcked = true),
      () => undefined,
    );
    await closed;
    expect(refusedAcked).toBe(false);
  });

  it('warns about an anonymous broker only when it is reachable from other machines', async () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]'])
      expect(isLoopback(host), host).toBe(true);
    for (const host of ['0.0.0.0', '::', '10.0.0.5', '192.168.1.10', 'cloud.example'])
      expect(isLoopback(host), host).toBe(false);
    const lines: string[] = [];
    const log = silentLogger();
    log.warn = ((_details: object, message: string) => void lines.push(message)) as typeof log.warn;
    const config = cloudConfig({ mqtt: { port: 0, wsPort: 0 } }).mqtt;
    const broker = new BrokerPart({ config, bus: createCloudBus(), metrics: createCloudMetrics(), log });
    await broker.start();
    stops.push(() => broker.stop());
    expect(lines).toEqual([]);
  });
});
