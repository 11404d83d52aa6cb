import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { encodeJpeg } from './frames.js';
import { drawBox, snapshotImage } from './snapshot.js';

describe('snapshot', () => {
  it('draws the box outline where the box is, leaving the inside untouched', () => {
    const image = { data: new Uint8Array(100 * 50 * 3), width: 100, height: 50 };
    drawBox(image, { x1: 0.2, y1: 0.2, x2: 0.6, y2: 0.8 }, [255, 0, 0], 2);
    const px = (x: number, y: number) => Array.from(image.data.subarray((y * 100 + x) * 3, (y * 100 + x) * 3 + 3));
    expect(px(20, 10)).toEqual([255, 0, 0]); // top-left corner
    expect(px(21, 25)).toEqual([255, 0, 0]); // left edge, second pixel of thickness
    expect(px(59, 39)).toEqual([255, 0, 0]); // bottom-right corner
    expect(px(40, 25)).toEqual([0, 0, 0]); // inside
    expect(px(61, 25)).toEqual([0, 0, 0]); // outside
  });

  it('crops the letterbox bars and encodes a JPEG that ffmpeg decodes at the content size', async () => {
    const frame = { data: new Uint8Array(64 * 64 * 3).fill(114), width: 64, height: 64 };
    const image = snapshotImage(frame, { scale: 0.05, padX: 0, padY: 14, contentWidth: 64, contentHeight: 36 }, [{ box: { x1: 0.25, y1: 0.25, x2: 0.75, y2: 0.75 }, className: 'fire' }]);
    expect([image.width, image.height]).toEqual([64, 36]);
    const jpeg = await encodeJpeg(image);
    expect(jpeg.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    const probe = spawnSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=width,height', '-of', 'csv=p=0', '-i', 'pipe:0'], { input: jpeg });
    expect(probe.stdout.toString().trim()).toBe('64,36');
  });
});
