import type { Command } from 'commander';

interface SimFleetOptions {
  config?: string;
  vessels?: string;
  rate?: string;
  udp?: string;
  tcp?: string;
  seed?: string;
  duration?: string;
  maxPositions?: string;
  staticInterval?: string;
  tagBlock?: string;
  timeScale?: string;
  report?: string;
}

/**
 * `lookout sim ...`: the simulators group. Each simulator adds its subcommand to the same group, created by
 * whichever module registers first (see `simGroup`).
 */
export function register(program: Command): void {
  registerFleet(simGroup(program));
}

export function simGroup(program: Command): Command {
  return program.commands.find((c) => c.name() === 'sim') ?? program.command('sim').description('simulators');
}

const number = (flag: string, value: string | undefined): number | undefined => {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isFinite(parsed)) throw new Error(`${flag}: expected a number, got "${value}"`);
  return parsed;
};

export function registerFleet(sim: Command): void {
  sim
    .command('fleet')
    .description(
      'simulate N fishing vessels around Ca Mau sending AIS (types 1/2/3/18 and two-part 5) to an edge over UDP or TCP',
    )
    .option(
      '-c, --config <file>',
      'YAML config file; its `simulators.fleet` section is used (flags override it)',
    )
    .option('-n, --vessels <n>', 'number of vessels (default 20)')
    .option('-r, --rate <n>', 'position reports per second for the whole fleet (default 10)')
    .option('--udp <host:port>', 'send over UDP to the edge (default 127.0.0.1:10110)')
    .option('--tcp <host:port>', 'send over TCP to the edge (the edge listens)')
    .option('-s, --seed <n>', 'random seed: the same seed gives the same fleet and tracks (default 1)')
    .option('-d, --duration <seconds>', 'stop after this many seconds (default: until Ctrl-C)')
    .option('--max-positions <n>', 'stop after exactly this many position reports')
    .option(
      '--static-interval <seconds>',
      'type 5 per class A vessel every this many simulated seconds (0 = never; default 360)',
    )
    .option(
      '--tag-block <ms|s|off>',
      'NMEA 4.0 tag block with the report time: ms (unique per report), s, or off (default ms)',
    )
    .option('--time-scale <x>', 'simulated time runs x times faster than real time (default 1)')
    .option(
      '--report <file>',
      'write the exact report (counts per vessel and every position sent) as JSON to this file',
    )
    .action(async (options: SimFleetOptions) => {
      if (options.udp && options.tcp) throw new Error('give either --udp or --tcp, not both');
      const [
        { writeFile },
        { createStderrLogger },
        { loadFleetConfig },
        { createFleetSimulator },
        { WallClock },
        { parseHostPort },
        { runUntilSignal },
      ] = await Promise.all([
        import('node:fs/promises'),
        import('../runtime/logger.js'),
        import('../simulators/fleet/config.js'),
        import('../simulators/fleet/fleet.js'),
        import('../simulators/fleet/clock.js'),
        import('../simulators/fleet/transport.js'),
        import('./run.js'),
      ]);
      const config = await loadFleetConfig(options.config);
      const target = options.tcp
        ? parseHostPort(options.tcp, 'tcp')
        : options.udp
          ? parseHostPort(options.udp, 'udp')
          : { protocol: config.protocol, host: config.host, port: config.port };
      const tagBlock = options.tagBlock ?? config.tagBlock;
      if (!['ms', 's', 'off'].includes(tagBlock))
        throw new Error(`--tag-block: expected ms, s or off, got "${tagBlock}"`);
      // stdout carries the summary at the end: logs go to stderr.
      const log = createStderrLogger('sim-fleet');
      const sim = createFleetSimulator({
        vessels: number('--vessels', options.vessels) ?? config.vessels,
        rate: number('--rate', options.rate) ?? config.rate,
        seed: number('--seed', options.seed) ?? config.seed,
        durationS: number('--duration', options.duration) ?? config.durationS,
        maxPositions: number('--max-positions', options.maxPositions),
        staticIntervalS: number('--static-interval', options.staticInterval) ?? config.staticIntervalS,
        tagBlock: tagBlock === 'off' ? false : { source: 'lookout-sim', unit: tagBlock as 'ms' | 's' },
        clock: new WallClock(number('--time-scale', options.timeScale) ?? config.timeScale),
        classBShare: config.classBShare,
        recordPositions: options.report !== undefined,
        target,
        log,
      });
      await sim.start();
      log.info(
        { vessels: sim.fleet.vessels.length, target: `${target.protocol}://${target.host}:${target.port}` },
        'fleet simulator running; Ctrl-C stops it',
      );
      await Promise.race([sim.done, runUntilSignal(sim, log)]);
      await sim.stop();
      const report = sim.report();
      if (options.report) await writeFile(options.report, JSON.stringify(report, null, 1));
      const { log: _positions, ...summary } = report;
      process.stdout.write(`${JSON.stringify(summary)}\n`);
    });
}
