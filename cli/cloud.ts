import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('cloud')
    .description('run the cloud: MQTT broker (TCP + WebSocket), ingest to InfluxDB, HTTP API with /health and /metrics')
    .option('-c, --config <file>', 'YAML config file; its `cloud:` section is used (defaults when omitted)')
    .action(async (options: { config?: string }) => {
      const [{ createLogger }, { loadConfigSection }, { CloudConfig }, { cloudConfig, createCloud }, { runUntilSignal }] = await Promise.all([
        import('../runtime/logger.js'),
        import('../runtime/config.js'),
        import('../cloud/config.js'),
        import('../cloud/core.js'),
        import('./run.js'),
      ]);
      const { cloudFeatures } = await import('../cloud/features.js');
      const log = createLogger('cloud');
      const config = options.config ? await loadConfigSection(options.config, 'cloud', CloudConfig) : cloudConfig();
      const cloud = createCloud(config, { log, ...cloudFeatures(config) });
      await cloud.start();
      const { mqtt, ws, http } = cloud.addresses;
      log.info(
        { mqtt, ws, http, health: `${http}/health`, metrics: `${http}/metrics`, dashboard: `${http}/`, vessels: `${http}/api/v1/vessels`, alarms: `${http}/api/v1/alarms`, influx: `${config.influx.host}:${config.influx.port}/${config.influx.database}`, dataDir: config.dataDir },
        'cloud running; Ctrl-C stops it',
      );
      await runUntilSignal(cloud, log);
    });
}
