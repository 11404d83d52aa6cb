/**
 * Issue 13, the broker's side: what one MQTT client may make the cloud hold, show or log. A real cloud (aedes over
 * TCP on loopback, fastify) with InfluxDB unreachable on purpose: every check here happens before InfluxDB.
 */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { describe, expect, it } from 'vitest';
import { cloudConfig, createCloud, type Cloud } from '../../cloud/core.js';
import type { CloudEvents } from '../../cloud/events.js';
import type { EdgeStatus } from '../../protocols/mqtt/payloads.js';
import { edgeClientId, topics } from '../../protocols/mqtt/topics.js';
import { freePort } from '../../runtime/ports.js';
import { capturingLogger, metricValue, removeDir, tempDir } from '../support/cloud-fixtures.js';
import { waitFor } from '../support/wait.js';
import { scopeForFile } from '../support/scope.js';

const scope = scopeForFile();
const LIMITS = {
  maxPacketBytes: 256 * 1024,
  retainedPerClient: 10,
  retainedBytesPerClient: 64 * 1024,
  retainedTotal: 25,
  retainedBytesTotal: 1024 * 1024,
  publishesPerSecond: 100,
  publishBurst: 20,
};

async function startCloud(mqttSection: object = {}) {
  const capture = capturingLogger('info');
  const dataDir = await scope.use(tempDir('hardening'), removeDir);
  const config = cloudConfig({
    mqtt: { port: 0, wsPort: 0, limits: LIMITS, ...mqttSection },
    http: { port: 0 },
    influx: { port: await freePort() }, // nobody there: nothing here needs InfluxDB
    buffer: { fsync: 'never' },
    dataDir,
  });
  const cloud = createCloud(config, { log: capture.log });
  scope.defer(() => cloud.stop());
  await cloud.start();
  return { cloud, lines: capture.lines };
}

async function connect(cloud: Cloud, options: IClientOptions = {}): Promise<MqttClient> {
  const client = await mqtt.connectAsync(cloud.addresses.mqtt, {
    reconnectPeriod: 0,
    connectTimeout: 5000,
    ...options,
  });
  scope.defer(() => client.endAsync(true));
  return client;
}

async function metric(cloud: Cloud, name: string, labels: Record<string, string> = {}): Promise<number> {
  return metricValue(await (await fetch(`${cloud.addresses.http}/metrics`)).text(), name, labels) ?? 0;
}

/** Publishes and tells whether it was acknowledged or the broker closed the connection instead. */
async function publishOutcome(
  client: MqttClient,
  topic: string,
  payload: string | Buffer,
  retain = false,
): Promise<'acknowledged' | 'closed'> {
  let onClose!: () => void;
  const closed = new Promise<'closed'>((resolve) =>
    client.once('close', (onClose = () => resolve('closed'))),
  );
  const acknowledged = client.publishAsync(topic, payload, { qos: 1, retain }).then(
    () => 'acknowledged' as const,
    () => new Promise<'closed'>(() => undefined),
  );
  const outcome = await Promise.race([acknowledged, closed]);
  client.off('close', onClose);
  return outcome;
}

/** The retained messages a new subscriber of `filter` receives, once `last` (retained, published last) has arrived. */
async function retainedFor(cloud: Cloud, filter: string, last: string): Promise<string[]> {
  const subscriber = await connect(cloud);
  const topicsSeen: string[] = [];
  subscriber.on('message', (topic, _payload, packet) => packet.retain && topicsSeen.push(topic));
  await subscriber.subscribeAsync(filter, { qos: 1 });
  await waitFor(() => topicsSeen.includes(last), 10_000, `retained ${last}`);
  return topicsSeen;
}

const online = (): EdgeStatus => ({ state: 'online', ts: Date.now(), version: 'test' });

const { cloud: open, lines: openLines } = await startCloud();

