import type { Command } from 'commander';

interface ExportDatasetOptions {
  out: string;
  cloud: string;
  user?: string;
  otherSmoke: string;
  since?: string;
  until?: string;
  label?: string;
}

/** A date (`2026-12-01`, an ISO time) or milliseconds since the epoch. */
function parseTime(value: string | undefined, option: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(ms)) throw new Error(`${option}: not a date or a time: ${value}`);
  return ms;
}

/** `lookout fire export-dataset`: judged alert events' clean frames → a YOLO data set. */
export function register(program: Command): void {
  const group =
    program.commands.find((c) => c.name() === 'fire') ??
    program.command('fire').description('fire alerts in the cloud: tools for rangers and model trainers');
  group
    .command('export-dataset')
    .description(
      "write the fire alarms rangers judged (wildfire, other smoke, false alarm) as a YOLO data set: images/ (each alert event's clean frame from the edge's strip, no boxes drawn; an event without one is left out and counted in skipped.noCleanFrame of the printed summary), labels/ (class x_center y_center w h, 0..1; a false alarm's label file is empty: a hard negative), data.yaml (class names) and manifest.csv (verdict, who, camera, time, snapshot). Run again into the same folder to add the new ones",
    )
    .requiredOption('--out <dir>', 'folder to write (created; files already there are kept)')
    .option('--cloud <url>', "the cloud's HTTP address", 'http://127.0.0.1:8080')
    .option(
      '--user <name>',
      'operator or viewer account when the cloud has them; the password is read from LOOKOUT_PASSWORD',
    )
    .option(
      '--other-smoke <how>',
      'events judged other smoke (burning, cooking, factory): skip (left out), negative (empty labels) or smoke (boxes kept)',
      'skip',
    )
    .option('--since <time>', 'only alarms that started at or after this date/time (or ms since the epoch)')
    .option('--until <time>', 'only alarms that started before this date/time')
    .option('--label <verdict>', 'only this verdict: wildfire, other_smoke or false_alarm')
    .action(async (options: ExportDatasetOptions) => {
      const { exportFireDataset, OTHER_SMOKE_POLICIES } = await import('../cloud/fire/yolo-export.js');
      const { TRIAGE_LABELS } = await import('../protocols/api/alarms.js');
      const otherSmoke = OTHER_SMOKE_POLICIES.find((policy) => policy === options.otherSmoke);
      if (!otherSmoke)
        throw new Error(`--other-smoke: ${options.otherSmoke}: use ${OTHER_SMOKE_POLICIES.join(', ')}`);
      const label = TRIAGE_LABELS.find((name) => name === options.label);
      if (options.label !== undefined && !label)
        throw new Error(`--label: ${options.label}: use ${TRIAGE_LABELS.join(', ')}`);
      const password = process.env.LOOKOUT_PASSWORD;
      if (options.user && !password) throw new Error('--user needs the password in LOOKOUT_PASSWORD');
      const summary = await exportFireDataset({
        cloudUrl: options.cloud,
        out: options.out,
        otherSmoke,
        ...(options.user ? { auth: { username: options.user, password: password! } } : {}),
        since: parseTime(options.since, '--since'),
        until: parseTime(options.until, '--until'),
        ...(label ? { label } : {}),
      });
      process.stdout.write(`${JSON.stringify({ out: options.out, ...summary })}\n`);
    });
}
