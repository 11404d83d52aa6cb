import type { Command } from 'commander';

interface DemoFlags {
  dir: string;
  vessels: string;
  rate: string;
  cameras: string;
  replayHours: string;
  replaySeconds: string;
  httpPort: string;
  config: string;
  instances: string;
}

const positiveNumber = (flag: string, value: string): number => {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0)
    throw new Error(`${flag}: expected a number >= 0, got "${value}"`);
  return parsed;
};

function instanceCount(value: string): number {
  if (value !== '1' && value !== '2') throw new Error(`--instances: expected 1 or 2, got "${value}"`);
  return Number(value);
}

export function register(program: Command): void {
  program
    .command('demo')
    .description(
      'run the whole system on this machine: InfluxDB, cloud, one edge, vessel fleet, IUU scenario replay, cameras with a scripted fire',
    )
    .option('--dir <folder>', 'data folder for InfluxDB, journals, outbox and logs', '.lookout/demo')
    .option(
      '-c, --config <file>',
      'config file whose cloud: and edge: sections the demo starts from',
      'lookout.example.yaml',
    )
    .option('--vessels <n>', 'vessels in the live fleet', '40')
    .option('--rate <n>', 'position reports per second of the live fleet', '20')
    .option('--cameras <n>', 'simulated ONVIF cameras (0 = none, no fire detection)', '4')
    .option('--replay-hours <h>', 'hours of the scripted IUU scenario replayed at start (0 = none)', '20')
    .option('--replay-seconds <s>', 'real seconds the replay takes', '60')
    .option('--http-port <port>', 'preferred HTTP port of the cloud (API and dashboard)', '8080')
    .option(
      '--instances <n>',
      'cloud instances: 1, or 2 = a cluster (a second cloud process, a Redis and a PostgreSQL server the demo starts)',
      '1',
    )
    .action(async (flags: DemoFlags) => {
      const [{ startDemoSystem, demoCounts, bilingual }, { setTimeout: sleep }] = await Promise.all([
        import('./demo-system.js'),
        import('node:timers/promises'),
      ]);
      const say = (line: string) => console.log(`[demo] ${line}`);
      const tell = bilingual(say);
      const bothLanguages = (key: string, params?: Record<string, string | number>) => {
        const lines: string[] = [];
        bilingual((line) => lines.push(line))(key, params);
        return lines;
      };
      const t0 = Date.now();
      const system = await startDemoSystem({
        dir: flags.dir,
        configFile: flags.config,
        vessels: positiveNumber('--vessels', flags.vessels),
        rate: positiveNumber('--rate', flags.rate),
        cameras: positiveNumber('--cameras', flags.cameras),
        replayHours: positiveNumber('--replay-hours', flags.replayHours),
        replaySeconds: positiveNumber('--replay-seconds', flags.replaySeconds),
        ports: {
          http: positiveNumber('--http-port', flags.httpPort),
          mqtt: 1883,
          ws: 8883,
          influx: 8086,
          edgeHttp: 8081,
        },
        say,
        instances: instanceCount(flags.instances),
      });
      const a = system.addresses;
      console.log(
        [
          '',
          ...bothLanguages('demo.running', { s: ((Date.now() - t0) / 1000).toFixed(1) }),
          '',
          `    ${a.dashboard}`,
          '',
          `  vessels (API)     ${a.api}`,
          `  alarms (API)      ${a.api.replace('/vessels', '/alarms?status=active')}`,
          `  fire alerts       ${a.api.replace('/vessels', '/fire/alerts')}`,
          `  API docs          ${a.api.replace('/vessels', '/docs')}   (OpenAPI: ${a.api.replace('/vessels', '/openapi.json')})`,
          `  cloud health      ${a.cloudHealth}     metrics ${a.cloudMetrics}`,
          `  edge health       ${a.edgeHealth}`,
          `  MQTT broker       ${a.mqtt}   (try: npx mqtt sub -h 127.0.0.1 -p ${a.mqtt.split(':').pop()} -t 'lookout/v1/#' -v)`,
          `  AIS into the edge UDP ${a.aisUdp}, TCP ${a.aisTcp}`,
          `  InfluxDB          ${a.influx}   query: ${a.influxQuery}`,
          `  service logs      ${a.logs}/*.log (JSON lines)`,
          ...(a.second
            ? [
                '',
                `  second cloud      ${a.second.dashboard}   MQTT ${a.second.mqtt}   health ${a.second.health}`,
                `  Redis (cluster)   ${a.second.redis}   the edge knows both brokers; /health features.cluster says which leads`,
                `  PostgreSQL        ${a.second.postgres}   both clouds' registry, camera settings and office cases (psql ${a.second.postgres})`,
                '',
                ...bothLanguages('demo.clusterHint'),
              ]
            : []),
          '',
          ...bothLanguages('demo.progressHint'),
          '',
        ].join('\n'),
      );

      let stopping = false;
      const stop = async (signal: string) => {
        if (stopping) process.exit(130);
        stopping = true;
        tell('demo.stopping', { signal });
        await system.stop();
        tell('demo.stopped');
        process.exit(0);
      };
      process.once('SIGINT', () => void stop('SIGINT'));
      process.once('SIGTERM', () => void stop('SIGTERM'));
      void system.replayDone.then((sent) => sent > 0 && !stopping && tell('demo.replayDone', { n: sent }));

      while (!stopping) {
        await sleep(10_000);
        if (stopping) break;
        const counts = await demoCounts(system);
        const health = system.edge.health();
        tell('demo.progress', {
          sent: system.fleet.report().positions,
          points: counts.points,
          vessels: counts.vessels,
          alarms: counts.activeAlarms,
          fires: counts.fireAlerts,
          outbox: health.outbox.messages,
          cameras: health.cameras?.online ?? 0,
        });
      }
    });
}
