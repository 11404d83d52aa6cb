import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { compileSchema } from '../../protocols/validation.js';
import { FireConfigSchema } from './config.js';
import { defaultChange } from './change.js';
import { defaultSnapshotSettings } from './snapshot.js';
import { defaultTiling } from './tiles.js';

describe('fire config: snapshot', () => {
  const schema = compileSchema(FireConfigSchema);

  it('defaults to 1280 px snapshots, the same settings the pipeline uses without a config, and lookout.example.yaml says so', async () => {
    const parsed = schema.parseValue({});
    if (!parsed.ok) throw new Error(parsed.errors.join('; '));
    expect(parsed.value.snapshot).toEqual(defaultSnapshotSettings);
    const example = parse(
      await readFile(path.resolve(import.meta.dirname, '../../lookout.example.yaml'), 'utf8'),
    ) as { edge: { fire: { snapshot: unknown } } };
    expect(example.edge.fire.snapshot).toEqual(defaultSnapshotSettings);
  });

  it('tiles and the change check: schema defaults = what the pipeline uses without a config = lookout.example.yaml', async () => {
    const parsed = schema.parseValue({});
    if (!parsed.ok) throw new Error(parsed.errors.join('; '));
    expect(parsed.value.tiles).toEqual(defaultTiling);
    expect(parsed.value.change).toEqual(defaultChange);
    expect(parsed.value.fps).toBe(0.2);
    const example = parse(
      await readFile(path.resolve(import.meta.dirname, '../../lookout.example.yaml'), 'utf8'),
    ) as { edge: { fire: { tiles: unknown; change: unknown; fps: number } } };
    expect(example.edge.fire.tiles).toEqual(parsed.value.tiles);
    expect(example.edge.fire.change).toEqual(parsed.value.change);
    expect(example.edge.fire.fps).toBe(0.2);
    const bad = schema.parseValue({
      tiles: { overlap: 0.95 },
      change: { warmupS: -1 },
      cameras: [{ id: 'c', url: 'x.mp4', analysisMaxWidth: 10 }],
    });
    const errors = bad.ok ? '' : bad.errors.join('\n');
    expect(errors).toMatch(/\/tiles\/overlap/);
    expect(errors).toMatch(/\/change\/warmupS/);
    expect(errors).toMatch(/\/cameras\/0\/analysisMaxWidth/);
  });

  it('names the bad setting: maxBytes above what the cloud accepts, a quality outside ffmpeg -q:v, a negative camera width', () => {
    const bad = schema.parseValue({
      snapshot: { maxBytes: 2_000_000, quality: 1 },
      cameras: [{ id: 'c', url: 'x.mp4', snapshotMaxWidth: -1 }],
    });
    expect(bad.ok).toBe(false);
    const errors = bad.ok ? '' : bad.errors.join('\n');
    expect(errors).toMatch(/\/snapshot\/maxBytes/);
    expect(errors).toMatch(/\/snapshot\/quality/);
    expect(errors).toMatch(/\/cameras\/0\/snapshotMaxWidth/);
  });
});
