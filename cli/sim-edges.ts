import type { Command } from 'commander';

interface SimEdgesOptions {
  config?: string;
  count?: string;
  url?: string[];
  seed?: string;
  duration?: string;
  positions?: string;
  rate?: string;
  vessels?: string;
  receivers?: string;
  batchInterval?: string;
  healthInterval?: string;
  fireRate?: string;
  churn?: string;
  down?: string;
  rampUp?: string;
  queueMax?: string;
  maxInFlight?: string;
  idPrefix?: string;
  username?: string;
  password?: string;
  anonymous?: boolean;
  progress?: string;
  json?: boolean;
  printCloudUsers?: boolean;
  cloudMetrics?: string;
}

/** `lookout sim edges`: joins the `sim` group (created here when no other simulator module created it yet). */
export function register(program: Command): void {
  const sim =
    program.commands.find((c) => c.name() === 'sim') ?? program.command('sim').description('simulators');
  registerEdges(sim);
}

export function registerEdges(sim: Command): void {
  sim
    .command('edges')
    .description(
      'run N simulated edge gateways against a cloud broker (load): births and last wills, health, vessel position batches, fire alerts, churn',
    )
    .option(
      '-c, --config <file>',
      'YAML config file; its `simulators.edges` section is used (flags override it); `credentials.source: cloud` reads `cloud.mqtt.users` from it',
    )
    .option('-n, --count <n>', 'number of simulated edges (default 10)')
    .option(
      '-u, --url <url>',
      'cloud MQTT broker, e.g. mqtt://127.0.0.1:1883; repeat it for several (a cluster): edge i starts on the (i mod n)-th and moves to the next when its connection fails',
      (url: string, previous: string[] | undefined) => [...(previous ?? []), url],
    )
    .option('-s, --seed <n>', 'random seed: the same seed gives the same vessels (default 1)')
    .option('-d, --duration <seconds>', 'stop after this many seconds (default: until Ctrl-C)')
    .option(
      '--positions <n>',
      'each edge reports exactly n positions of its own vessels; the run ends when all are delivered',
    )
    .option('-r, --rate <n>', 'position reports per second per edge (default 2)')
    .option('--vessels <n>', 'vessels per edge (default 10)')
    .option('--receivers <k>', 'overlapping receivers: each vessel report is heard by k edges (default 1)')
    .option(
      '--batch-interval <ms>',
      'a position batch goes when its oldest position waited this long (default 1000)',
    )
    .option('--health-interval <seconds>', 'EdgeHealth every this many seconds (0 = never; default 30)')
    .option('--fire-rate <n>', 'fire alerts per edge per hour (default 0)')
    .option('--churn <n>', 'connection drops per edge per hour (socket cut, last will fires; default 0)')
    .option('--down <min-max>', 'seconds a dropped edge stays down, e.g. 1-10')
    .option('--ramp-up <seconds>', 'spread the connections over this many seconds (default 5)')
    .option(
      '--queue-max <n>',
      'messages each edge holds while disconnected (oldest position batch dropped beyond; default 1000)',
    )
    .option('--max-in-flight <n>', 'unacknowledged QoS 1 messages per edge (default 16)')
    .option('--id-prefix <prefix>', 'edge ids are prefix + number (default sim-edge-)')
    .option(
      '--username <template>',
      'MQTT user name, {edgeId} and {index} replaced per edge (implies credentials.source template)',
    )
    .option(
      '--password <template>',
      'MQTT password, {edgeId} and {index} replaced per edge (implies credentials.source template)',
    )
    .option('--anonymous', 'connect without credentials, whatever the config says')
    .option('--progress <seconds>', 'progress line on stderr every this many seconds (0 = none; default 5)')
    .option(
      '--cloud-metrics <url>',
      "the cloud's /metrics, e.g. http://127.0.0.1:8080/metrics: the summary adds what the cloud refused during the run",
    )
    .option('--json', 'print the final summary as one JSON line')
    .option(
      '--print-cloud-users',
      'print the cloud.mqtt.users entries (YAML) that accept these edges, and exit',
    )
    .action(async (options: SimEdgesOptions) => {
      const [
        { createStderrLogger },
        { stringify },
        {
          loadEdgeFleetDocument,
          edgeFleetConfig,
          checkEdgeFleetConfig,
          edgeIdentities,
          cloudUsersFor,
          brokerUrlProblem,
        },
        { createEdgeFleetSimulator, describeSummary },
        { runUntilSignal },
      ] = await Promise.all([
        import('../runtime/logger.js'),
        import('yaml'),
        import('../simulators/edges/config.js'),
        import('../simulators/edges/edge-fleet.js'),
        import('./run.js'),
      ]);
      for (const url of options.url ?? []) {
        const problem = brokerUrlProblem(url);
        if (problem) throw new Error(`--url "${url}" ${problem}`);
      }
      const { file, document } = await loadEdgeFleetDocument(options.config);
      const config = checkEdgeFleetConfig(
        applyFlags(edgeFleetConfig(file, document), options),
        `${file} with the command-line flags`,
      );
      const identities = edgeIdentities(config, document, file);
      if (options.printCloudUsers) {
        const users = cloudUsersFor(identities);
        process.stdout.write(
          users.length
            ? stringify({ cloud: { mqtt: { users } } })
            : '# anonymous edges: the cloud needs no users (cloud.mqtt.users: [])\n',
        );
        return;
      }
      // stdout carries only the summary: logs and progress go to stderr.
      const log = createStderrLogger('sim-edges');
      const sim = createEdgeFleetSimulator({ ...config, identities, log });
      await sim.start();
      log.info(
        { edges: identities.length, urls: sim.urls, auth: config.credentials.source },
        'edge fleet running; Ctrl-C stops it',
      );
      await Promise.race([sim.done, runUntilSignal(sim, log)]);
      await sim.stop();
      const summary = sim.summary();
      process.stdout.write(options.json ? `${JSON.stringify(summary)}\n` : `${describeSummary(summary)}\n`);
      if (summary.invalid > 0 || summary.refused > 0 || (summary.cloud?.invalidPayloads ?? 0) > 0)
        process.exitCode = 1;
      // The summary is out: a saturated broker slow to close thousands of sockets must not hold the process.
      setTimeout(() => process.exit(), 3000).unref();
    });
}