describe('anonymous broker (the default)', () => {
  it('nobody but the cloud publishes under lookout/v1/cloud/: a fake CRITICAL alarm is not acknowledged, relayed or kept', async () => {
    const dashboard = await connect(open);
    const relayed: string[] = [];
    dashboard.on('message', (topic) => relayed.push(topic));
    await dashboard.subscribeAsync('lookout/v1/cloud/alarms/#', { qos: 1 });
    const before = await metric(open, 'lookout_cloud_mqtt_denied_total', { reason: 'cloud_topic' });

    const attacker = await connect(open);
    const fake = JSON.stringify({ id: 'fake-4', type: 'fire', severity: 'CRITICAL', status: 'ACTIVE_UNACK' });
    expect(await publishOutcome(attacker, topics.cloudAlarm('fake-4'), fake, true)).toBe('closed');
    await expect(
      connect(open, {
        will: { topic: topics.cloudAlarm('fake-5'), payload: Buffer.from(fake), qos: 1, retain: true },
      }),
    ).rejects.toThrow(/Not authorized/i);
    expect(await metric(open, 'lookout_cloud_mqtt_denied_total', { reason: 'cloud_topic' })).toBe(before + 2);

    // The cloud's own alarm goes through, and is the only one the dashboard sees.
    await open.publish(topics.cloudAlarm('real-1'), '{}', { qos: 1 });
    await waitFor(() => relayed.length > 0, 10_000, 'the real alarm relayed');
    expect(relayed).toEqual([topics.cloudAlarm('real-1')]);
  });

  it('an edge exists once it said so: a schema-invalid message does not make a phantom edge; a deleted status removes it', async () => {
    const invalid = new Promise<CloudEvents['invalidMessage']>((resolve) =>
      open.bus.on('invalidMessage', (event) => event.edgeId === 'evil-edge' && resolve(event)),
    );
    const attacker = await connect(open);
    await attacker.publishAsync(
      topics.fireAlert('evil-edge'),
      JSON.stringify({ event: 'new', nonsense: true }),
      { qos: 1 },
    );
    await attacker.publishAsync(topics.edgeStatus('evil-edge'), JSON.stringify({ state: 'sideways' }), {
      qos: 1,
      retain: true,
    });
    expect((await invalid).reason).toBe('schema');

    const edge = await connect(open, { clientId: edgeClientId('good-edge') });
    await edge.publishAsync(topics.edgeStatus('good-edge'), JSON.stringify(online()), {
      qos: 1,
      retain: true,
    });
    await waitFor(() => open.presence.get('good-edge'), 10_000, 'good-edge online');
    const listed = (await (await fetch(`${open.addresses.http}/api/v1/edges`)).json()) as {
      edges: Array<{ edgeId: string }>;
    };
    expect(listed.edges.map((entry) => entry.edgeId)).toEqual(['good-edge']);

    // Decommissioned: its retained status deleted (empty retained message), it is gone.
    await edge.publishAsync(topics.edgeStatus('good-edge'), '', { qos: 1, retain: true });
    await waitFor(() => open.presence.get('good-edge') === undefined, 10_000, 'good-edge removed');
  });

  it('closes the connection at the header of a packet over maxPacketBytes: never acknowledged nor journalled', async () => {
    const before = await metric(open, 'lookout_cloud_mqtt_denied_total', { reason: 'packet_too_large' });
    const journalled = open.bus.on(
      'mqttPublished',
      ({ topic }) => topic.endsWith('/big') && expect.unreachable('a too large PUBLISH was accepted'),
    );
    const client = await connect(open);
    expect(
      await publishOutcome(
        client,
        topics.vesselPositions('big-edge') + '/big',
        Buffer.alloc(LIMITS.maxPacketBytes + 1, 0x20),
      ),
    ).toBe('closed');
    expect(await metric(open, 'lookout_cloud_mqtt_denied_total', { reason: 'packet_too_large' })).toBe(
      before + 1,
    );
    const fits = await connect(open);
    expect(await publishOutcome(fits, 'other/fits', Buffer.alloc(LIMITS.maxPacketBytes - 100, 0x20))).toBe(
      'acknowledged',
    );
    journalled();
  });

  it('keeps at most retainedPerClient retained messages of one client; the next one is refused', async () => {
    const client = await connect(open, { clientId: 'retainer-1' });
    for (let i = 0; i < LIMITS.retainedPerClient; i++)
      expect(await publishOutcome(client, `other/retained/${i}`, `value ${i}`, true)).toBe('acknowledged');
    // Replacing one of its own is fine; a new one is beyond the limit.
    expect(await publishOutcome(client, 'other/retained/0', 'value 0 again', true)).toBe('acknowledged');
    expect(await publishOutcome(client, 'other/retained/extra', 'one too many', true)).toBe('closed');
    const seen = await retainedFor(
      open,
      'other/retained/#',
      `other/retained/${LIMITS.retainedPerClient - 1}`,
    );
    expect(seen).toHaveLength(LIMITS.retainedPerClient);
    expect(seen).not.toContain('other/retained/extra');
    expect(
      await metric(open, 'lookout_cloud_mqtt_denied_total', { reason: 'retained_limit' }),
    ).toBeGreaterThanOrEqual(1);
    expect(await metric(open, 'lookout_cloud_mqtt_retained_messages')).toBeGreaterThanOrEqual(
      LIMITS.retainedPerClient,
    );
  });

  it('never retains an invalid payload on an edge topic: it is delivered, counted, and not kept', async () => {
    const edgeId = 'retain-edge';
    const before = await metric(open, 'lookout_cloud_mqtt_retain_dropped_total', { reason: 'invalid' });
    const edge = await connect(open, { clientId: edgeClientId(edgeId) });
    expect(await publishOutcome(edge, topics.cameraInventory(edgeId), '{ not json', true)).toBe(
      'acknowledged',
    );
    expect(
      await publishOutcome(edge, topics.cameraStatus(edgeId, 'cam-1'), JSON.stringify({ bogus: 1 }), true),
    ).toBe('acknowledged');
    expect(await publishOutcome(edge, topics.edgeStatus(edgeId), JSON.stringify(online()), true)).toBe(
      'acknowledged',
    );
    const seen = await retainedFor(open, `lookout/v1/edge/${edgeId}/#`, topics.edgeStatus(edgeId));
    expect(seen).toEqual([topics.edgeStatus(edgeId)]);
    expect(await metric(open, 'lookout_cloud_mqtt_retain_dropped_total', { reason: 'invalid' })).toBe(
      before + 2,
    );
  });

  it('holds back a client beyond publishesPerSecond instead of dropping: every PUBLISH acknowledged, the excess throttled', async () => {
    const before = await metric(open, 'lookout_cloud_mqtt_publishes_throttled_total');
    const client = await connect(open);
    const count = LIMITS.publishBurst * 3;
    await Promise.all(
      Array.from({ length: count }, (_, i) => client.publishAsync(`other/rate/${i}`, 'x', { qos: 1 })),
    );
    expect(await metric(open, 'lookout_cloud_mqtt_publishes_throttled_total')).toBeGreaterThanOrEqual(
      before + count - LIMITS.publishBurst - 5,
    );
  });

  it('logs a burst of invalid messages as two lines, not one per message, and never a 65,000-character topic', async () => {
    const count = 300;
    let counted = 0;
    const all = new Promise<void>((resolve) =>
      open.bus.on(
        'invalidMessage',
        ({ reason }) => reason === 'invalid_json' && ++counted === count && resolve(),
      ),
    );
    const longTopic = `lookout/v1/edge/${'x'.repeat(65_000)}/alerts/fire`;
    const unknown = new Promise<void>((resolve) =>
      open.bus.on('invalidMessage', ({ topic }) => topic === longTopic && resolve()),
    );
    const client = await connect(open, { clientId: edgeClientId('noisy-edge') });
    const linesBefore = openLines.length;
    await Promise.all(
      Array.from({ length: count }, (_, i) =>
        client.publishAsync(topics.vesselPositions('noisy-edge'), `{ broken ${i}`, { qos: 1 }),
      ),
    );
    await client.publishAsync(longTopic, '{}', { qos: 1 });
    await Promise.all([all, unknown]);
    const logged = openLines.slice(linesBefore).filter((line) => line.msg === 'invalid edge message dropped');
    expect(logged.length).toBeLessThanOrEqual(2);
    for (const line of openLines.slice(linesBefore)) expect(JSON.stringify(line).length).toBeLessThan(2000);
    expect(
      await metric(open, 'lookout_cloud_invalid_payloads_total', {
        reason: 'invalid_json',
        kind: 'vessels/positions',
      }),
    ).toBe(count);
  });

  // Last: it fills the broker's retained total for the rest of this cloud.
  it('keeps at most retainedTotal retained messages in all, whichever client sends them', async () => {
    let refusedAt = -1;
    for (let i = 0; i < 4 && refusedAt < 0; i++) {
      const client = await connect(open, { clientId: `many-${i}` });
      for (let j = 0; j < LIMITS.retainedPerClient; j++) {
        if ((await publishOutcome(client, `flood/${i}/${j}`, 'x', true)) === 'closed') {
          refusedAt = i * LIMITS.retainedPerClient + j;
          break;
        }
      }
    }
    expect(refusedAt).toBeGreaterThanOrEqual(0);
    expect(await metric(open, 'lookout_cloud_mqtt_retained_messages')).toBeLessThanOrEqual(
      LIMITS.retainedTotal,
    );
  });
});

