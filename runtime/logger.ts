import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/** Structured JSON logs (pino, as fastify uses). LOG_LEVEL overrides the level; LOG_PRETTY=1 for humans. */
export function createLogger(name: string, options: LoggerOptions = {}): Logger {
  const level = process.env.LOG_LEVEL ?? options.level ?? 'info';
  if (process.env.LOG_PRETTY === '1') {
    return pino({ name, level, ...options, transport: { target: 'pino-pretty', options: { colorize: true } } });
  }
  return pino({ name, level, ...options });
}

/** A logger that drops everything: for unit tests and tools that print their own output. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