type Config = ReturnType<typeof import('../simulators/edges/config.js').edgeFleetConfig>;

/** Flags override the config section; each is checked here so a typo names the flag. */
function applyFlags(config: Config, options: SimEdgesOptions): Config {
  const result: Config = { ...config, churn: { ...config.churn }, credentials: { ...config.credentials } };
  const set = <K extends keyof Config>(key: K, value: Config[K] | undefined) => {
    if (value !== undefined) result[key] = value;
  };
  set('count', integer('--count', options.count, 1));
  if (options.url !== undefined) {
    // Flags replace the file's brokers: one --url is `url`, several are `urls`.
    result.url = options.url[0]!;
    if (options.url.length > 1) result.urls = options.url;
    else delete result.urls;
  }
  set('seed', integer('--seed', options.seed));
  set('durationS', number('--duration', options.duration));
  set('positionsPerEdge', integer('--positions', options.positions, 0));
  set('positionsPerSecond', number('--rate', options.rate));
  set('vesselsPerEdge', integer('--vessels', options.vessels, 1));
  set('receiversPerVessel', integer('--receivers', options.receivers, 1));
  set('batchIntervalMs', integer('--batch-interval', options.batchInterval, 1));
  set('healthIntervalS', number('--health-interval', options.healthInterval));
  set('fireAlertsPerHour', number('--fire-rate', options.fireRate));
  set('rampUpS', number('--ramp-up', options.rampUp));
  set('queueMaxMessages', integer('--queue-max', options.queueMax, 1));
  set('maxInFlight', integer('--max-in-flight', options.maxInFlight, 1));
  set('idPrefix', options.idPrefix);
  set('progressIntervalS', number('--progress', options.progress));
  set('cloudMetricsUrl', options.cloudMetrics);
  const churn = number('--churn', options.churn);
  if (churn !== undefined) result.churn.dropsPerHour = churn;
  if (options.down !== undefined) {
    const match = /^(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)$/.exec(options.down);
    if (!match || Number(match[1]) > Number(match[2]))
      throw new Error(`--down: expected <min>-<max> seconds, e.g. 1-10, got "${options.down}"`);
    result.churn.downMinS = Number(match[1]);
    result.churn.downMaxS = Number(match[2]);
  }
  if (options.username !== undefined || options.password !== undefined) {
    result.credentials = {
      ...result.credentials,
      source: 'template',
      username: options.username ?? result.credentials.username,
      password: options.password ?? result.credentials.password,
    };
  }
  if (options.anonymous) result.credentials.source = 'none';
  return result;
}

function number(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed) || parsed < 0)
    throw new Error(`${flag}: expected a number >= 0, got "${value}"`);
  return parsed;
}

function integer(
  flag: string,
  value: string | undefined,
  minimum = Number.MIN_SAFE_INTEGER,
): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isInteger(parsed) || parsed < minimum)
    throw new Error(
      `${flag}: expected an integer${minimum > Number.MIN_SAFE_INTEGER ? ` >= ${minimum}` : ''}, got "${value}"`,
    );
  return parsed;
}
