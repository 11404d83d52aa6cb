import { closeSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
import type { VesselPosition, VesselStatic } from '../../protocols/mqtt/payloads.js';

export type ReceivedItem =
  { kind: 'position'; value: VesselPosition } | { kind: 'static'; value: VesselStatic };

const PREFIX = { position: 'P', static: 'S' } as const;

/**
 * What the batchers hold in memory, also on disk: one line per received position or static report (`P{json}` /
 * `S{json}`), appended on receipt and cleared once the waiting batches are in the outbox. A write reaches the
 * kernel's page cache at once, so a crash of the edge process (`kill -9`, an exception, the OOM killer) loses
 * nothing received; a power loss may (no fsync: see edge/README.md, Durability).
 */
export class ReceiptLog {
  #fd: number | undefined;

  constructor(readonly file: string) {}

  /** Opens the log; returns what a previous run left in it (received, never made into an outbox record). */
  open(): ReceivedItem[] {
    let text = '';
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    this.#fd = openSync(this.file, 'a');
    return text.split('\n').flatMap((line) => parseLine(line));
  }

  append(item: ReceivedItem): void {
    if (this.#fd === undefined) return;
    writeSync(this.#fd, `${PREFIX[item.kind]}${JSON.stringify(item.value)}\n`);
  }

  /** Everything logged so far is in the outbox now (appends go on at the new end: the file is opened to append). */
  clear(): void {
    if (this.#fd !== undefined) ftruncateSync(this.#fd, 0);
  }

  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }
}

/** A line cut short by the crash (the last one) does not parse: it is skipped. */
function parseLine(line: string): ReceivedItem[] {
  const kind = line[0] === PREFIX.position ? 'position' : line[0] === PREFIX.static ? 'static' : undefined;
  if (!kind) return [];
  try {
    return [{ kind, value: JSON.parse(line.slice(1)) } as ReceivedItem];
  } catch {
    return [];
  }
}
