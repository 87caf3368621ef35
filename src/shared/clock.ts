/** An opaque handle for a scheduled callback. */
export type TimerHandle = { readonly __timer: unique symbol } | object;

/**
 * Time and timers, injected everywhere Warden waits or measures (retry, backoff,
 * breakers, windows, deadlines) so tests can drive time by hand.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  setTimeout(callback: () => void, delayMs: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** The real clock, backed by `Date.now` and Node's timers (unref'd so they never keep a process alive). */
export const systemClock: Clock = Object.freeze({
  now: () => Date.now(),
  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    const timer = setTimeout(callback, Math.max(0, delayMs));
    timer.unref();
    return timer;
  },
  clearTimeout(handle: TimerHandle): void {
    clearTimeout(handle as NodeJS.Timeout);
  },
});
