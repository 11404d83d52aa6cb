import { execFileSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root, and the read-only shared test data next to it. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const sharedAisDir = resolve(repoRoot, '../shared/ais');

export type GpsdJson = Record<string, unknown>;

/**
 * Runs the real Debian `gpsdecode` (gpsd-clients 3.22) on NMEA text and returns its JSON objects.
 * gpsdecode ignores a final line without a newline, so one is added.
 */
export function gpsdecode(nmea: string, options: { unscaled: boolean }): GpsdJson[] {
  const input = nmea.endsWith('\n') ? nmea : `${nmea}\n`;
  const output = execFileSync('gpsdecode', options.unscaled ? ['-u', '-j'] : ['-j'], {
    input,
    stdio: ['pipe', 'pipe', 'ignore'],
    maxBuffer: 256 * 1024 * 1024,
  }).toString();
  return output
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as GpsdJson);
}

/** Field-by-field differences between two JSON objects (missing, extra and different members). */
export function fieldDifferences(expected: GpsdJson, actual: GpsdJson): string[] {
  const differences: string[] = [];
  for (const key of Object.keys(expected)) {
    if (!(key in actual)) differences.push(`missing ${key} (gpsd: ${JSON.stringify(expected[key])})`);
    else if (JSON.stringify(expected[key]) !== JSON.stringify(actual[key])) {
      differences.push(`${key}: gpsd ${JSON.stringify(expected[key])}, lookout ${JSON.stringify(actual[key])}`);
    }
  }
  for (const key of Object.keys(actual)) if (!(key in expected)) differences.push(`extra ${key}: ${JSON.stringify(actual[key])}`);
  return differences;
}
