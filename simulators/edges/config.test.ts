import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { ConfigError, readConfigDocument } from '../../runtime/config.js';
import {
  brokerUrls,
  checkEdgeFleetConfig,
  cloudUsersFor,
  EdgeFleetConfig,
  edgeFleetConfig,
  edgeIdentities,
} from './config.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('simulators.edges config', () => {
  it('lookout.example.yaml documents every setting with its default value (urls, which has none, as a comment)', async () => {
    const file = path.join(root, 'lookout.example.yaml');
    const document = await readConfigDocument(file);
    const section = (document as { simulators: { edges: Record<string, unknown> } }).simulators.edges;
    expect(edgeFleetConfig('example', document)).toEqual(Value.Default(EdgeFleetConfig, {}));
    const withoutDefault = ['urls'];
    expect(Object.keys(section).sort()).toEqual(
      Object.keys(EdgeFleetConfig.properties)
        .filter((key) => !withoutDefault.includes(key))
        .sort(),
    );
    const text = await readFile(file, 'utf8');
    expect(text.slice(text.indexOf('\n  edges:'))).toMatch(/^ {4}# urls: \[mqtt:/m);
  });

  it('brokers: urls when given, else url alone; a bad or repeated entry is named with its path and value', () => {
    const one = edgeFleetConfig('x.yaml', { simulators: { edges: { url: 'mqtt://10.0.0.1:1883' } } });
    expect(brokerUrls(one)).toEqual(['mqtt://10.0.0.1:1883']);
    const two = edgeFleetConfig('x.yaml', {
      simulators: { edges: { url: 'mqtt://ignored:1', urls: ['mqtt://a:1883', 'tcp://b:1884'] } },
    });
    expect(brokerUrls(two)).toEqual(['mqtt://a:1883', 'tcp://b:1884']);

    const bad = (edges: Record<string, unknown>) => () =>
      edgeFleetConfig('x.yaml', { simulators: { edges } });
    expect(bad({ urls: ['mqtt://a:1883', 'http://b:8080'] })).toThrow(
      'x.yaml:\n  /simulators/edges/urls/1: "http://b:8080" is not an MQTT broker URL (expected mqtt://host:port or tcp://host:port)',
    );
    expect(bad({ urls: ['mqtt://a:1883', 'mqtt://a:1883'] })).toThrow(
      '/simulators/edges/urls/1: "mqtt://a:1883" is listed twice',
    );
    expect(bad({ urls: ['mqtt://:1883'] })).toThrow(
      '/simulators/edges/urls/0: "mqtt://:1883" is not a valid URL',
    );
    expect(bad({ urls: [] })).toThrow(/\/simulators\/edges\/urls/);
    expect(bad({ url: '127.0.0.1:1883' })).toThrow(
      '/simulators/edges/url: "127.0.0.1:1883" is not an MQTT broker URL',
    );
    expect(() =>
      checkEdgeFleetConfig(
        { ...one, urls: ['mqtt://a:1', 'ws://b:2'] },
        'x.yaml with the command-line flags',
      ),
    ).toThrow(
      'x.yaml with the command-line flags:\n  /simulators/edges/urls/1: "ws://b:2" is not an MQTT broker URL',
    );
  });

  it('names the path of a bad value, from the file and after the flags', () => {
    const bad = { simulators: { edges: { count: 0, churn: { dropsPerHour: -1 } } } };
    expect(() => edgeFleetConfig('x.yaml', bad)).toThrow(ConfigError);
    expect(() => edgeFleetConfig('x.yaml', bad)).toThrow(/\/simulators\/edges\/count/);
    const config = edgeFleetConfig('x.yaml', {});
    expect(() => checkEdgeFleetConfig({ ...config, receiversPerVessel: 40 }, 'x.yaml with flags')).toThrow(
      /\/simulators\/edges\/receiversPerVessel/,
    );
    expect(() => edgeFleetConfig('x.yaml', { simulators: { edges: { unknown: 1 } } })).toThrow(
      /\/simulators\/edges/,
    );
  });

  it('anonymous by default: ids from the prefix, zero-padded to the count', () => {
    const config = edgeFleetConfig('x', { simulators: { edges: { count: 1200, idPrefix: 'load-' } } });
    const identities = edgeIdentities(config, {});
    expect(identities).toHaveLength(1200);
    expect(identities[0]).toEqual({ edgeId: 'load-0001' });
    expect(identities[1199]).toEqual({ edgeId: 'load-1200' });
    expect(cloudUsersFor(identities)).toEqual([]);
  });

  it('template credentials: per-edge logins, or one shared login acting as every edge id', () => {
    const perEdge = edgeFleetConfig('x', {
      simulators: {
        edges: {
          count: 2,
          credentials: { source: 'template', username: 'u-{edgeId}', password: 'p{index}' },
        },
      },
    });
    const identities = edgeIdentities(perEdge, {});
    expect(identities).toEqual([
      { edgeId: 'sim-edge-001', username: 'u-sim-edge-001', password: 'p1' },
      { edgeId: 'sim-edge-002', username: 'u-sim-edge-002', password: 'p2' },
    ]);
    expect(cloudUsersFor(identities)).toEqual([
      { username: 'u-sim-edge-001', password: 'p1', edgeIds: ['sim-edge-001'] },
      { username: 'u-sim-edge-002', password: 'p2', edgeIds: ['sim-edge-002'] },
    ]);
    const shared = edgeFleetConfig('x', {
      simulators: {
        edges: { count: 3, credentials: { source: 'template', username: 'load', password: 'secret' } },
      },
    });
    expect(cloudUsersFor(edgeIdentities(shared, {}))).toEqual([
      { username: 'load', password: 'secret', edgeIds: ['sim-edge-001', 'sim-edge-002', 'sim-edge-003'] },
    ]);
    const clash = edgeFleetConfig('x', {
      simulators: {
        edges: { count: 2, credentials: { source: 'template', username: 'load', password: 'p{index}' } },
      },
    });
    expect(() => cloudUsersFor(edgeIdentities(clash, {}))).toThrow(/two passwords/);
  });

  it('cloud credentials: one edge per edge id of the edge users in cloud.mqtt.users, in file order', () => {
    const document = {
      cloud: {
        mqtt: {
          users: [
            { username: 'edge-a', password: 'pa' },
            { username: 'dash', password: 'pd', role: 'dashboard' },
            { username: 'fleet', password: 'pf', edgeIds: ['e1', 'e2'] },
          ],
        },
      },
      simulators: { edges: { count: 3, credentials: { source: 'cloud' } } },
    };
    const identities = edgeIdentities(edgeFleetConfig('c.yaml', document), document, 'c.yaml');
    expect(identities).toEqual([
      { edgeId: 'edge-a', username: 'edge-a', password: 'pa' },
      { edgeId: 'e1', username: 'fleet', password: 'pf' },
      { edgeId: 'e2', username: 'fleet', password: 'pf' },
    ]);
    const tooMany = { ...document, simulators: { edges: { count: 4, credentials: { source: 'cloud' } } } };
    expect(() => edgeIdentities(edgeFleetConfig('c.yaml', tooMany), tooMany, 'c.yaml')).toThrow(
      /4 edges asked for, but \/cloud\/mqtt\/users gives only 3/,
    );
    const broken = {
      cloud: { mqtt: { users: [{ username: 'x' }] } },
      simulators: { edges: { count: 1, credentials: { source: 'cloud' } } },
    };
    expect(() => edgeIdentities(edgeFleetConfig('c.yaml', broken), broken, 'c.yaml')).toThrow(
      /\/cloud\/mqtt\/users\/0/,
    );
  });
});
