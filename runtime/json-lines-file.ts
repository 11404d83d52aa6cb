import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { TSchema, Static } from '@sinclair/typebox';
import { compileSchema } from '../protocols/validation.js';

/**
 * A small state file of JSON lines, one item per line, checked against a schema when read: work a part could not
 * finish before it stopped (alarm events InfluxDB did not take, notifications not yet delivered), or state kept
 * across restarts (the alarms). Written whole (temp file + rename, flushed), so a crash while writing leaves the
 * previous file, never half of a new one.
 */
export class JsonLinesFile<S extends TSchema> {
  readonly #schema;

  constructor(
    readonly file: string,
    schema: S,
  ) {
    this.#schema = compileSchema(schema);
  }

  async write(items: readonly Static<S>[]): Promise<void> {
    await mkdir(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp`;
    await writeFile(tmp, items.map((item) => `${JSON.stringify(item)}\n`).join(''), { flush: true });
    await rename(tmp, this.file);
  }

  /**
   * What the file holds, in order; undefined when there is no file. A line that is not valid JSON or fails the
   * schema is skipped and reported with its 1-based line number, so one bad line does not lose the rest.
   */
  async read(onInvalid: (line: number, errors: string[]) => void): Promise<Static<S>[] | undefined> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
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
