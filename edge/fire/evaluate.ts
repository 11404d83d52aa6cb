/**
 * Evaluating the detector on labelled photos (`lookout eval fire`): YOLO label files, image sniffing, name lists
 * (plain lists and the training split file), matching detections to labelled boxes, and the figures of a set.
 * Pure functions; eval-photos.ts runs the edge's detection on the images.
 */
import { iou, type Box } from './tensor.js';

/** A labelled box in frame units (0..1), with its class name and the line of the label file it came from. */
export interface LabelBox {
  className: string;
  box: Box;
  line: number;
}

export interface LabelProblem {
  line: number;
  message: string;
}

/**
 * YOLO label text: one `class cx cy w h` line per box, all four numbers normalised to the image, (cx, cy) the
 * centre. `classNames[i]` names class id i. Blank lines are skipped; a malformed line is reported and skipped.
 */
export function parseYoloLabels(
  text: string,
  classNames: readonly string[],
): { boxes: LabelBox[]; problems: LabelProblem[] } {
  const boxes: LabelBox[] = [];
  const problems: LabelProblem[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    const content = raw.trim();
    if (!content) return;
    const fields = content.split(/\s+/);
    if (fields.length !== 5)
      return problems.push({
        line,
        message: `expected 5 fields "class cx cy w h", got ${fields.length}: "${content}"`,
      });
    const [id, ...rest] = fields;
    const numbers = rest.map(Number);
    if (!/^\d+$/.test(id!))
      return problems.push({ line, message: `class id "${id}" is not a non-negative integer` });
    const classId = Number(id);
    if (classId >= classNames.length)
      return problems.push({
        line,
        message: `class id ${classId} has no name (--label-classes names ${classNames.length}: ${classNames.join(', ')})`,
      });
    if (numbers.some((n) => !Number.isFinite(n)))
      return problems.push({ line, message: `not a number in "${content}"` });
    const [cx, cy, w, h] = numbers as [number, number, number, number];
    if (w <= 0 || h <= 0 || cx < 0 || cx > 1 || cy < 0 || cy > 1 || w > 1.001 || h > 1.001) {
      return problems.push({
        line,
        message: `box outside 0..1 or empty (normalised cx cy w h expected): "${content}"`,
      });
    }
    const clip = (v: number) => Math.min(1, Math.max(0, v));
    boxes.push({
      className: classNames[classId]!,
      line,
      box: { x1: clip(cx - w / 2), y1: clip(cy - h / 2), x2: clip(cx + w / 2), y2: clip(cy + h / 2) },
    });
    return undefined;
  });
  return { boxes, problems };
}

/** The image format from the first bytes (some `.jpg` files are PNG): undefined when neither JPEG nor PNG. */
export function sniffImage(head: Uint8Array): 'jpeg' | 'png' | undefined {
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'jpeg';
  const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (head.length >= 8 && png.every((b, i) => head[i] === b)) return 'png';
  return undefined;
}

export const IMAGE_NAME = /\.(jpe?g|png)$/i;

/**
 * Image names from a list file: a JSON array of names, a JSON object with an `images` array, the training split
 * file (`{ sets: { <set>: { <part>: [names] } } }`, select with `#part` or `#set/part` after the file name, the set
 * otherwise guessed from the folder), or plain text with one name per line (`#` comments). Only the file name of
 * each entry counts (folders are ignored).
 */
