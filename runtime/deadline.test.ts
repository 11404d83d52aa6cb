import { describe, expect, it } from 'vitest';
import { DeadlineError, withDeadline } from './deadline.js';

describe('withDeadline', () => {
  it('passes a result or an error that comes in time through', async () => {
    await expect(withDeadline(Promise.resolve(7), 1000, 'answer')).resolves.toBe(7);
    await expect(withDeadline(Promise.reject(new Error('refused')), 1000, 'answer')).rejects.toThrow(
      'refused',
    );
  });

  it('rejects with a DeadlineError naming the work when it does not settle', async () => {
    const never = new Promise<number>(() => undefined);
    const late = withDeadline(never, 20, 'Redis QUIT');
    await expect(late).rejects.toBeInstanceOf(DeadlineError);
    await expect(late).rejects.toThrow('Redis QUIT did not finish within 20 ms');
  });
});
