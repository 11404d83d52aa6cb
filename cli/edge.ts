import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('edge')
    .description(
      'run an edge gateway: AIS over UDP/TCP -> decode -> disk outbox -> MQTT (QoS 1) to the cloud, /health and /metrics',
    )
    .option('-c, --config <file>', 'YAML config file; its `edge:` section is used (defaults when omitted)')
    .action(async (options: { config?: string }) => {
      const [{ createLogger }, { edgeConfig, loadEdgeConfig }, { createEdge }, { runUntilSignal }] =
        await Promise.all([
          import('../runtime/logger.js'),
          import('../edge/config.js'),
          import('../edge/core.js'),
          import('./run.js'),
        ]);
      const config = options.config ? await loadEdgeConfig(options.config) : edgeConfig();
      const log = createLogger('edge');
      // Loaded only here: fire detection brings the ONNX runtime.
      const { edgeFeatures } = await import('../edge/features.js');
      const edge = createEdge(config, { log, features: edgeFeatures(config) });
      await edge.start();
      const { udp, tcp } = edge.ports;
      log.info(
        {
          edgeId: config.edgeId,
          mqtt: config.mqtt.url,
          aisUdp: udp === undefined ? 'off' : `${config.ais.udp.host}:${udp}`,
          aisTcp: tcp === undefined ? 'off' : `${config.ais.tcp.host}:${tcp}`,
          health: `${edge.httpAddress}/health`,
          metrics: `${edge.httpAddress}/metrics`,
          outbox: config.outbox.dir,
        },
        'edge running; Ctrl-C stops it',
      );
      await runUntilSignal(edge, log);
    });
}
