import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfigSection, validateConfigSection } from '../../runtime/config.js';
import { CloudConfig } from '../config.js';
import { VesselRegistry, RegistryError, lengthClassOf } from './registry.js';

const example = fileURLToPath(new URL('../../lookout.example.yaml', import.meta.url));

describe('fisheries config', () => {
  it('the documented example is valid and matches the defaults where it shows them', async () => {
    const fromExample = (await loadConfigSection(example, 'cloud', CloudConfig)).fisheries;
    const defaults = validateConfigSection('defaults', {}, 'cloud', CloudConfig).fisheries;
    expect(fromExample.zoneFiles).toEqual(defaults.zoneFiles);
    expect(fromExample.rules).toEqual(defaults.rules);
    expect(fromExample.history).toEqual(defaults.history);
    expect(fromExample.restore).toEqual(defaults.restore);
    expect(defaults.restore).toEqual({
      retryMinMs: 1000,
      retryMaxMs: 30_000,
      maxHeldAlarmRaises: 10_000,
      maxBufferedPositions: 200_000,
    });
    expect(new VesselRegistry(fromExample.vessels).get(574300001)?.registration).toBe('CM-90001-TS');
  });

  it('names the path of a bad value', () => {
    const bad = {
      fisheries: {
        rules: { encounter: { maxDistanceM: -1 } },
        vessels: [{ mmsi: 1, name: 'x', lengthM: 10 }],
      },
    };
    expect(() => validateConfigSection('f.yaml', { cloud: bad }, 'cloud', CloudConfig)).toThrow(ConfigError);
    expect(() => validateConfigSection('f.yaml', { cloud: bad }, 'cloud', CloudConfig)).toThrow(
      /\/cloud\/fisheries\//,
    );
  });
});

describe('vessel registry', () => {
  it('rejects duplicate MMSIs and registrations, naming them', () => {
    const v = { registration: 'CM-1-TS', name: 'a', lengthM: 10 };
    expect(
      () =>
        new VesselRegistry([
          { mmsi: 1, ...v },
          { mmsi: 1, ...v, registration: 'CM-2-TS' },
        ]),
    ).toThrow(/\/vessels\/1: MMSI 1 is listed twice/);
    expect(
      () =>
        new VesselRegistry([
          { mmsi: 1, ...v },
          { mmsi: 2, ...v },
        ]),
    ).toThrow(RegistryError);
  });

  it('puts lengths in classes: >= 15 offshore, 12-15 inshore, < 12 coastal', () => {
    const limits = { offshoreMinLengthM: 15, inshoreMinLengthM: 12 };
    expect([20, 15, 14.9, 12, 11.9, 6].map((l) => lengthClassOf(l, limits))).toEqual([
      'offshore',
      'offshore',
      'inshore',
      'inshore',
      'coastal',
      'coastal',
    ]);
  });
});
