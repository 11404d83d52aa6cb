import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { edgeConfig, loadEdgeConfig } from './config.js';

const dir = mkdtempSync(path.join(tmpdir(), 'lookout-edge-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(text: string): string {
  const name = path.join(dir, `${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(name, text);
  return name;
}

describe('edge config', () => {
  it('fills every default, nested ones included', () => {
    const config = edgeConfig();
    expect(config).toMatchObject({
      edgeId: 'edge-1',
      mqtt: {
        url: 'mqtt://127.0.0.1:1883',
        keepaliveS: 30,
        reconnect: { minMs: 500, maxMs: 30_000 },
        maxInFlight: 32,
      },
      ais: {
        udp: { enabled: true, host: '127.0.0.1', port: 10110 },
        tcp: { enabled: true, port: 10110 },
        maxLineBytes: 1024,
      },
      outbox: { whenFull: 'drop-oldest-telemetry', maxBytes: 256 * 1024 * 1024, fsync: false },
      batching: { maxPositions: 500, maxDelayMs: 1000 },
      dedupe: { windowMs: 2000 },
      downsample: { minIntervalS: 0 },
      health: { intervalS: 30 },
      http: { host: '127.0.0.1', port: 8081 },
    });
  });

  it('reads the edge section of a YAML file and keeps what it sets', async () => {
    const config = await loadEdgeConfig(
      file(
        'cloud: {}\nedge:\n  edgeId: tower-7\n  ais:\n    tcp: { enabled: false }\n  outbox:\n    whenFull: refuse-new-telemetry\n',
      ),
    );
    expect(config.edgeId).toBe('tower-7');
    expect(config.ais.tcp.enabled).toBe(false);
    expect(config.ais.udp.enabled).toBe(true);
    expect(config.outbox.whenFull).toBe('refuse-new-telemetry');
  });

  it('names the path of each problem', async () => {
    await expect(
      loadEdgeConfig(file('edge:\n  edgeId: "a/b"\n  outbox:\n    whenFull: drop-everything\n')),
    ).rejects.toThrow(/\/edge\/edgeId[\s\S]*\/edge\/outbox\/whenFull/);
    await expect(loadEdgeConfig(file('edge:\n  mqtt:\n    url: 5\n    typo: 1\n'))).rejects.toThrow(
      /\/edge\/mqtt/,
    );
  });

  it('the example config of the repository is valid', async () => {
    const config = await loadEdgeConfig(path.resolve(import.meta.dirname, '..', 'lookout.example.yaml'));
    expect(config.edgeId).toMatch(/^[A-Za-z0-9_.-]+$/);
  });
});
