import type { RetryStrategy } from './config.js';

/**
 * Milliseconds to wait after the `failedAttempt`-th attempt (1-based) failed.
 * `fixed`: `delay`; `exponential`: `min(maxDelay, initialDelay * 2^(failedAttempt - 1))`.
 */
export function retryDelayMs(strategy: RetryStrategy, failedAttempt: number): number {
  switch (strategy.backoff) {
    case 'fixed':
      return strategy.delay;
    case 'exponential':
      // The exponent is capped so a zero initialDelay never meets an infinite power (0 * Infinity = NaN).
      return Math.min(
        strategy.maxDelay,
        strategy.initialDelay * 2 ** Math.min(failedAttempt - 1, 52),
      );
    default: {
      const unreachable: never = strategy;
      return unreachable;
    }
  }
}
