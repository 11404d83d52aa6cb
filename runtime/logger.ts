import { destination, pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/** Structured JSON logs (pino, as fastify uses). LOG_LEVEL overrides the level; LOG_PRETTY=1 for humans. */
export function createLogger(name: string, options: LoggerOptions = {}): Logger {
  const level = process.env.LOG_LEVEL ?? options.level ?? 'info';
  if (process.env.LOG_PRETTY === '1') {
    return pino({
      name,
      level,
      ...options,
      transport: { target: 'pino-pretty', options: { colorize: true } },
    });
  }
  return pino({ name, level, ...options });
}

/**
 * Logs on stderr, for commands whose stdout carries their results (a summary, JSON lines): a log line can then
 * never land among or after them.
 */
export function createStderrLogger(name: string): Logger {
  return pino({ name, level: process.env.LOG_LEVEL ?? 'info' }, destination(2));
}

/** JSON lines appended to a file (the demo keeps each service's log in its own file). */
export function createFileLogger(
  name: string,
  file: string,
  level = process.env.LOG_LEVEL ?? 'info',
): Logger {
  return pino({ name, level }, destination({ dest: file, mkdir: true, sync: false }));
}

/** A logger that drops everything: for unit tests and tools that print their own output. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
