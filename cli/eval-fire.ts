import type { Command } from 'commander';

interface EvalFireOptions {
  config?: string;
  model?: string;
  labels?: string;
  labelClasses: string;
  negative?: boolean;
  positive?: boolean;
  unlabelled: string;
  only?: string;
  exclude?: string;
  iou: string;
  json?: boolean;
  threads?: string;
  progress: boolean;
  tiles?: boolean;
}

/** `lookout eval fire`: joins the `eval` group (created here when no other module has). */
export function register(program: Command): void {
  const group =
    program.commands.find((c) => c.name() === 'eval') ??
    program.command('eval').description('evaluate models on data sets');
  group
    .command('fire')
    .argument(
      '<dir...>',
      'folders of photos (jpg/jpeg/png; a DIR/images sub-folder is used when there is one), one set each',
    )
    .description(
      "run the edge's exact detection on each photo (ffmpeg to analysis resolution, tiles, per-class thresholds, ignore masks and maxBoxArea) and measure it against YOLO labels: box recall per class, image recall, false alarms, precision. Change over time and confirmation need frame sequences: not applied",
    )
    .option(
      '-c, --config <file>',
      'YAML config file; its `edge.fire` section gives model, thresholds, tiles and static filter',
    )
    .option('--model <file>', 'ONNX model (its metadata: the same path with .json)')
    .option('--labels <dir>', 'YOLO label folder, <image stem>.txt (default: DIR/labels when it exists)')
    .option('--label-classes <names>', 'names of the YOLO class ids 0,1,... in the label files', 'smoke')
    .option('--negative', 'the set has no fire or smoke: every detection is a false alarm')
    .option('--positive', 'every image shows fire or smoke but has no boxes: image recall only')
    .option(
      '--unlabelled <how>',
      'an image without a label file: negative (no boxes) or skip (not labelled, left out)',
      'negative',
    )
    .option(
      '--only <file>',
      'evaluate only these images: text (one name a line), JSON list, or a split file with #part or #set/part (e.g. models/train/tiles-split.json#eval)',
    )
    .option('--exclude <file>', 'leave these images out (same formats as --only)')
    .option('--iou <n>', 'IoU at which a detection finds a labelled box', '0.3')
    .option('--json', 'print one JSON object with per-set and per-image results instead of the text report')
    .option('--threads <n>', 'onnxruntime threads')
    .option(
      '--no-tiles',
      'one whole-frame model pass per photo (letterboxed to the model input) instead of tiles at analysis resolution',
    )
    .option('--no-progress', 'no N/M progress on stderr')
    .action(async (dirs: string[], options: EvalFireOptions) => runEvalFire(dirs, options));
}