describe('with MQTT users', () => {
  const EDGE = { username: 'edge-a', password: 'edge-a-secret' };

  it('locks a user out after maxFailuresPerUser wrong passwords, the right one included; counted, logged once per burst', async () => {
    const { cloud, lines } = await startCloud({
      users: [EDGE],
      limits: { ...LIMITS, logins: { maxFailuresPerUser: 5, failureDelayMs: 0 } },
    });
    for (let i = 0; i < 5; i++)
      await expect(
        connect(cloud, { clientId: `guess-${i}`, username: EDGE.username, password: `guess-${i}` }),
      ).rejects.toThrow(/Bad username or password/i);
    await expect(connect(cloud, { clientId: edgeClientId('edge-a'), ...EDGE })).rejects.toThrow(
      /Not authorized/i,
    );
    expect(await metric(cloud, 'lookout_cloud_mqtt_denied_total', { reason: 'bad_credentials' })).toBe(5);
    expect(await metric(cloud, 'lookout_cloud_mqtt_denied_total', { reason: 'locked_out' })).toBe(1);
    expect(await metric(cloud, 'lookout_cloud_login_lockouts_total', { listener: 'mqtt', by: 'user' })).toBe(
      1,
    );
    const warnings = lines.filter((line) => line.level === 40 && /refused|locked out/.test(String(line.msg)));
    // One line for the burst of wrong passwords, one for the lockout itself, one for the refused right password.
    expect(warnings.map((line) => line.reason ?? line.by)).toEqual(['bad_credentials', 'user', 'locked_out']);
  });
});
