import type { Logger } from '../runtime/logger.js';

export interface Stoppable {
  stop(): Promise<void>;
}

/**
 * Keeps a started service running until SIGINT/SIGTERM, then stops it once; a second signal forces exit.
 */
export async function runUntilSignal(service: Stoppable, log: Logger): Promise<void> {
  await new Promise<void>((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        log.warn({ signal }, 'second signal: exiting now');
        process.exit(130);
      }
      stopping = true;
      log.info({ signal }, 'stopping');
      service.stop().then(resolve, (error: unknown) => {
        log.error({ err: error }, 'stop failed');
        resolve();
      });
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
}
