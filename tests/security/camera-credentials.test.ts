/**
 * Camera passwords stay out of the process list: any local user of an edge can read every process's argv
 * (`ps`, /proc/<pid>/cmdline), so neither the ffmpeg that reads a camera nor the camera simulator's media process
 * may carry the password there. Real camera simulator (GStreamer RTSP server with Digest auth), real ffmpeg.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { withCredentials } from '../../edge/cameras/profile.js';
import { createFrameReader, type ReaderExit } from '../../edge/fire/frames.js';
import { createCameraSimulator } from '../../simulators/cameras/simulator.js';
import { waitFor } from '../support/wait.js';
import { scopeForFile } from '../support/scope.js';

const scope = scopeForFile();
const PASSWORD = 'argv-must-not-show-7c1e';

/** Our child processes, with their argv as any local user reads it. */
function children(): Array<{ pid: number; name: string; argv: string }> {
  const found: Array<{ pid: number; name: string; argv: string }> = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (parent !== process.pid) continue;
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      found.push({ pid: Number(entry), name: path.basename(argv[0] ?? '?'), argv: argv.join(' ') });
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

it('reads an RTSP camera with Digest auth while no process argv shows its password', async () => {
  const sim = createCameraSimulator({ count: 1, discovery: false, password: PASSWORD });
  await scope.use(sim.start(), () => sim.stop());
  const info = sim.info()[0]!;
  let frames = 0;
  let exit: ReaderExit | undefined;
  const reader = await createFrameReader(
    {
      url: withCredentials(info.streamUrls.sub, info.username, PASSWORD),
      fps: 2,
      width: 64,
      height: 64,
      socketTimeoutS: 5,
    },
    { onFrame: () => void (frames += 1), onExit: (ended) => (exit = ended) },
  );
  reader.start();
  scope.defer(() => reader.kill());
  await waitFor(() => frames >= 2 || exit, 30_000, 'frames from the RTSP camera');
  expect(exit).toBeUndefined();

  const running = children();
  expect(running.map((child) => child.name)).toEqual(expect.arrayContaining(['ffmpeg', 'python3']));
  expect(running.filter((child) => child.argv.includes(PASSWORD))).toEqual([]);
});
