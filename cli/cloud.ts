import type { Command } from 'commander';

export function register(program: Command): void {
  const cloud = program
    .command('cloud')
    .description(
      'run the cloud: MQTT broker (TCP + WebSocket), ingest to InfluxDB, HTTP API with /health and /metrics',
    )
    .option('-c, --config <file>', 'YAML config file; its `cloud:` section is used (defaults when omitted)')
    .action(async (options: { config?: string }) => {
      const [{ createLogger }, { loadCloudConfig }, { cloudConfig, createCloud }, { runUntilSignal }] =
        await Promise.all([
          import('../runtime/logger.js'),
          import('../cloud/config.js'),
          import('../cloud/core.js'),
          import('./run.js'),
        ]);
      const { cloudFeatures } = await import('../cloud/features.js');
      const log = createLogger('cloud');
      const config = options.config ? await loadCloudConfig(options.config) : cloudConfig();
      const cloud = createCloud(config, { log, features: cloudFeatures(config) });
      await cloud.start();
      const { mqtt, ws, http } = cloud.addresses;
      log.info(
        {
          mqtt,
          ws,
          http,
          health: `${http}/health`,
          metrics: `${http}/metrics`,
          dashboard: `${http}/`,
          vessels: `${http}/api/v1/vessels`,
          alarms: `${http}/api/v1/alarms`,
          influx: `${config.influx.host}:${config.influx.port}/${config.influx.database}`,
          dataDir: config.dataDir,
        },
        'cloud running; Ctrl-C stops it',
      );
      await runUntilSignal(cloud, log);
    });
  cloud
    .command('hash-password')
    .description(
      'print a scrypt hash for cloud.http.operators[].passwordHash; reads the password from stdin (one line), not from the command line',
    )
    .action(async () => {
      const { hashPassword } = await import('../cloud/http/auth.js');
      const { text } = await import('node:stream/consumers');
      if (process.stdin.isTTY) process.stderr.write('password (input is shown; or pipe it in): ');
      const password = (await text(process.stdin)).split(/\r?\n/)[0] ?? '';
      if (!password) {
        process.stderr.write('hash-password: no password on stdin\n');
        process.exitCode = 2;
        return;
      }
      process.stdout.write(`${await hashPassword(password)}\n`);
    });
}