async function runEvalFire(dirs: string[], options: EvalFireOptions): Promise<void> {
  const [
    { readConfigDocument, ConfigError },
    { compileSchema },
    { FireConfigSchema },
    { Detector, detectorOptions },
    { FireTracker },
    ev,
    photos,
    fs,
    path,
  ] = await Promise.all([
    import('../runtime/config.js'),
    import('../protocols/validation.js'),
    import('../edge/fire/config.js'),
    import('../edge/fire/detector.js'),
    import('../edge/fire/tracker.js'),
    import('../edge/fire/evaluate.js'),
    import('../edge/fire/eval-photos.js'),
    import('node:fs/promises'),
    import('node:path'),
  ]);
  if (options.negative && options.positive) throw new Error('--negative and --positive exclude each other');
  if (options.unlabelled !== 'negative' && options.unlabelled !== 'skip')
    throw new Error(`--unlabelled: negative or skip, got "${options.unlabelled}"`);
  const matchIou = Number(options.iou);
  if (!Number.isFinite(matchIou) || matchIou <= 0 || matchIou > 1)
    throw new Error(`--iou: a number in (0, 1], got "${options.iou}"`);
  const labelClasses = options.labelClasses.split(',').map((s) => s.trim());
  if (labelClasses.some((c) => !c))
    throw new Error(`--label-classes: comma-separated names, got "${options.labelClasses}"`);
  let threads: number | undefined;
  if (options.threads !== undefined) {
    threads = Number(options.threads);
    if (!Number.isInteger(threads) || threads < 1)
      throw new Error(`--threads: a positive integer, got "${options.threads}"`);
  }

  const document = options.config
    ? ((await readConfigDocument(options.config)) as { edge?: { fire?: unknown } })
    : {};
  const parsed = compileSchema(FireConfigSchema).parseValue(document.edge?.fire ?? {}, '/edge/fire');
  if (!parsed.ok) throw new ConfigError(options.config ?? '(defaults)', parsed.errors);
  const config = parsed.value;

  const readList = async (spec: string, dir: string) => {
    const hash = spec.lastIndexOf('#');
    const file = hash > 0 ? spec.slice(0, hash) : spec;
    const text = await fs.readFile(file, 'utf8').catch((error: Error) => {
      throw new Error(`${file}: cannot read (${error.message})`);
    });
    return ev.parseNameList(text, file, {
      selector: hash > 0 ? spec.slice(hash + 1) : undefined,
      setCandidates: ev.setNameCandidates(path.resolve(dir)),
    });
  };
  const sets: import('../edge/fire/eval-photos.js').PhotoSet[] = [];
  for (const dir of dirs) {
    const info = await fs.stat(dir).catch(() => undefined);
    if (!info?.isDirectory()) throw new Error(`${dir}: not a folder`);
    const imagesDir = await photos.imagesFolder(dir);
    const labelsDir = options.labels ?? path.join(dir, 'labels');
    const hasLabels = (await fs.stat(labelsDir).catch(() => undefined))?.isDirectory() ?? false;
    const mode = options.negative ? 'negative' : options.positive ? 'positive' : 'labels';
    if (mode === 'labels' && !hasLabels)
      throw new Error(
        `${dir}: no label folder ${labelsDir}: give --labels DIR, or --negative / --positive for a set without boxes`,
      );
    sets.push({
      dir,
      imagesDir,
      ...(mode === 'labels' ? { labelsDir } : {}),
      mode,
      labelClasses,
      unlabelled: options.unlabelled,
      ...(options.only ? { only: await readList(options.only, dir) } : {}),
      ...(options.exclude ? { exclude: await readList(options.exclude, dir) } : {}),
    });
  }

  const m = config.model;
  const detector = await Detector.load({
    ...detectorOptions(m),
    // A model given on the command line brings its own metadata file.
    ...(options.model ? { modelPath: options.model, metadataPath: undefined } : {}),
    threads: threads ?? m.threads,
  });
  try {
    const info = detector.info;
    const tiling = config.tiles.enabled && options.tiles !== false ? config.tiles : null;
    const tracker = new FireTracker('eval', config.confirmation);
    const settings = {
      model: info.modelPath,
      modelName: info.name,
      inputSize: `${info.inputWidth}x${info.inputHeight}`,
      thresholds: info.thresholds,
      nmsIou: info.iou,
      matchIou,
      tiling: tiling
        ? `on: frames at most ${tiling.analysisMaxWidth} px wide (never upscaled), tiles ${info.inputWidth}x${info.inputHeight} at 1:1, overlap ${tiling.overlap}, whole-frame pass ${tiling.wholeFrame ? 'on' : 'off'}`
        : `off: each photo letterboxed to ${info.inputWidth}x${info.inputHeight}`,
      staticFilter: `maxBoxArea ${config.confirmation.maxBoxArea}, ${config.confirmation.ignoreMasks.length} ignore mask(s)`,
      labelClasses,
    };
    const out: Array<{
      name: string;
      dir: string;
      mode: string;
      notes: string[];
      metrics: ReturnType<typeof ev.summarise>;
      images: unknown[];
    }> = [];
    const progress = options.progress;
    for (const set of sets) {
      const { entries, notes } = await photos.listPhotos(set);
      for (const note of notes) process.stderr.write(`lookout eval fire: ${set.dir}: ${note}\n`);
      let last = 0;
      const results = await photos.evaluatePhotos(detector, entries, {
        tiling,
        filter: (d) => tracker.filter(d),
        matchIou,
        onProblem: (message) => process.stderr.write(`lookout eval fire: ${message}\n`),
        onProgress: (done, total) => {
          if (!progress || (done < total && Date.now() - last < 1000)) return;
          last = Date.now();
          process.stderr.write(`lookout eval fire: ${set.dir}: ${done}/${total} images\n`);
        },
      });
      const metrics = ev.summarise(results, labelClasses);
      out.push({
        name: set.dir,
        dir: path.resolve(set.dir),
        mode: set.mode,
        notes,
        metrics,
        images: results.map(roundResult),
      });
      if (!options.json)
        process.stdout.write(
          `${ev.formatSetReport(set.dir, metrics, settings)}\n${notes.map((n) => `note                 ${n}\n`).join('')}\n`,
        );
    }
    if (options.json) {
      process.stdout.write(
        `${JSON.stringify({
          settings: {
            ...settings,
            notApplied: ['change over time', 'confirmation window'],
            reason: 'single photos: both need a sequence of frames from a fixed camera',
          },
          sets: out,
        })}\n`,
      );
    }
  } finally {
    await detector.close();
  }
}

const round = (v: number) => Math.round(v * 10_000) / 10_000;
const roundBox = (b: { x1: number; y1: number; x2: number; y2: number }) => [
  round(b.x1),
  round(b.y1),
  round(b.x2),
  round(b.y2),
];

/** Per-image JSON: boxes as [x1, y1, x2, y2] in frame units, rounded. */
function roundResult(r: import('../edge/fire/evaluate.js').ImageResult): object {
  return {
    file: r.file,
    truth: r.truth,
    ...(r.width ? { width: r.width, height: r.height } : {}),
    ...(r.ms !== undefined ? { ms: Math.round(r.ms * 10) / 10 } : {}),
    detections: r.detections.map((d, i) => ({
      class: d.className,
      score: round(d.score),
      box: roundBox(d.box),
      ...(r.match?.correct[i] !== undefined
        ? { correct: r.match.correct[i], correctAnyClass: r.match.correctAnyClass[i] }
        : {}),
    })),
    ...(r.filtered ? { filtered: r.filtered } : {}),
    ...(r.match?.labels.length
      ? {
          labels: r.match.labels.map((l) => ({
            class: l.className,
            box: roundBox(l.box),
            line: l.line,
            found: l.found,
            foundAnyClass: l.foundAnyClass,
            bestIou: round(l.bestIou),
          })),
        }
      : {}),
    ...(r.error ? { error: r.error } : {}),
    ...(r.labelProblems?.length ? { labelProblems: r.labelProblems.map((p) => p.message) } : {}),
  };
}
