import type { Clock, TimerHandle } from './clock.js';

interface FakeTimer {
  readonly at: number;
  readonly order: number;
  readonly callback: () => void;
  cancelled: boolean;
}

/**
 * A clock whose time moves only when a test says so. Timers fire in due order during
 * `advance`, each at its own instant, so retry and breaker schedules can be asserted exactly.
 */
export class FakeClock implements Clock {
  #now: number;
  #order = 0;
  #timers: FakeTimer[] = [];

  constructor(startMs = Date.UTC(2025, 4, 22, 10, 0, 0)) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    const timer: FakeTimer = {
      at: this.#now + Math.max(0, delayMs),
      order: this.#order++,
      callback,
      cancelled: false,
    };
    this.#timers.push(timer);
    return timer;
  }

  clearTimeout(handle: TimerHandle): void {
    (handle as FakeTimer).cancelled = true;
  }

  /** Timers scheduled and not yet fired or cancelled. */
  get pendingTimers(): number {
    return this.#timers.filter((t) => !t.cancelled).length;
  }

  /** Milliseconds until the next live timer, or undefined when none is pending. */
  nextTimerInMs(): number | undefined {
    const next = this.#nextDue(Infinity);
    return next === undefined ? undefined : next.at - this.#now;
  }

  /** Moves time forward, firing due timers in order; async work they start is not awaited. */
  advance(ms: number): void {
    const target = this.#now + ms;
    for (let timer = this.#nextDue(target); timer !== undefined; timer = this.#nextDue(target))
      this.#fire(timer);
    this.#now = target;
  }

  /** Like `advance`, letting promise callbacks and I/O run after each timer fires. */
  async advanceAsync(ms: number): Promise<void> {
    const target = this.#now + ms;
    await settle();
    for (let timer = this.#nextDue(target); timer !== undefined; timer = this.#nextDue(target)) {
      this.#fire(timer);
      await settle();
    }
    this.#now = target;
    await settle();
  }

  #nextDue(limit: number): FakeTimer | undefined {
    this.#timers = this.#timers.filter((t) => !t.cancelled);
    let next: FakeTimer | undefined;
    for (const timer of this.#timers) {
      if (
        timer.at <= limit &&
        (next === undefined ||
          timer.at < next.at ||
          (timer.at === next.at && timer.order < next.order))
      ) {
        next = timer;
      }
    }
    return next;
  }

  #fire(timer: FakeTimer): void {
    timer.cancelled = true;
    this.#now = Math.max(this.#now, timer.at);
    timer.callback();
  }
}

/** Lets pending promise callbacks and immediate callbacks run (a few event-loop turns; no wall time). */
export async function settle(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
