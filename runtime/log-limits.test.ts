import { afterEach, describe, expect, it, vi } from 'vitest';
import { BurstLog, clipForLog } from './log-limits.js';
import type { Logger } from './logger.js';

function recordingLogger(): {
  log: Logger;
  lines: Array<{ level: string; details: object; message: string }>;
} {
  const lines: Array<{ level: string; details: object; message: string }> = [];
  const at = (level: string) => (details: object, message: string) => lines.push({ level, details, message });
  return { log: { warn: at('warn'), error: at('error') } as unknown as Logger, lines };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('BurstLog', () => {
  it('logs a burst as its first event and one summary line, at the level of the event', () => {
    vi.useFakeTimers();
    const { log, lines } = recordingLogger();
    const bursts = new BurstLog(log, { windowMs: 1000 });
    for (let i = 0; i < 5; i++) bursts.error('listener', { event: 'positions', n: i }, 'listener failed');
    expect(lines).toEqual([
      { level: 'error', details: { event: 'positions', n: 0 }, message: 'listener failed' },
    ]);
    vi.advanceTimersByTime(1000);
    expect(lines[1]).toEqual({
      level: 'error',
      details: { event: 'positions', n: 4, repeated: 4, windowS: 1 },
      message: 'listener failed (and 4 more like it within 1 s)',
    });
    bursts.error('listener', { n: 5 }, 'listener failed');
    expect(lines).toHaveLength(3);
  });

  it('follows at most maxKeys bursts; further keys share one', () => {
    const { log, lines } = recordingLogger();
    const bursts = new BurstLog(log, { windowMs: 1000, maxKeys: 2 });
    for (let key = 0; key < 100; key++) bursts.warn(`client-${key}`, { key }, 'refused');
    expect(lines).toHaveLength(3);
    bursts.flush();
    expect(lines.at(-1)!.details).toMatchObject({ key: 99, repeated: 97 });
  });
});

describe('clipForLog', () => {
  it('cuts long text and says how much was left out', () => {
    expect(clipForLog('a'.repeat(65_000))).toBe(`${'a'.repeat(200)}… (64800 more characters)`);
    expect(clipForLog('short')).toBe('short');
  });
});
