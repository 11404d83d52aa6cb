import type { Registry } from 'prom-client';
import type { Logger } from '../../runtime/logger.js';
import type { EdgeBus } from '../events.js';
import { BurstLog } from '../../runtime/log-limits.js';
import { aisMetrics, type AisMetrics } from './ais-metrics.js';
import { LineFramer } from './line-framer.js';

export interface ReceiverOptions {
  host: string;
  /** 0 picks a free port; the bound one is in `port` after start. */
  port: number;
  maxLineBytes: number;
}

export interface ReceiverDeps {
  bus: EdgeBus;
  log: Logger;
  registry: Registry;
}

/** What UDP and TCP receivers share: framing into lines, counting, publishing `ais.line` on the bus. */
export abstract class AisReceiver {
  abstract readonly name: string;
  port = 0;
  protected readonly metrics: AisMetrics;
  protected readonly log: Logger;
  readonly #limitedLog: BurstLog;

  constructor(
    protected readonly options: ReceiverOptions,
    protected readonly deps: ReceiverDeps,
  ) {
    this.metrics = aisMetrics(deps.registry);
    this.log = deps.log;
    this.#limitedLog = new BurstLog(deps.log);
  }

  protected framer(receiver: 'udp' | 'tcp', source: string): LineFramer {
    return new LineFramer(this.options.maxLineBytes, {
      line: (line) => {
        this.metrics.lines.inc({ receiver });
        this.deps.bus.emit('ais.line', { line, receivedAtMs: Date.now(), source });
      },
      reject: (reason, detail) => {
        this.metrics.countReceiverRejected(reason);
        this.#limitedLog.warn(
          `${receiver}:${reason}`,
          { receiver, source, reason, detail },
          'AIS input rejected',
        );
      },
    });
  }
}
