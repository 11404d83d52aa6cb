import { alarmsFeature, type AlarmsFeature } from '../../cloud/alarms/feature.js';
import { cloudConfig, createCloud, type Cloud, type CloudFeature } from '../../cloud/core.js';
import { fisheriesFeature, type FisheriesFeature } from '../../cloud/fisheries/feature.js';
import { officeFeature, type OfficeFeature } from '../../cloud/office/feature.js';
import { registryFeature } from '../../cloud/registry/feature.js';
import { capturingLogger, removeDir, tempDir } from './cloud-fixtures.js';
import { startTestInfluxd, type TestInfluxd } from './influxd.js';
import type { TestScope } from './scope.js';

export interface OfficeCloud {
  cloud: Cloud;
  influx: TestInfluxd;
  alarms: AlarmsFeature;
  fisheries: FisheriesFeature;
  office: OfficeFeature;
}

/**
 * A real cloud with the fisheries office's features (the registry on PGlite in a temporary folder, alarms,
 * fisheries, office) and `extra` ones (the dashboard), on free ports over a test influxd; all stopped with the
 * scope. `clock`: one simulated clock for every feature.
 */
export async function startOfficeCloud(
  scope: TestScope,
  { database, clock, extra = [] }: { database: string; clock?: () => number; extra?: CloudFeature[] },
): Promise<OfficeCloud> {
  const influx = await scope.use(startTestInfluxd(), (started) => started.cleanup());
  const dataDir = await scope.use(tempDir(database), removeDir);
  const config = cloudConfig({
    mqtt: { port: 0, wsPort: 0 },
    http: { port: 0 },
    influx: { host: influx.influxd.host, port: influx.influxd.port, database },
    ingest: { batchSize: 500, flushIntervalMs: 50 },
    buffer: { fsync: 'never' },
    dataDir,
    fisheries: { tickIntervalS: 3600 },
    office: { tickIntervalS: 3600 },
  });
  const withClock = clock ? { clock } : {};
  const registry = registryFeature(withClock);
  const alarms = alarmsFeature(withClock);
  const fisheries = fisheriesFeature(config.fisheries, { alarms, registry, ...withClock });
  const office = officeFeature({ registry, fisheries, alarms, ...withClock });
  const cloud = createCloud(config, {
    log: capturingLogger('warn').log,
    features: [registry, alarms, fisheries, office, ...extra],
  });
  await scope.use(cloud.start(), () => cloud.stop());
  return { cloud, influx, alarms, fisheries, office };
}