export function parseNameList(
  text: string,
  source: string,
  options: { selector?: string; setCandidates?: string[] } = {},
): Set<string> {
  const base = (name: string) => name.split(/[\\/]/).pop()!;
  const fromArray = (value: unknown, where: string): Set<string> => {
    if (!Array.isArray(value) || value.some((v) => typeof v !== 'string'))
      throw new Error(`${where}: expected a list of file names`);
    return new Set((value as string[]).map(base));
  };
  const trimmed = text.trim();
  if (!trimmed.startsWith('[') && !trimmed.startsWith('{')) {
    if (options.selector)
      throw new Error(
        `${source}: "#${options.selector}" selects a part of a split file, but this is a plain list`,
      );
    return new Set(
      text
        .split(/\r?\n/)
        .map((l) => l.replace(/#.*$/, '').trim())
        .filter(Boolean)
        .map(base),
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${source}: not valid JSON (${(error as Error).message})`);
  }
  if (Array.isArray(json)) return fromArray(json, source);
  const object = json as { images?: unknown; sets?: Record<string, Record<string, unknown>> };
  if (object.images !== undefined && !options.selector) return fromArray(object.images, `${source}: images`);
  if (!object.sets || typeof object.sets !== 'object')
    throw new Error(
      `${source}: expected a list of names, { "images": [...] } or a split file { "sets": { set: { part: [...] } } }`,
    );
  const sets = object.sets;
  if (!options.selector)
    throw new Error(
      `${source}: a split file: say which part, e.g. ${source}#eval (parts: ${partsOf(sets).join(', ')})`,
    );
  const [first, second] = options.selector.split('/');
  let setName: string | undefined;
  let part: string;
  if (second !== undefined) {
    setName = first;
    part = second;
  } else {
    part = first!;
    setName = (options.setCandidates ?? []).find((c) => sets[c] !== undefined);
    if (!setName)
      throw new Error(
        `${source}: none of the sets ${Object.keys(sets).join(', ')} is this folder (tried ${(options.setCandidates ?? []).join(', ')}); use #set/${part}`,
      );
  }
  const set = sets[setName!];
  if (!set) throw new Error(`${source}: no set "${setName}" (sets: ${Object.keys(sets).join(', ')})`);
  if (set[part] === undefined)
    throw new Error(
      `${source}: set ${setName} has no part "${part}" (parts: ${Object.keys(set).join(', ')})`,
    );
  return fromArray(set[part], `${source}#${setName}/${part}`);
}

function partsOf(sets: Record<string, Record<string, unknown>>): string[] {
  return [...new Set(Object.values(sets).flatMap((s) => Object.keys(s ?? {})))];
}

/** Names a folder may have in a split file: `et760`, and `cair-fire` for `cair/fire` (an `images/` level skipped). */
export function setNameCandidates(dir: string): string[] {
  const parts = dir.split(/[\\/]/).filter(Boolean);
  if (parts.at(-1) === 'images') parts.pop();
  const last = parts.at(-1) ?? '';
  const parent = parts.at(-2);
  return parent ? [last, `${parent}-${last}`, `${parent}/${last}`] : [last];
}

/**
 * What is known of an image: `boxes` (a label file, possibly empty, or none in a labelled set: no boxes),
 * `negative` (a set without fire or smoke) or `positive` (fire or smoke somewhere, no boxes: image level only).
 */
export type Truth = { kind: 'boxes'; boxes: LabelBox[] } | { kind: 'negative' } | { kind: 'positive' };

export interface ScoredDetection {
  className: string;
  score: number;
  box: Box;
}

export interface LabelMatch {
  className: string;
  box: Box;
  line: number;
  /** A detection of its class overlaps it at IoU >= the threshold. */
  found: boolean;
  /** A detection of any class does. */
  foundAnyClass: boolean;
  /** Best IoU with a detection of its class (0 when none). */
  bestIou: number;
}

export interface ImageMatch {
  labels: LabelMatch[];
  /** Per detection: overlaps a labelled box of its class (undefined: cannot be judged, image level only). */
  correct: Array<boolean | undefined>;
  correctAnyClass: Array<boolean | undefined>;
}

/**
 * A labelled box is found when a detection of its class overlaps it at IoU >= `iouThreshold` (several labelled
 * boxes may be found by one detection, and one box by several); a detection is correct when it overlaps a labelled
 * box of its class so. The any-class variants ignore the class (fire taken for smoke still points at the fire).
 * On a negative image every detection is wrong; on a positive image without boxes none can be judged.
 */
export function matchImage(
  truth: Truth,
  detections: readonly ScoredDetection[],
  iouThreshold: number,
): ImageMatch {
  if (truth.kind === 'positive')
    return {
      labels: [],
      correct: detections.map(() => undefined),
      correctAnyClass: detections.map(() => undefined),
    };
  const labels = truth.kind === 'boxes' ? truth.boxes : [];
  const overlaps = (a: Box, b: Box) => iou(a, b) >= iouThreshold;
  return {
    labels: labels.map((l) => {
      const same = detections.filter((d) => d.className === l.className);
      return {
        className: l.className,
        box: l.box,
        line: l.line,
        found: same.some((d) => overlaps(d.box, l.box)),
        foundAnyClass: detections.some((d) => overlaps(d.box, l.box)),
        bestIou: Math.max(0, ...same.map((d) => iou(d.box, l.box))),
      };
    }),
    correct: detections.map((d) => labels.some((l) => l.className === d.className && overlaps(d.box, l.box))),
    correctAnyClass: detections.map((d) => labels.some((l) => overlaps(d.box, l.box))),
  };
}

export interface ImageResult {
  file: string;
  truth: Truth['kind'];
  /** Analysis resolution the detector saw. */
  width?: number;
  height?: number;
  detections: ScoredDetection[];
  /** Detections removed by the static filter (ignore masks, maxBoxArea). */
  filtered: number;
  match?: ImageMatch;
  /** Detection time (ms), the model runs of all tiles. */
  ms?: number;
  /** The image could not be evaluated (unreadable, undecodable). */
  error?: string;
  /** Malformed label lines (the image is still evaluated with the valid ones). */
  labelProblems?: LabelProblem[];
}

/** n of `of`, and their ratio (null when `of` is 0). */
export interface Ratio {
  n: number;
  of: number;
  rate: number | null;
}

export function ratio(n: number, of: number): Ratio {
  return { n, of, rate: of > 0 ? n / of : null };
}

export interface SetMetrics {
  images: number;
  /** Images that could not be evaluated. */
  imageErrors: number;
  /** Malformed label lines. */
  labelErrors: number;
  /** Images with at least one labelled box / known positives without boxes / with nothing to find. */
  imagesWithBoxes: number;
  imagesPositiveNoBoxes: number;
  imagesNegative: number;
  boxesPerClass: Record<string, number>;
  /** Box recall per labelled class: found by a detection of the same class at IoU >= iou. */
  boxRecall: Record<string, Ratio>;
  /** Box recall when a detection of any class counts. */
  boxRecallAnyClass: Ratio;
  /** Images known to hold fire or smoke (boxes or positive) with any detection. */
  imageRecall: Ratio;
  /** Images with boxes where at least one box was found (any class). */
  imageBoxHit: Ratio;
  /** Images without fire or smoke with any detection. */
  falseAlarmRate: Ratio;
  /** Detections (in images that can judge them) that overlap a labelled box of their class. */
  boxPrecision: Ratio;
  boxPrecisionAnyClass: Ratio;
  detectionsPerClass: Record<string, number>;
  /** Detections removed by the static filter. */
  filtered: number;
  /** Mean detection time per evaluated image, ms. */
  meanMs: number | null;
}

export function summarise(results: readonly ImageResult[], labelClasses: readonly string[]): SetMetrics {
  const ok = results.filter((r) => !r.error);
  const boxesPerClass: Record<string, number> = Object.fromEntries(labelClasses.map((c) => [c, 0]));
  const foundPerClass: Record<string, number> = Object.fromEntries(labelClasses.map((c) => [c, 0]));
  const detectionsPerClass: Record<string, number> = {};
  let boxes = 0;
  let foundAny = 0;
  let judged = 0;
  let correct = 0;
  let correctAny = 0;
  let withBoxes = 0;
  let positives = 0;
  let negatives = 0;
  let flaggedPositive = 0;
  let hit = 0;
  let flaggedNegative = 0;
  for (const r of ok) {
    const labels = r.match?.labels ?? [];
    const flagged = r.detections.length > 0;
    for (const d of r.detections)
      detectionsPerClass[d.className] = (detectionsPerClass[d.className] ?? 0) + 1;
    for (const l of labels) {
      boxesPerClass[l.className] = (boxesPerClass[l.className] ?? 0) + 1;
      foundPerClass[l.className] = (foundPerClass[l.className] ?? 0) + (l.found ? 1 : 0);
      boxes++;
      if (l.foundAnyClass) foundAny++;
    }
    (r.match?.correct ?? []).forEach((c, i) => {
      if (c === undefined) return;
      judged++;
      if (c) correct++;
      if (r.match?.correctAnyClass[i]) correctAny++;
    });
    if (r.truth === 'positive' || labels.length > 0) {
      if (r.truth === 'positive') positives++;
      else withBoxes++;
      if (flagged) flaggedPositive++;
      if (labels.some((l) => l.foundAnyClass)) hit++;
    } else {
      negatives++;
      if (flagged) flaggedNegative++;
    }
  }
  const timed = ok.filter((r) => r.ms !== undefined);
  return {
    images: ok.length,
    imageErrors: results.length - ok.length,
    labelErrors: results.reduce((s, r) => s + (r.labelProblems?.length ?? 0), 0),
    imagesWithBoxes: withBoxes,
    imagesPositiveNoBoxes: positives,
    imagesNegative: negatives,
    boxesPerClass,
    boxRecall: Object.fromEntries(
      Object.keys(boxesPerClass).map((c) => [c, ratio(foundPerClass[c] ?? 0, boxesPerClass[c]!)]),
    ),
    boxRecallAnyClass: ratio(foundAny, boxes),
    imageRecall: ratio(flaggedPositive, withBoxes + positives),
    imageBoxHit: ratio(hit, withBoxes),
    falseAlarmRate: ratio(flaggedNegative, negatives),
    boxPrecision: ratio(correct, judged),
    boxPrecisionAnyClass: ratio(correctAny, judged),
    detectionsPerClass,
    filtered: ok.reduce((s, r) => s + r.filtered, 0),
    meanMs: timed.length ? timed.reduce((s, r) => s + r.ms!, 0) / timed.length : null,
  };
}

/** What was run: shown with every set so that figures are never read without their settings. */
export interface EvalSettings {
  model: string;
  modelName: string;
  inputSize: string;
  thresholds: Record<string, number>;
  nmsIou: number;
  matchIou: number;
  tiling: string;
  staticFilter: string;
  labelClasses: string[];
}

export function formatRatio(r: Ratio): string {
  return r.of === 0 ? 'n/a (none)' : `${r.n}/${r.of} = ${r.rate!.toFixed(3)}`;
}

/** One human-readable block per set. */
export function formatSetReport(name: string, m: SetMetrics, settings: EvalSettings): string {
  const lines: string[] = [];
  const kinds = [`${m.imagesWithBoxes} with boxes`, `${m.imagesNegative} without fire/smoke`];
  if (m.imagesPositiveNoBoxes) kinds.push(`${m.imagesPositiveNoBoxes} positive without boxes`);
  lines.push(`== ${name}`);
  lines.push(
    `images               ${m.images} (${kinds.join(', ')})${m.imageErrors ? `; ${m.imageErrors} could not be read (not counted)` : ''}${m.labelErrors ? `; ${m.labelErrors} malformed label lines skipped` : ''}`,
  );
  const boxClasses = Object.keys(m.boxesPerClass);
  if (boxClasses.some((c) => m.boxesPerClass[c]! > 0)) {
    lines.push(`labelled boxes       ${boxClasses.map((c) => `${c} ${m.boxesPerClass[c]}`).join(', ')}`);
    for (const c of boxClasses)
      if (m.boxesPerClass[c]! > 0)
        lines.push(
          `box recall ${c.padEnd(9)} ${formatRatio(m.boxRecall[c]!)}   (IoU >= ${settings.matchIou}, same class)`,
        );
    lines.push(`box recall any class ${formatRatio(m.boxRecallAnyClass)}   (fire/smoke confusion forgiven)`);
  }
  if (m.imagesWithBoxes + m.imagesPositiveNoBoxes > 0) {
    lines.push(
      `image recall         ${formatRatio(m.imageRecall)}   (images with fire/smoke that got any detection)`,
    );
    if (m.imagesWithBoxes > 0)
      lines.push(
        `image box hit        ${formatRatio(m.imageBoxHit)}   (images with boxes where a box was found)`,
      );
  }
  if (m.imagesNegative > 0)
    lines.push(
      `false-alarm rate     ${formatRatio(m.falseAlarmRate)}   (images without fire/smoke that got any detection)`,
    );
  if (m.boxPrecision.of > 0)
    lines.push(
      `box precision        ${formatRatio(m.boxPrecision)} same class, ${formatRatio(m.boxPrecisionAnyClass)} any class`,
    );
  const dets = Object.entries(m.detectionsPerClass);
  lines.push(
    `detections           ${dets.length ? dets.map(([c, n]) => `${c} ${n}`).join(', ') : 'none'}${m.filtered ? `; ${m.filtered} removed by ignore masks / maxBoxArea` : ''}`,
  );
  lines.push(
    `mean ms per image    ${m.meanMs === null ? 'n/a' : m.meanMs.toFixed(1)} (detection, all tiles)`,
  );
  lines.push(
    `model                ${settings.modelName === settings.model ? settings.model : `${settings.modelName} (${settings.model})`}, input ${settings.inputSize}`,
  );
  lines.push(
    `thresholds           ${Object.entries(settings.thresholds)
      .map(([c, t]) => `${c} ${t}`)
      .join(', ')}; NMS IoU ${settings.nmsIou}`,
  );
  lines.push(`tiling               ${settings.tiling}`);
  lines.push(`static filter        ${settings.staticFilter}`);
  lines.push(
    'not applied          change over time and the confirmation window (they need a sequence of frames from a fixed camera)',
  );
  return lines.join('\n');
}
