import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root, and the real AIS captures shipped as test fixtures (tests/fixtures/ais/README.md). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const aisFixturesDir = resolve(repoRoot, 'tests/fixtures/ais');

/** The capture files in tests/fixtures/ais (not its README or licences), as absolute paths. */
export function aisFixtureFiles(): string[] {
  return readdirSync(aisFixturesDir, { withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name !== 'README.md')
    .map((entry) => resolve(aisFixturesDir, entry.name));
}

export type GpsdJson = Record<string, unknown>;

/** One gpsdecode output line, parsed when it is valid JSON (gpsd 3.22 prints a few DAC/FID payloads invalid). */
export interface GpsdLine {
  raw: string;
  json?: GpsdJson;
}

/**
 * Runs the real Debian `gpsdecode` (gpsd-clients 3.22) on NMEA text. gpsdecode ignores a final line without
 * a newline, so one is added.
 */
export function gpsdecodeLines(nmea: string, options: { unscaled: boolean }): GpsdLine[] {
  const input = nmea.endsWith('\n') ? nmea : `${nmea}\n`;
  const output = execFileSync('gpsdecode', options.unscaled ? ['-u', '-j'] : ['-j'], {
    input,
    stdio: ['pipe', 'pipe', 'ignore'],
    maxBuffer: 256 * 1024 * 1024,
  }).toString();
  return output
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line !== '')
    .map((raw) => {
      try {
        return { raw, json: JSON.parse(raw) as GpsdJson };
      } catch {
        // 8/1/19: gpsd forgets the comma before "nextsignal_text" and the escapes of its signal legends'
        // quotes; repair those known slips only.
        const repaired = raw
          .replace(/(\d)"nextsignal_text"/, '$1,"nextsignal_text"')
          .replace(/"(in-bound|out-bound|in- and out-bound|I|O)"/g, '\\"$1\\"');
        try {
          return { raw, json: JSON.parse(repaired) as GpsdJson };
        } catch {
          return { raw };
        }
      }
    });
}

/** gpsdecode's JSON objects; throws when a line is not JSON. */
export function gpsdecode(nmea: string, options: { unscaled: boolean }): GpsdJson[] {
  return gpsdecodeLines(nmea, options).map((line) => {
    if (line.json === undefined) throw new Error(`gpsdecode printed invalid JSON: ${line.raw}`);
    return line.json;
  });
}

/** Field-by-field differences between two JSON objects (missing, extra and different members). */
export function fieldDifferences(expected: GpsdJson, actual: GpsdJson): string[] {
  const differences: string[] = [];
  for (const key of Object.keys(expected)) {
    if (!(key in actual)) differences.push(`missing ${key} (gpsd: ${JSON.stringify(expected[key])})`);
    else if (JSON.stringify(expected[key]) !== JSON.stringify(actual[key])) {
      differences.push(
        `${key}: gpsd ${JSON.stringify(expected[key])}, lookout ${JSON.stringify(actual[key])}`,
      );
    }
  }
  for (const key of Object.keys(actual))
    if (!(key in expected)) differences.push(`extra ${key}: ${JSON.stringify(actual[key])}`);
  return differences;
}

/**
 * Differences Lookout makes on purpose (protocols/ais/README.md, "Deliberate differences"):
 * - type 26 `radio`: gpsd never decodes it and prints 0;
 * - type 8 DAC 1 FID 16 `persons`: gpsd prints a member of the type 6 union (always 0);
 * - type 8 DAC 1 FID 19 `lon`/`lat` unscaled: gpsd prints degrees even with -u; Lookout keeps the raw value;
 * - type 8 DAC 1 FID 11/31 `waterlevel` scaled below its offset: gpsd wraps around in unsigned arithmetic
 *   (42949672.4 m); Lookout prints the negative level.
 */
export function isDocumentedDifference(expected: GpsdJson, difference: string, unscaled: boolean): boolean {
  const field = difference.split(':')[0]!;
  if (expected.type === 26 && field === 'radio') return true;
  if (expected.type === 8 && expected.dac === 1 && expected.fid === 16 && field === 'persons') return true;
  if (
    unscaled &&
    expected.type === 8 &&
    expected.dac === 1 &&
    expected.fid === 19 &&
    (field === 'lon' || field === 'lat')
  )
    return true;
  if (
    !unscaled &&
    expected.type === 8 &&
    expected.dac === 1 &&
    (expected.fid === 11 || expected.fid === 31) &&
    field === 'waterlevel'
  ) {
    return (expected.waterlevel as number) > 4e7;
  }
  return false;
}

/**
 * Compares Lookout's JSON lines with gpsdecode's, message by message. gpsd lines that are not JSON (strings
 * printed without escaping, e.g. 6/200/21) must equal Lookout's line with its JSON escapes of `"` and `\`
 * removed. Returns human-readable problems (empty when equal).
 */
export function compareWithGpsd(reference: GpsdLine[], ours: string[], unscaled: boolean): string[] {
  const problems: string[] = [];
  if (ours.length !== reference.length)
    problems.push(`gpsdecode printed ${reference.length} messages, Lookout ${ours.length}`);
  reference.forEach((line, i) => {
    const mine = ours[i];
    if (mine === undefined) return;
    if (line.json === undefined) {
      if (mine.replace(/\\(["\\])/g, '$1') !== line.raw)
        problems.push(`#${i}: gpsd (invalid JSON) ${line.raw}\n   lookout ${mine}`);
      return;
    }
    const expected = line.json;
    for (const difference of fieldDifferences(expected, JSON.parse(mine) as GpsdJson)) {
      if (!isDocumentedDifference(expected, difference, unscaled))
        problems.push(`#${i} type ${String(expected.type)}: ${difference}`);
    }
  });
  return problems;
}
