import { describe, expect, it } from 'vitest';
import type { ExponentialRetryStrategy, FixedRetryStrategy } from './config.js';
import { retryDelayMs } from './retry-policy.js';

describe('retryDelayMs', () => {
  it('returns the fixed delay after every failed attempt', () => {
    const fixed: FixedRetryStrategy = { attempts: 5, backoff: 'fixed', delay: 200 };
    expect([1, 2, 3, 4, 10].map((attempt) => retryDelayMs(fixed, attempt))).toEqual([
      200, 200, 200, 200, 200,
    ]);
  });

  it('returns a fixed delay of zero', () => {
    expect(retryDelayMs({ attempts: 2, backoff: 'fixed', delay: 0 }, 1)).toBe(0);
  });

  it('doubles from initialDelay and caps at maxDelay (the spec example, 100 / 5000)', () => {
    const exponential: ExponentialRetryStrategy = {
      attempts: 10,
      backoff: 'exponential',
      initialDelay: 100,
      maxDelay: 5000,
    };
    const delays = Array.from({ length: 10 }, (_, i) => retryDelayMs(exponential, i + 1));
    expect(delays).toEqual([100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000, 5000]);
  });

  it('is exactly min(maxDelay, initialDelay * 2^(n-1)) for n = 1..10', () => {
    const cases: ExponentialRetryStrategy[] = [
      { attempts: 10, backoff: 'exponential', initialDelay: 100, maxDelay: 5000 },
      { attempts: 10, backoff: 'exponential', initialDelay: 100, maxDelay: 10_000 },
      { attempts: 10, backoff: 'exponential', initialDelay: 7, maxDelay: 1_000_000 },
      { attempts: 10, backoff: 'exponential', initialDelay: 0, maxDelay: 5000 },
      { attempts: 10, backoff: 'exponential', initialDelay: 300, maxDelay: 100 },
    ];
    for (const strategy of cases) {
      for (let n = 1; n <= 10; n++) {
        expect(retryDelayMs(strategy, n)).toBe(
          Math.min(strategy.maxDelay, strategy.initialDelay * 2 ** (n - 1)),
        );
      }
    }
  });

  it('never exceeds maxDelay even after many attempts', () => {
    const strategy: ExponentialRetryStrategy = {
      attempts: 2000,
      backoff: 'exponential',
      initialDelay: 100,
      maxDelay: 5000,
    };
    expect(retryDelayMs(strategy, 1100)).toBe(5000);
  });
});
