import type { Command } from 'commander';

interface DetectOptions {
  config?: string;
  fps?: string;
  model?: string;
  kind?: string;
  realtime?: boolean;
  threads?: string;
  snapshots?: string;
  camera?: string;
  change?: boolean;
  tiles?: boolean;
}

export function register(program: Command): void {
  program
    .command('detect')
    .argument(
      '<source>',
      'a video file, a folder of images (name order), or a camera URL (rtsp://, http:// MJPEG or snapshot)',
    )
    .description(
      'run the fire/smoke pipeline (frames -> model -> confirmation -> alert lifecycle) on one source without MQTT; prints one JSON line per frame and one per alert event',
    )
    .option(
      '-c, --config <file>',
      'YAML config file; its `edge.fire` section gives model, thresholds and confirmation',
    )
    .option('--fps <n>', 'frames analysed per second of video (default: edge.fire.fps, 0.2)')
    .option('--model <file>', 'ONNX model (its metadata: the same path with .json)')
    .option('--kind <kind>', 'source kind when the URL does not tell: rtsp, mjpeg, snapshot, file, folder')
    .option('--realtime', 'read files at their native rate instead of as fast as possible')
    .option('--threads <n>', 'onnxruntime threads')
    .option('--snapshots <dir>', 'write each alert snapshot (JPEG, boxes drawn) to this folder')
    .option('--camera <id>', 'camera id used in the output', 'replay')
    .option('--no-tiles', 'one whole-frame model pass instead of tiles at analysis resolution')
    .option(
      '--no-change',
      'confirm without the change-over-time check (photos cut together, edited clips: not a fixed camera)',
    )
    .action(async (source: string, options: DetectOptions) => runDetect(source, options));
}

async function runDetect(source: string, options: DetectOptions): Promise<void> {
  const [
    { readConfigDocument, ConfigError },
    { compileSchema },
    { FireConfigSchema },
    { Detector, detectorOptions },
    { CameraPipeline, pipelineSettings },
    { silentLogger, createStderrLogger },
    fs,
    path,
  ] = await Promise.all([
    import('../runtime/config.js'),
    import('../protocols/validation.js'),
    import('../edge/fire/config.js'),
    import('../edge/fire/detector.js'),
    import('../edge/fire/pipeline.js'),
    import('../runtime/logger.js'),
    import('node:fs/promises'),
    import('node:path'),
  ]);
  const document = options.config
    ? ((await readConfigDocument(options.config)) as { edge?: { fire?: unknown } })
    : {};
  const parsed = compileSchema(FireConfigSchema).parseValue(document.edge?.fire ?? {}, '/edge/fire');
  if (!parsed.ok) throw new ConfigError(options.config ?? '(defaults)', parsed.errors);
  const config = parsed.value;
  const number = (value: string | undefined, what: string) => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`${what}: expected a positive number, got "${value}"`);
    return n;
  };
  const m = config.model;
  const detector = await Detector.load({
    ...detectorOptions(m),
    // A model given on the command line brings its own metadata file.
    ...(options.model ? { modelPath: options.model, metadataPath: undefined } : {}),
    threads: number(options.threads, '--threads') ?? m.threads,
  });
  const log = process.env.LOG_LEVEL ? createStderrLogger('detect') : silentLogger();
  const kinds = ['rtsp', 'mjpeg', 'snapshot', 'file', 'folder'] as const;
  const kind = options.kind as (typeof kinds)[number] | undefined;
  if (kind && !kinds.includes(kind))
    throw new Error(`--kind: one of ${kinds.join(', ')}, got "${options.kind}"`);
  if (options.snapshots) await fs.mkdir(options.snapshots, { recursive: true });
  // `lookout detect video.mp4 | head` closes the pipe early: stop quietly.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  const print = (line: object) => process.stdout.write(JSON.stringify(line) + '\n');
  const round = (v: number) => Math.round(v * 10_000) / 10_000;
  const fps = number(options.fps, '--fps') ?? config.fps;
  const replay = kind === 'file' || kind === 'folder' || !/^[a-z]+:\/\//i.test(source);

  await new Promise<void>((resolve, reject) => {
    const pipeline = new CameraPipeline(
      { id: options.camera ?? 'replay', url: source, kind, fps, realtime: options.realtime ?? false },
      detector,
      pipelineSettings({
        ...config,
        tiles: { ...config.tiles, enabled: config.tiles.enabled && options.tiles !== false },
        change: { ...config.change, enabled: config.change.enabled && options.change !== false },
      }),
      {
        onFrame: ({ frame, detections, filtered }) =>
          print({
            type: 'frame',
            frame: frame.index,
            t: round(frame.streamTimeS),
            detections: detections.map((d) => ({
              class: d.className,
              score: round(d.score),
              box: [round(d.box.x1), round(d.box.y1), round(d.box.x2), round(d.box.y2)],
            })),
            ...(filtered ? { filtered } : {}),
          }),
        onAlert: async ({ event, snapshot }) => {
          let file: string | undefined;
          if (snapshot && options.snapshots) {
            file = path.join(options.snapshots, `${event.alertId}-${event.kind}-${event.frame}.jpg`);
            await fs.writeFile(file, snapshot.jpeg);
          }
          print({
            type: 'alert',
            event: event.kind,
            alertId: event.alertId,
            class: event.className,
            confidence: round(event.confidence),
            frame: event.frame,
            t: round((event.atMs - pipeline.startedAtMs) / 1000),
            firstSeenFrame: event.firstSeenFrame,
            firstSeenT: round((event.firstSeenMs - pipeline.startedAtMs) / 1000),
            boxes: event.boxes.map((b) => ({
              class: b.className,
              score: round(b.score),
              box: [round(b.box.x1), round(b.box.y1), round(b.box.x2), round(b.box.y2)],
            })),
            ...(file ? { snapshot: file } : {}),
          });
        },
        onStatus: (_id, status) => {
          if (status.state === 'offline' && status.reason !== 'source ended' && !replay)
            process.stderr.write(`lookout detect: source offline: ${status.reason ?? ''}\n`);
        },
        onEnded: () => {
          pipeline.stop();
          resolve();
        },
        onFailed: (_id, reason) => {
          pipeline.stop();
          reject(new Error(reason.includes(source) ? reason : `source ${source}: ${reason}`));
        },
      },
      log,
    );
    pipeline.start();
    const stop = () => {
      pipeline.stop();
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  }).finally(() => detector.close());
}
