import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { TSchema, Static } from '@sinclair/typebox';
import { compileSchema } from '../protocols/validation.js';

/**
 * Work a part could not finish before it stopped (e.g. alarm events InfluxDB did not take, notifications not yet
 * delivered), kept on disk as JSON lines until the next start. Written whole (temp file + rename, flushed), so a
 * crash while writing leaves the previous file, never half of a new one.
 */
export class SpillFile<S extends TSchema> {
  readonly #schema;

  constructor(
    readonly file: string,
    schema: S,
  ) {
    this.#schema = compileSchema(schema);
  }

  async write(items: readonly Static<S>[]): Promise<void> {
    if (items.length === 0) return this.remove();
    await mkdir(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp`;
    await writeFile(tmp, items.map((item) => `${JSON.stringify(item)}\n`).join(''), { flush: true });
    await rename(tmp, this.file);
  }

  /**
   * What the file holds, oldest first ([] when there is none). A line that is not valid JSON or fails the schema
   * is skipped and reported with its 1-based line number, so one bad line does not lose the rest.
   */
  async read(onInvalid: (line: number, errors: string[]) => void): Promise<Static<S>[]> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const items: Static<S>[] = [];
    text.split('\n').forEach((line, index) => {
      if (line.trim() === '') return;
      const parsed = this.#schema.parseJson(line);
      if (parsed.ok) items.push(parsed.value);
      else onInvalid(index + 1, parsed.errors);
    });
    return items;
  }

  async remove(): Promise<void> {
    await rm(this.file, { force: true });
  }
}
