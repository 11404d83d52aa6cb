import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../../runtime/logger.js';
import type { Leadership } from './leadership.js';

export interface LeaseOptions {
  redis: Redis;
  /** This instance's name (stored with the lease: who leads, for /health and logs). */
  holder: string;
  /** Key prefix; the lease is `<prefix>:leader`, its epoch counter `<prefix>:leader:epoch`. */
  prefix?: string;
  /** How long a lease lives without renewal: a dead leader is replaced after at most this (plus one renew). */
  ttlMs?: number;
  /** How often the holder renews and a standby tries to take it. */
  renewMs?: number;
  log: Logger;
  clock?: () => number;
}

export interface LeaseState {
  leader: boolean;
  /** The epoch of the lease this instance holds (0 when none): strictly increasing across the cluster. */
  epoch: number;
}

// SET NX PX with a new epoch (INCR) stored in the value, so every grant has an epoch above all earlier ones. A
// holder that stepped down on its own clock (a stalled event loop) while its key still lives takes it again at once
// (with a new epoch): nobody else can hold it meanwhile, and the cluster is not left without a leader until it expires.
const ACQUIRE = `
local current = redis.call('GET', KEYS[1])
if current and string.sub(current, 1, string.len(ARGV[1]) + 1) ~= ARGV[1] .. '|' then return 0 end
local epoch = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. epoch .. '|' .. ARGV[3], 'PX', ARGV[2])
return epoch`;
// Renews only the holder's own lease of that epoch.
const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/**
 * The leader lease in Redis, with fencing. One instance holds `<prefix>:leader` (SET NX PX, value
 * `token|epoch|holder`) and renews it every `renewMs`; the others try to take it at the same pace. Each grant
 * increments an epoch counter, so a later leader always has a higher epoch. A holder that cannot renew steps down
 * locally before its lease can have expired in Redis (it counts from the moment it sent the renewal), and every
 * action that must happen once (an alarm change, a notification) calls `fence(epoch)` first: a GET of the lease,
 * true only while the lease is still this instance's grant of that epoch. A deposed leader (paused, cut off)
 * therefore cannot act once another instance holds the lease.
 */
export class LeaderLease implements Leadership {
  readonly #key: string;
  readonly #epochKey: string;
  readonly #ttlMs: number;
  readonly #renewMs: number;
  readonly #token = randomUUID();
  readonly #clock: () => number;
  #epoch = 0;
  /** Local deadline: past it this instance no longer considers itself leader, whatever Redis says. */
  #validUntil = 0;
  #timer: NodeJS.Timeout | undefined;
  #expiryTimer: NodeJS.Timeout | undefined;
  #running = false;
  #ticking: Promise<void> | undefined;
  readonly #listeners = new Set<(state: LeaseState) => void>();

  constructor(private readonly options: LeaseOptions) {
    const prefix = options.prefix ?? 'lookout';
    this.#key = `${prefix}:leader`;
    this.#epochKey = `${prefix}:leader:epoch`;
    this.#ttlMs = options.ttlMs ?? 10_000;
    this.#renewMs = options.renewMs ?? Math.max(100, Math.floor(this.#ttlMs / 3));
    if (this.#renewMs * 2 >= this.#ttlMs) throw new Error('lease renewMs must be less than half of ttlMs');
    this.#clock = options.clock ?? Date.now;
  }

  get state(): LeaseState {
    return { leader: this.leader, epoch: this.leader ? this.#epoch : 0 };
  }

  get leader(): boolean {
    return this.#epoch > 0 && this.#clock() < this.#validUntil;
  }

  get epoch(): number {
    return this.state.epoch;
  }

  get ttlMs(): number {
    return this.#ttlMs;
  }

  /** Called on every change of leadership (taken, lost, released). */
  onChange(listener: (state: LeaseState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Tries at once, then every `renewMs`; resolves after the first try (leader or standby). */
  async start(): Promise<void> {
    this.#running = true;
    await this.#tick();
  }

  /** Stops renewing and gives the lease up (a clean stop hands over at once, not after the TTL). */
  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#timer);
    clearTimeout(this.#expiryTimer);
    await this.#ticking;
    if (this.#epoch > 0) {
      const value = this.#value();
      this.#setEpoch(0);
      await this.options.redis.eval(RELEASE, 1, this.#key, value).catch(() => undefined);
    }
  }

  /** True only while Redis still holds this instance's grant of `epoch` (checked now, one round trip). */
  async fence(epoch = this.#epoch): Promise<boolean> {
    if (epoch === 0 || epoch !== this.#epoch || !this.leader) return false;
    try {
      return (await this.options.redis.get(this.#key)) === this.#value();
    } catch {
      return false;
    }
  }

  /** Who holds the lease now (from Redis), for /health. */
  async holder(): Promise<{ holder: string; epoch: number } | undefined> {
    const value = await this.options.redis.get(this.#key);
    if (!value) return undefined;
    const [, epoch, ...holder] = value.split('|');
    return { holder: holder.join('|'), epoch: Number(epoch) };
  }

  #value(): string {
    return `${this.#token}|${this.#epoch}|${this.options.holder}`;
  }

  async #tick(): Promise<void> {
    const ticking = this.#attempt().finally(() => {
      if (this.#running) this.#timer = setTimeout(() => void this.#tick(), this.#renewMs);
    });
    this.#ticking = ticking;
    await ticking;
  }

  async #attempt(): Promise<void> {
    const sentAt = this.#clock();
    const { redis, log, holder } = this.options;
    try {
      if (this.#epoch > 0) {
        const renewed = Number(await redis.eval(RENEW, 1, this.#key, this.#value(), String(this.#ttlMs)));
        if (renewed === 1) return this.#validFrom(sentAt);
        log.warn({ holder, epoch: this.#epoch }, 'leader lease lost (taken by another instance)');
        this.#setEpoch(0);
      }
      if (!this.#running) return;
      const epoch = Number(
        await redis.eval(ACQUIRE, 2, this.#key, this.#epochKey, this.#token, String(this.#ttlMs), holder),
      );
      if (epoch > 0) {
        this.#validFrom(sentAt);
        this.#setEpoch(epoch);
        log.info({ holder, epoch }, 'leader lease taken: this instance leads');
      }
    } catch (error) {
      log.debug({ err: (error as Error).message }, 'leader lease attempt failed (Redis unreachable?)');
    }
  }

  /**
   * Leader until `ttl - renew` after the renewal was SENT (a margin for the round trip and clock drift), and a
   * timer steps down then if no renewal came: Redis unreachable must not leave a leader that believes it leads.
   */
  #validFrom(sentAt: number): void {
    this.#validUntil = sentAt + this.#ttlMs - this.#renewMs;
    clearTimeout(this.#expiryTimer);
    this.#expiryTimer = setTimeout(
      () => {
        if (this.#epoch > 0 && !this.leader) {
          this.options.log.warn(
            { holder: this.options.holder, epoch: this.#epoch },
            'leader lease not renewed in time: stepping down',
          );
          this.#setEpoch(0);
        }
      },
      Math.max(0, this.#validUntil - this.#clock()) + 1,
    );
  }

  #setEpoch(epoch: number): void {
    if (epoch === this.#epoch) return;
    this.#epoch = epoch;
    if (epoch === 0) {
      this.#validUntil = 0;
      clearTimeout(this.#expiryTimer);
    }
    for (const listener of this.#listeners) listener(this.state);
  }
}
