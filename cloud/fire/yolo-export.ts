import { access, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { TriageLabel } from '../../protocols/api/alarms.js';
import { FireDataset, type FireDatasetItem } from '../../protocols/api/fire-dataset.js';
import { compileSchema } from '../../protocols/validation.js';

/**
 * What a snapshot judged `other_smoke` becomes: `skip` (left out, default), `negative` (an empty label file: teaches
 * the model that this smoke is not an alarm) or `smoke` (its boxes kept: it is smoke, the model was right).
 */
export const OTHER_SMOKE_POLICIES = ['skip', 'negative', 'smoke'] as const;
export type OtherSmokePolicy = (typeof OTHER_SMOKE_POLICIES)[number];

export interface ExportOptions {
  /** The cloud's address, e.g. `http://127.0.0.1:8080`. */
  cloudUrl: string;
  out: string;
  otherSmoke: OtherSmokePolicy;
  /** HTTP Basic credentials when the cloud has operator accounts. */
  auth?: { username: string; password: string };
  since?: number;
  until?: number;
  label?: TriageLabel;
}

export interface ExportSummary {
  images: number;
  /** Images by verdict (the ones written). */
  byLabel: Record<TriageLabel, number>;
  boxes: number;
  /**
   * Events left out: `other_smoke` with policy skip; without a clean frame (`noCleanFrame`: the edge sent no strip
   * frame at the event's time, and its snapshot has the boxes drawn); picture gone from the cloud (404: storage budget).
   */
  skipped: { otherSmoke: number; noCleanFrame: number; missing: number };
  /** Pictures already in the folder from an earlier export (same name = same frame): not downloaded again. */
  reused: number;
  classes: string[];
}

const checkDataset = compileSchema(FireDataset);

/** `class cx cy w h`, normalised to the picture, one line per box (YOLO / Ultralytics detection labels). */
export function yoloLines(
  item: Pick<FireDatasetItem, 'boxes' | 'className'>,
  classes: readonly string[],
): string[] {
  const clamp = (v: number) => Math.min(1, Math.max(0, v));
  const lines: string[] = [];
  for (const box of item.boxes) {
    const [x1, x2] = [clamp(Math.min(box.x1, box.x2)), clamp(Math.max(box.x1, box.x2))];
    const [y1, y2] = [clamp(Math.min(box.y1, box.y2)), clamp(Math.max(box.y1, box.y2))];
    if (x2 - x1 <= 0 || y2 - y1 <= 0) continue;
    const id = classes.indexOf(box.className ?? item.className);
    if (id < 0) continue;
    const f = (v: number) => v.toFixed(6);
    lines.push(`${id} ${f((x1 + x2) / 2)} ${f((y1 + y2) / 2)} ${f(x2 - x1)} ${f(y2 - y1)}`);
  }
  return lines;
}

/** The label file of a judged snapshot, or undefined when the snapshot is left out. */
export function labelFor(
  item: FireDatasetItem,
  classes: readonly string[],
  otherSmoke: OtherSmokePolicy,
): string[] | undefined {
  switch (item.label) {
    case 'wildfire':
      return yoloLines(item, classes);
    case 'false_alarm':
      return []; // a hard negative: what the model took for fire or smoke is not
    case 'other_smoke':
      if (otherSmoke === 'skip') return undefined;
      return otherSmoke === 'negative' ? [] : yoloLines(item, classes);
  }
}

export function dataYaml(classes: readonly string[], note: string): string {
  return [
    `# ${note}`,
    '# Ultralytics detection data set: images/ and labels/ (class x_center y_center width height, 0..1).',
    '# Empty label files are hard negatives (false alarms). Split train/val yourself (e.g. by camera) before training.',
    'path: .',
    'train: images',
    'val: images',
    `nc: ${classes.length}`,
    `names: [${classes.map((name) => JSON.stringify(name)).join(', ')}]`,
    '',
  ].join('\n');
}

const csvCell = (value: string | number | undefined) => {
  const text = value === undefined ? '' : String(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

async function writeAtomically(file: string, data: string | Uint8Array): Promise<void> {
  await writeFile(`${file}.tmp`, data);
  await rename(`${file}.tmp`, file);
}

/**
 * Fetches the judged alert events from a cloud (`GET /api/v1/fire/dataset`) and each one's clean frame (`imageUrl`:
 * the event's own strip frame, no boxes drawn; never the snapshot, whose drawn boxes a model would learn) and writes
 * them as a YOLO data set: `images/<edge>_<frame>.jpg`, `labels/<same>.txt`, `data.yaml` (class names) and
 * `manifest.csv` (verdict, note, who, camera, time, snapshot per image). Run again into the same folder to add new ones.
 */
export async function exportFireDataset(options: ExportOptions): Promise<ExportSummary> {
  const base = options.cloudUrl.replace(/\/+$/, '');
  const headers: Record<string, string> = options.auth
    ? {
        authorization: `Basic ${Buffer.from(`${options.auth.username}:${options.auth.password}`).toString('base64')}`,
      }
    : {};
  const params = new URLSearchParams();
  if (options.since !== undefined) params.set('since', String(options.since));
  if (options.until !== undefined) params.set('until', String(options.until));
  if (options.label) params.set('label', options.label);
  const url = `${base}/api/v1/fire/dataset${params.size ? `?${params}` : ''}`;
  const response = await fetch(url, { headers });
  if (!response.ok)
    throw new Error(
      `${url}: HTTP ${response.status} ${(await response.text().catch(() => '')).slice(0, 200)}`,
    );
  const parsed = checkDataset.parseValue(await response.json());
  if (!parsed.ok) throw new Error(`${url}: not a fire data set (${parsed.errors.slice(0, 3).join('; ')})`);
  const dataset = parsed.value;
  const images = path.join(options.out, 'images');
  const labels = path.join(options.out, 'labels');
  await mkdir(images, { recursive: true });
  await mkdir(labels, { recursive: true });
  const summary: ExportSummary = {
    images: 0,
    byLabel: { wildfire: 0, other_smoke: 0, false_alarm: 0 },
    boxes: 0,
    skipped: { otherSmoke: 0, noCleanFrame: 0, missing: 0 },
    reused: 0,
    classes: dataset.classes,
  };
  const manifest = [
    [
      'image',
      'label',
      'boxes',
      'edge',
      'camera',
      'alert',
      'event',
      'frame_time',
      'by',
      'triaged_at',
      'alarm',
      'note',
      'snapshot',
    ].join(','),
  ];
  const remove = async (stem: string) => {
    await rm(path.join(images, `${stem}.jpg`), { force: true });
    await rm(path.join(labels, `${stem}.txt`), { force: true });
  };
  for (const item of dataset.items) {
    // Exports before the clean frames wrote the snapshot (boxes drawn) under its own name: never train on it.
    await remove(`${item.edgeId}_${path.basename(item.snapshotUrl, '.jpg')}`);
    const lines = labelFor(item, dataset.classes, options.otherSmoke);
    const stem = item.imageUrl ? `${item.edgeId}_${path.basename(item.imageUrl, '.jpg')}` : undefined;
    if (!lines) {
      // Judged otherwise at an earlier export: it leaves the data set.
      if (stem) await remove(stem);
      summary.skipped.otherSmoke++;
      continue;
    }
    if (!stem) {
      summary.skipped.noCleanFrame++;
      continue;
    }
    const image = path.join(images, `${stem}.jpg`);
    const present = await access(image).then(
      () => true,
      () => false,
    );
    if (present) summary.reused++;
    else {
      const picture = await fetch(`${base}${item.imageUrl}`, { headers });
      if (picture.status === 404) {
        await picture.body?.cancel();
        await rm(path.join(labels, `${stem}.txt`), { force: true });
        summary.skipped.missing++;
        continue;
      }
      if (!picture.ok) throw new Error(`${base}${item.imageUrl}: HTTP ${picture.status}`);
      await writeAtomically(image, new Uint8Array(await picture.arrayBuffer()));
    }
    await writeAtomically(path.join(labels, `${stem}.txt`), lines.map((line) => `${line}\n`).join(''));
    summary.images++;
    summary.byLabel[item.label]++;
    summary.boxes += lines.length;
    manifest.push(
      [
        `images/${stem}.jpg`,
        item.label,
        lines.length,
        item.edgeId,
        item.cameraId,
        item.alertId,
        item.event,
        new Date(item.ts).toISOString(),
        item.by,
        new Date(item.triagedAt).toISOString(),
        item.alarmId,
        item.note,
        item.snapshotUrl,
      ]
        .map(csvCell)
        .join(','),
    );
  }
  await writeAtomically(
    path.join(options.out, 'data.yaml'),
    dataYaml(
      dataset.classes,
      `Lookout fire alerts judged by rangers, exported from ${base} (other smoke: ${options.otherSmoke})`,
    ),
  );
  await writeAtomically(path.join(options.out, 'manifest.csv'), `${manifest.join('\n')}\n`);
  return summary;
}
