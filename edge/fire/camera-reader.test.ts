import { afterEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../runtime/logger.js';
import type { FrameSourceSpec, ReaderExit, ReaderHandlers } from './frames.js';
import { waitFor } from '../../tests/support/wait.js';

// Fake readers: each spawn records its spec and handlers; the test decides how it ends.
const spawned: Array<{ spec: FrameSourceSpec; handlers: ReaderHandlers }> = [];
vi.mock('./frames.js', () => ({
  createFrameReader: async (spec: FrameSourceSpec, handlers: ReaderHandlers) => {
    spawned.push({ spec, handlers });
    return { kind: 'rtsp', start: () => undefined, kill: () => undefined };
  },
}));

const { CameraReader } = await import('./camera-reader.js');

afterEach(() => {
  spawned.length = 0;
});

describe('CameraReader and the snapshot output', () => {
  it('after ffmpeg failed because of the snapshot output, reads the camera on without it (once said)', async () => {
    const problems: string[] = [];
    const reader = new CameraReader(
      'cam-1',
      { url: 'rtsp://cam/stream', fps: 1, width: 64, height: 64, snapshotMaxWidth: 1280 },
      { stallTimeoutS: 60, backoff: { minMs: 10, maxMs: 10 }, restartOnEnd: true },
      {
        onFrame: () => undefined,
        onStatus: () => undefined,
        onHighResError: (message) => problems.push(message),
      },
      silentLogger(),
    );
    reader.start();
    try {
      await waitFor(() => spawned.length === 1, 15_000);
      expect(spawned[0]!.spec.snapshotMaxWidth).toBe(1280);
      const failed: ReaderExit = {
        reason: 'error',
        message: 'unix:/tmp/lookout-snap-x/frames.sock: Connection refused',
        highResFailed: true,
      };
      spawned[0]!.handlers.onExit(failed);
      await waitFor(() => spawned.length === 2, 15_000);
      expect(spawned[1]!.spec.snapshotMaxWidth).toBe(0);
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/snapshot output .*Connection refused.*reading on without it/);

      // A camera failure (not the snapshot output) changes nothing more.
      spawned[1]!.handlers.onExit({ reason: 'error', message: 'Connection timed out' });
      await waitFor(() => spawned.length === 3, 15_000);
      expect(spawned[2]!.spec.snapshotMaxWidth).toBe(0);
      expect(problems).toHaveLength(1);
    } finally {
      reader.stop();
    }
  });

  it('a camera failure keeps the snapshot output; its errors reach the handler only from the current reader', async () => {
    const problems: string[] = [];
    const reader = new CameraReader(
      'cam-2',
      { url: 'rtsp://cam/stream', fps: 1, width: 64, height: 64, snapshotMaxWidth: 640 },
      { stallTimeoutS: 60, backoff: { minMs: 10, maxMs: 10 }, restartOnEnd: true },
      {
        onFrame: () => undefined,
        onStatus: () => undefined,
        onHighResError: (message) => problems.push(message),
      },
      silentLogger(),
    );
    reader.start();
    try {
      await waitFor(() => spawned.length === 1, 15_000);
      const first = spawned[0]!;
      first.handlers.onExit({ reason: 'error', message: 'Connection refused' });
      await waitFor(() => spawned.length === 2, 15_000);
      expect(spawned[1]!.spec.snapshotMaxWidth).toBe(640);
      first.handlers.onHighResError?.('from the old reader');
      spawned[1]!.handlers.onHighResError?.('snapshot output: not a binary PPM image stream');
      expect(problems).toEqual(['snapshot output: not a binary PPM image stream']);
    } finally {
      reader.stop();
    }
  });
});
