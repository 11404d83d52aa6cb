/** The limits of a LoginGuard (the shape of `cloud.*.limits.logins`). */
export interface LoginGuardLimits {
  maxFailuresPerUser: number;
  maxFailuresPerAddress: number;
  windowS: number;
  lockoutS: number;
  failureDelayMs: number;
}

export type LoginSubject = { username: string; address: string };

export type LockoutState = { locked: false } | { locked: true; retryAfterMs: number; by: 'user' | 'address' };

interface Tally {
  failures: number;
  windowStart: number;
  lockedUntil: number;
}

/** Keys followed at once per kind; beyond it the oldest are forgotten (an attacker's random names cost bounded memory). */
const TALLY_MAX = 50_000;

/**
 * Brute-force protection for logins, per username and per client address: `maxFailures` within `windowS` lock the
 * user (or address) out for `lockoutS`, during which every login of it is refused without checking the password,
 * the right one included (Grafana's convention). Failures are counted in fixed windows; a success does not clear
 * them (the attacker would reset the count by logging in with an account of its own).
 */
export class LoginGuard {
  readonly #users = new Map<string, Tally>();
  readonly #addresses = new Map<string, Tally>();

  constructor(
    readonly limits: LoginGuardLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether `subject` is locked out now, and for how much longer. */
  state(subject: LoginSubject): LockoutState {
    const now = this.now();
    const user = this.#users.get(subject.username)?.lockedUntil ?? 0;
    const address = this.#addresses.get(subject.address)?.lockedUntil ?? 0;
    const until = Math.max(user, address);
    if (until <= now) return { locked: false };
    return { locked: true, retryAfterMs: until - now, by: user >= address ? 'user' : 'address' };
  }

  /** Records a failed login; returns what it locked out (empty when nothing new). */
  fail(subject: LoginSubject): Array<'user' | 'address'> {
    const locked: Array<'user' | 'address'> = [];
    if (this.#count(this.#users, subject.username, this.limits.maxFailuresPerUser)) locked.push('user');
    if (this.#count(this.#addresses, subject.address, this.limits.maxFailuresPerAddress))
      locked.push('address');
    return locked;
  }

  #count(tallies: Map<string, Tally>, key: string, maxFailures: number): boolean {
    if (maxFailures === 0) return false;
    const now = this.now();
    let tally = tallies.get(key);
    if (!tally || now - tally.windowStart >= this.limits.windowS * 1000) {
      tally = { failures: 0, windowStart: now, lockedUntil: tally?.lockedUntil ?? 0 };
    }
    tally.failures += 1;
    tallies.delete(key);
    tallies.set(key, tally);
    if (tallies.size > TALLY_MAX) tallies.delete(tallies.keys().next().value!);
    if (tally.failures < maxFailures) return false;
    tally.lockedUntil = now + this.limits.lockoutS * 1000;
    tally.failures = 0;
    tally.windowStart = now;
    return true;
  }
}

/** Resolves after `ms` (the delay before a failed login is answered). */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
