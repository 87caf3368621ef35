import type { Updateable } from 'kysely';
import type { AuthUsersTable } from './auth-tables.js';
import type { UserRecord } from './auth-store.js';

export interface LockoutPolicy {
  /** Failures within the window that lock; 0 disables lockout. */
  readonly lockoutThreshold: number;
  readonly lockoutWindowMs: number;
  readonly lockoutBaseMs: number;
  readonly lockoutMaxMs: number;
}

/** True while an account's lockout has not expired. */
export function isLocked(user: UserRecord, nowMs: number): boolean {
  return user.lockedUntil !== undefined && user.lockedUntil > nowMs;
}

/** The outcome of one more failed login on an account. */
export interface FailureOutcome {
  readonly patch: Updateable<AuthUsersTable>;
  readonly failures: number;
  /** Set when this failure locks the account: until when, and the how-manieth lockout. */
  readonly lockedUntil?: number;
  readonly lockoutCount: number;
}

/**
 * Counts a failure per account within a fixed window from the first failure; at the
 * threshold the account locks for `base × 2^(lockouts so far)`, capped at the maximum, and
 * the count restarts. The lockout count resets only on a successful login or an admin unlock.
 */
export function registerFailure(
  policy: LockoutPolicy,
  user: UserRecord,
  nowMs: number,
): FailureOutcome {
  const start = user.failureWindowStart;
  const windowOpen = start !== undefined && nowMs - start < policy.lockoutWindowMs;
  const failures = windowOpen ? user.failedCount + 1 : 1;
  const windowStart = windowOpen ? start : nowMs;
  if (policy.lockoutThreshold === 0 || failures < policy.lockoutThreshold) {
    return {
      patch: { failed_count: failures, failure_window_start: windowStart },
      failures,
      lockoutCount: user.lockoutCount,
    };
  }
  const lockoutCount = user.lockoutCount + 1;
  const durationMs = Math.min(
    policy.lockoutMaxMs,
    policy.lockoutBaseMs * 2 ** Math.min(30, lockoutCount - 1),
  );
  const lockedUntil = nowMs + durationMs;
  return {
    patch: {
      failed_count: 0,
      failure_window_start: null,
      locked_until: lockedUntil,
      lockout_count: lockoutCount,
    },
    failures,
    lockedUntil,
    lockoutCount,
  };
}

/** The patch that clears failures and lockouts (successful login, admin unlock). */
export const CLEARED_FAILURES: Updateable<AuthUsersTable> = Object.freeze({
  failed_count: 0,
  failure_window_start: null,
  locked_until: null,
  lockout_count: 0,
});

/**
 * Login attempts per client IP in fixed windows, in memory (per process). Bounded: past
 * `maxEntries` IPs, expired windows are dropped, then the oldest.
 */
export class IpThrottle {
  readonly #maxAttempts: number;
  readonly #windowMs: number;
  readonly #windows = new Map<string, { start: number; count: number }>();
  readonly #maxEntries: number;

  constructor(maxAttempts: number, windowMs: number, maxEntries = 100_000) {
    this.#maxAttempts = maxAttempts;
    this.#windowMs = windowMs;
    this.#maxEntries = maxEntries;
  }

  /**
   * Counts an attempt from `ip`; returns the milliseconds to wait when over the limit,
   * else 0. Disabled (always 0) when the limit is 0.
   */
  attempt(ip: string, nowMs: number): number {
    if (this.#maxAttempts === 0) return 0;
    let window = this.#windows.get(ip);
    if (window === undefined || nowMs - window.start >= this.#windowMs) {
      this.#evict(nowMs);
      window = { start: nowMs, count: 0 };
      this.#windows.set(ip, window);
    }
    window.count += 1;
    return window.count > this.#maxAttempts ? window.start + this.#windowMs - nowMs : 0;
  }

  #evict(nowMs: number): void {
    if (this.#windows.size < this.#maxEntries) return;
    for (const [ip, window] of this.#windows)
      if (nowMs - window.start >= this.#windowMs) this.#windows.delete(ip);
    const oldest = this.#windows.keys().next();
    if (this.#windows.size >= this.#maxEntries && oldest.done !== true)
      this.#windows.delete(oldest.value);
  }
}
