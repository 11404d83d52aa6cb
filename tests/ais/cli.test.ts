import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareWithGpsd, gpsdecodeLines, repoRoot, aisFixturesDir } from '../support/gpsdecode.js';

/** The real `lookout ais decode` command (cli/lookout.js through tsx), against the real gpsdecode. */
const lookout = join(repoRoot, 'cli/lookout.js');

function run(args: string[], input?: string): { stdout: string; stderr: string; status: number | null } {
  const result = spawnSync(process.execPath, [lookout, 'ais', 'decode', ...args], {
    input,
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { stdout: result.stdout, stderr: result.stderr, status: result.status };
}

const lines = (text: string) => text.split('\n').filter((line) => line !== '');

describe('lookout ais decode', () => {
  it('--unscaled on a file prints what gpsdecode -u -j prints', () => {
    const file = join(aisFixturesDir, 'nmea_data_sample.txt');
    const { stdout, status } = run(['--unscaled', file]);
    expect(status).toBe(0);
    const reference = gpsdecodeLines(readFileSync(file, 'latin1'), { unscaled: true });
    expect(reference.length).toBe(777);
    expect(compareWithGpsd(reference, lines(stdout), true)).toEqual([]);
    // Byte for byte too (gpsd ends its lines with \r\n).
    const gpsd = execFileSync('gpsdecode', ['-u', '-j'], { input: `${readFileSync(file, 'latin1')}\n` })
      .toString()
      .replace(/\r\n/g, '\n');
    expect(stdout).toBe(gpsd);
  });

  it('reads stdin, prints scaled values by default and reports rejected lines with their number on stderr', () => {
    const input = readFileSync(join(aisFixturesDir, 'sample.ais'), 'latin1');
    const { stdout, stderr, status } = run([], input);
    expect(status).toBe(0);
    expect(compareWithGpsd(gpsdecodeLines(input, { unscaled: false }), lines(stdout), false)).toEqual([]);
    expect(lines(stderr)).toEqual([
      'stdin:12: no_checksum: sentence has no *hh checksum',
      "stdin:17: fragment_count: fragment count '0' is not 1-9",
    ]);
  });
});
