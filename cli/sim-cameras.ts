import type { Command } from 'commander';

interface SimCamerasOptions {
  count?: string;
  scenario?: string;
  config?: string;
  host?: string;
  username?: string;
  password?: string;
  fps?: string;
  discovery?: boolean;
  json?: boolean;
}

/** `lookout sim cameras`: joins the `sim` group (created here when the fleet module has not created it). */
export function register(program: Command): void {
  const sim =
    program.commands.find((c) => c.name() === 'sim') ?? program.command('sim').description('simulators');
  registerCameras(sim);
}

export function registerCameras(sim: Command): void {
  sim
    .command('cameras')
    .description(
      'start N simulated ONVIF cameras (RTSP H.264 + JPEG snapshot, WS-Discovery) with scripted fires',
    )
    .option('-n, --count <n>', 'number of cameras (default 4)')
    .option(
      '-s, --scenario <file>',
      'scenario file: fires and distractors per camera (see simulators/cameras/scenarios/demo.yaml)',
    )
    .option('-c, --config <file>', 'YAML config file; its `simulators.cameras` section is used')
    .option('--host <address>', 'address to serve on (default 127.0.0.1)')
    .option('--username <name>', 'camera user name (DEMO default: admin)')
    .option(
      '--password <password>',
      'camera password (DEMO default: demo; shown in `ps`: prefer simulators.cameras.password, which may be ${ENV})',
    )
    .option('--fps <n>', 'frames per second of both streams (default 5)')
    .option('--no-discovery', 'do not answer WS-Discovery probes')
    .option('--json', 'print the camera list as one JSON line')
    .action(async (options: SimCamerasOptions) => {
      const [
        { createLogger, createStderrLogger },
        { readConfigDocument, validateConfigSection },
        { SimulatorsCamerasSection },
        { loadScenario, describeScript },
        { createCameraSimulator },
        { runUntilSignal },
      ] = await Promise.all([
        import('../runtime/logger.js'),
        import('../runtime/config.js'),
        import('../simulators/cameras/config.js'),
        import('../simulators/cameras/scenario.js'),
        import('../simulators/cameras/simulator.js'),
        import('./run.js'),
      ]);
      // With --json, stdout carries only the camera list: logs go to stderr.
      const log = options.json ? createStderrLogger('sim-cameras') : createLogger('sim-cameras');
      const document = options.config ? await readConfigDocument(options.config) : {};
      const section = validateConfigSection(
        options.config ?? '(defaults)',
        document,
        'simulators',
        SimulatorsCamerasSection,
      ).cameras;
      const count = options.count !== undefined ? positiveInt(options.count, '--count') : section.count;
      const scenarioFile = options.scenario ?? section.scenario;
      const simulator = createCameraSimulator({
        count,
        scenario: scenarioFile ? await loadScenario(scenarioFile) : undefined,
        host: options.host ?? section.host,
        username: options.username ?? section.username,
        password: options.password ?? section.password,
        fps: options.fps !== undefined ? positiveInt(options.fps, '--fps') : section.fps,
        discovery: options.discovery === false ? false : section.discovery,
        log,
      });
      await simulator.start();
      const cameras = simulator.info();
      if (options.json) {
        console.log(JSON.stringify({ discoveryPort: simulator.discoveryPort, cameras }));
      } else {
        for (const c of cameras) {
          console.log(
            `${c.id}  ${c.manufacturer} ${c.model} (fw ${c.firmware})  ${describeScript(c)}\n` +
              `  ONVIF device service: ${c.xaddr}   user ${c.username} / password ${c.password} (DEMO)\n` +
              `  RTSP main: ${c.streamUrls.main}   sub: ${c.streamUrls.sub}   (Digest auth)\n` +
              `  snapshot: ${c.snapshotUrl}   (Basic auth)`,
          );
        }
        console.log(
          `WS-Discovery: UDP 3702 multicast ${simulator.multicastJoined ? 'joined' : 'NOT joined'}, unicast probes on 127.0.0.1:${simulator.discoveryPort}. Ctrl-C stops.`,
        );
      }
      await runUntilSignal(simulator, log);
    });
}

function positiveInt(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be a positive integer, got "${text}"`);
  return n;
}
