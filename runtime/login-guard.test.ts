import { describe, expect, it } from 'vitest';
import { LoginGuard } from './login-guard.js';

describe('LoginGuard', () => {
  it('locks a user after maxFailuresPerUser in the window, for lockoutS, then lets it try again', () => {
    let now = 0;
    const guard = new LoginGuard(
      { maxFailuresPerUser: 3, maxFailuresPerAddress: 10, windowS: 60, lockoutS: 300, failureDelayMs: 0 },
      () => now,
    );
    const subject = { username: 'lan', address: '10.0.0.1' };
    expect(guard.fail(subject)).toEqual([]);
    expect(guard.fail(subject)).toEqual([]);
    expect(guard.fail(subject)).toEqual(['user']);
    expect(guard.state(subject)).toEqual({ locked: true, retryAfterMs: 300_000, by: 'user' });
    expect(guard.state({ username: 'minh', address: '10.0.0.1' })).toEqual({ locked: false });
    now = 300_000;
    expect(guard.state(subject)).toEqual({ locked: false });
  });

  it('forgets failures older than the window; locks an address across users; 0 turns a limit off', () => {
    let now = 0;
    const guard = new LoginGuard(
      { maxFailuresPerUser: 0, maxFailuresPerAddress: 2, windowS: 60, lockoutS: 30, failureDelayMs: 0 },
      () => now,
    );
    expect(guard.fail({ username: 'a', address: 'x' })).toEqual([]);
    now = 61_000;
    expect(guard.fail({ username: 'b', address: 'x' })).toEqual([]);
    expect(guard.fail({ username: 'c', address: 'x' })).toEqual(['address']);
    expect(guard.state({ username: 'anyone', address: 'x' })).toMatchObject({ locked: true, by: 'address' });
  });
});
