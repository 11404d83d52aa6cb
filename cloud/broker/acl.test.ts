import { describe, expect, it } from 'vitest';
import { topics } from '../../protocols/mqtt/topics.js';
import { MqttAcl } from './acl.js';

const acl = new MqttAcl([
  { username: 'edge-1', password: 'x' },
  { username: 'gateway', password: 'x', edgeIds: ['edge-2', 'edge-3'] },
  { username: 'dashboard', password: 'x', role: 'dashboard' },
]);

const reason = (decision: ReturnType<MqttAcl['publish']>) => (decision.allowed ? 'allowed' : decision.reason);

describe('MqttAcl', () => {
  it('without users everything is allowed (anonymous broker) but publishing under lookout/v1/cloud/', () => {
    const open = new MqttAcl([]);
    expect(open.anonymous).toBe(true);
    expect(reason(open.publish(undefined, topics.vesselPositions('edge-9')))).toBe('allowed');
    expect(reason(open.publish('anyone', 'any/topic'))).toBe('allowed');
    expect(reason(open.subscribe(undefined, '#'))).toBe('allowed');
    expect(reason(open.subscribe(undefined, 'lookout/v1/cloud/alarms/#'))).toBe('allowed');
    for (const topic of [topics.cloudAlarm('fake-4'), 'lookout/v1/cloud', 'lookout/v1/cloud/anything/else']) {
      expect(reason(open.publish(undefined, topic)), topic).toBe('cloud_topic');
      expect(reason(open.publish(undefined, topic, { will: true })), topic).toBe('cloud_topic');
    }
    expect(reason(open.publish(undefined, 'lookout/v1/cloudy/x'))).toBe('allowed');
  });

  it("only the cloud publishes a camera's desired settings; the edge reports and subscribes to its own", () => {
    const desired = topics.cameraSettingsDesired('edge-1', 'cam-1');
    for (const who of [new MqttAcl([]), acl]) {
      expect(reason(who.publish('edge-1', desired))).toBe('cloud_topic');
      expect(reason(who.publish('edge-1', desired, { will: true }))).toBe('cloud_topic');
    }
    expect(reason(acl.publish('edge-1', topics.cameraSettingsReported('edge-1', 'cam-1')))).toBe('allowed');
    expect(reason(acl.subscribe('edge-1', 'lookout/v1/edge/edge-1/cameras/+/settings/desired'))).toBe(
      'allowed',
    );
    expect(reason(acl.subscribe('edge-1', 'lookout/v1/edge/edge-2/cameras/+/settings/desired'))).toBe(
      'subscribe_topic',
    );
  });

  it('an edge user publishes on its own edge topics only; its edge id defaults to its username', () => {
    expect(acl.anonymous).toBe(false);
    for (const topic of [
      topics.vesselPositions('edge-1'),
      topics.edgeStatus('edge-1'),
      topics.cameraStatus('edge-1', 'cam-1'),
      topics.fireAlert('edge-1'),
    ]) {
      expect(reason(acl.publish('edge-1', topic)), topic).toBe('allowed');
    }
    for (const topic of [
      topics.vesselPositions('edge-2'),
      topics.edgeStatus('edge-10'),
      'lookout/v1/edge/edge-1',
      'lookout/v1/edge/edge-1/',
      'lookout/v1/edge/edge-1x/status',
      '$SYS/broker/uptime',
      'other/edge-1/status',
    ]) {
      expect(reason(acl.publish('edge-1', topic)), topic).toBe('publish_topic');
    }
  });

  it('edgeIds lets one login act as several edges, and only those', () => {
    expect(reason(acl.publish('gateway', topics.vesselPositions('edge-2')))).toBe('allowed');
    expect(reason(acl.publish('gateway', topics.vesselStatics('edge-3')))).toBe('allowed');
    expect(reason(acl.publish('gateway', topics.vesselPositions('gateway')))).toBe('publish_topic');
    expect(reason(acl.publish('gateway', topics.vesselPositions('edge-1')))).toBe('publish_topic');
  });

  it('a last will outside the own topics is refused as will_topic', () => {
    expect(reason(acl.publish('edge-1', topics.edgeStatus('edge-1'), { will: true }))).toBe('allowed');
    const decision = acl.publish('edge-1', topics.edgeStatus('edge-2'), { will: true });
    expect(reason(decision)).toBe('will_topic');
    expect(decision.allowed ? '' : decision.message).toContain('lookout/v1/edge/edge-2/status');
  });

  it('a dashboard user never publishes and subscribes under lookout/v1/ only', () => {
    expect(reason(acl.publish('dashboard', topics.edgeStatus('edge-1')))).toBe('read_only');
    expect(reason(acl.publish('dashboard', topics.edgeStatus('edge-1'), { will: true }))).toBe('read_only');
    expect(reason(acl.subscribe('dashboard', 'lookout/v1/edge/+/status'))).toBe('allowed');
    expect(reason(acl.subscribe('dashboard', 'lookout/v1/cloud/alarms/#'))).toBe('allowed');
    for (const filter of ['#', '$SYS/#', '+/v1/edge/+/status', 'lookout/#'])
      expect(reason(acl.subscribe('dashboard', filter)), filter).toBe('subscribe_topic');
  });

  it("an edge may subscribe inside its own subtree only, never to other edges' data", () => {
    expect(reason(acl.subscribe('edge-1', 'lookout/v1/edge/edge-1/#'))).toBe('allowed');
    expect(reason(acl.subscribe('edge-1', 'lookout/v1/edge/edge-1/cameras/+/status'))).toBe('allowed');
    expect(reason(acl.publish('edge-1', topics.cloudAlarm('a-1')))).toBe('cloud_topic');
    for (const filter of [
      'lookout/v1/edge/+/status',
      'lookout/v1/edge/#',
      'lookout/v1/#',
      '#',
      'lookout/v1/edge/edge-2/#',
      'lookout/v1/cloud/alarms/#',
      'lookout/v1/edge/edge-1',
    ]) {
      expect(reason(acl.subscribe('edge-1', filter)), filter).toBe('subscribe_topic');
    }
  });

  it('binds client ids: an edge login connects only as lookout-edge-{one of its ids}, a dashboard never as an edge', () => {
    expect(reason(acl.clientId('edge-1', 'lookout-edge-edge-1'))).toBe('allowed');
    expect(reason(acl.clientId('gateway', 'lookout-edge-edge-3'))).toBe('allowed');
    expect(reason(acl.clientId('gateway', 'lookout-edge-edge-1'))).toBe('client_id');
    expect(reason(acl.clientId('edge-1', 'edge-1'))).toBe('client_id');
    expect(reason(acl.clientId('dashboard', 'lookout-dash-4f2a'))).toBe('allowed');
    expect(reason(acl.clientId('dashboard', 'lookout-edge-edge-1'))).toBe('client_id');
    expect(reason(acl.clientId('nobody', 'x'))).toBe('client_id');
    expect(reason(new MqttAcl([]).clientId(undefined, 'anything'))).toBe('allowed');
  });

  it('fails closed for a user it does not know', () => {
    expect(reason(acl.publish(undefined, topics.edgeStatus('edge-1')))).toBe('publish_topic');
    expect(reason(acl.publish('stranger', topics.edgeStatus('stranger')))).toBe('publish_topic');
    expect(reason(acl.subscribe('stranger', 'lookout/v1/edge/stranger/#'))).toBe('subscribe_topic');
  });

  it('rejects inconsistent users with the config path', () => {
    expect(
      () =>
        new MqttAcl([
          { username: 'a', password: 'x' },
          { username: 'a', password: 'y' },
        ]),
    ).toThrow('/cloud/mqtt/users/1/username');
    expect(
      () => new MqttAcl([{ username: 'd', password: 'x', role: 'dashboard', edgeIds: ['edge-1'] }]),
    ).toThrow('/cloud/mqtt/users/0/edgeIds');
    expect(() => new MqttAcl([{ username: 'edge one', password: 'x' }])).toThrow(
      /\/cloud\/mqtt\/users\/0: .*"edge one".*set edgeIds/,
    );
    expect(
      new MqttAcl([{ username: 'edge one', password: 'x', edgeIds: ['edge-1'] }])
        .principal('edge one')
        ?.edgeIds.has('edge-1'),
    ).toBe(true);
  });
});
