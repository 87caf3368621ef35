import type { Clock, TimerHandle } from '../shared/clock.js';
import { Fifo } from './fifo.js';
import { BackPressureError } from './errors.js';
import type { Priority } from './schema.js';

/** Share of `bufferSize` each priority may fill: low is refused first, high last. */
export const ADMISSION_SHARE: Readonly<Record<Priority, number>> = Object.freeze({
  high: 1,
  normal: 0.9,
  low: 0.75,
});

const PRIORITY_ORDER: readonly Priority[] = ['high', 'normal', 'low'];

interface Waiter {
  readonly priority: Priority;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
  /** Clock time at which the emit fails with `BackPressureError`. */
  readonly deadline: number;
  settled: boolean;
}

export interface AdmissionSettings {
  readonly channel: string;
  readonly bufferSize: number;
  readonly emitTimeoutMs: number;
}

/**
 * Back pressure for one channel: an emit may proceed while the events retained for the
 * slowest consumer stay under its priority's share of `bufferSize`; otherwise it waits
 * (high priority served first, FIFO within a priority) and fails with
 * `BackPressureError` after `emitTimeoutMs`.
 *
 * Every waiter of a priority waits the same time and they queue in arrival order, so the head
 * of each queue is always the next to time out: one timer per priority, armed for its head,
 * rather than one per waiting emit (a backlog of 100,000 emits would be 100,000 timers).
 */
export class Admission {
  readonly #settings: AdmissionSettings;
  readonly #clock: Clock;
  readonly #retained: () => number;
  readonly #limits: Readonly<Record<Priority, number>>;
  readonly #waiters: Record<Priority, Fifo<Waiter>> = {
    high: new Fifo(),
    normal: new Fifo(),
    low: new Fifo(),
  };
  readonly #queued: Record<Priority, number> = { high: 0, normal: 0, low: 0 };
  /** The timer of each priority's queue, armed for its head's deadline while anyone waits. */
  readonly #timers: Record<Priority, TimerHandle | undefined> = {
    high: undefined,
    normal: undefined,
    low: undefined,
  };
  #waiting = 0;
  /** Admitted but not yet appended, so a burst of concurrent emits cannot overshoot the limit. */
  #reserved = 0;

  constructor(settings: AdmissionSettings, clock: Clock, retained: () => number) {
    this.#settings = settings;
    this.#clock = clock;
    this.#retained = retained;
    const limit = (share: number) => Math.max(1, Math.floor(settings.bufferSize * share));
    this.#limits = {
      high: limit(ADMISSION_SHARE.high),
      normal: limit(ADMISSION_SHARE.normal),
      low: limit(ADMISSION_SHARE.low),
    };
  }

  get waiting(): number {
    return this.#waiting;
  }

  limitFor(priority: Priority): number {
    return this.#limits[priority];
  }

  /**
   * Reserves room for one event: synchronously (returns undefined) when there is room and
   * nobody of equal or higher priority is queued, else a promise that settles when room
   * appears or the timeout passes. Call `release()` once the event is appended or failed.
   */
  acquire(priority: Priority): Promise<void> | undefined {
    if (this.#queuedAtOrAbove(priority) === 0 && this.#hasRoom(priority)) {
      this.#reserved++;
      return undefined;
    }
    return new Promise<void>((resolve, reject) => {
      const timeoutMs = this.#settings.emitTimeoutMs;
      const deadline = this.#clock.now() + timeoutMs;
      this.#waiters[priority].push({ priority, resolve, reject, deadline, settled: false });
      this.#queued[priority]++;
      this.#waiting++;
      if (this.#timers[priority] === undefined) this.#arm(priority, timeoutMs);
    });
  }

  /** The reserved event was appended (now counted by the log) or abandoned. */
  release(): void {
    this.#reserved--;
    if (this.#waiting > 0) this.wake();
  }

  /** Re-checks queued emits; call when the log released entries. */
  wake(): void {
    if (this.#waiting === 0) return;
    for (const priority of PRIORITY_ORDER) {
      const queue = this.#waiters[priority];
      while (this.#queued[priority] > 0 && this.#hasRoom(priority)) {
        const waiter = queue.shift() as Waiter;
        if (waiter.settled) continue; // timed out earlier
        this.#settle(waiter);
        this.#reserved++;
        waiter.resolve();
      }
      if (this.#queued[priority] > 0) return; // higher priorities go first: do not let lower ones overtake
    }
  }

  /** Fails every queued emit (the bus is closing). */
  rejectAll(error: Error): void {
    for (const priority of PRIORITY_ORDER) {
      this.#disarm(priority);
      const queue = this.#waiters[priority];
      for (let waiter = queue.shift(); waiter !== undefined; waiter = queue.shift()) {
        if (waiter.settled) continue;
        this.#settle(waiter);
        waiter.reject(error);
      }
    }
  }

  #hasRoom(priority: Priority): boolean {
    return this.#retained() + this.#reserved < this.#limits[priority];
  }

  #queuedAtOrAbove(priority: Priority): number {
    let count = this.#queued.high;
    if (priority !== 'high') count += this.#queued.normal;
    if (priority === 'low') count += this.#queued.low;
    return count;
  }

  #arm(priority: Priority, delayMs: number): void {
    this.#timers[priority] = this.#clock.setTimeout(() => {
      this.#timers[priority] = undefined;
      this.#expire(priority);
    }, delayMs);
  }

  #disarm(priority: Priority): void {
    const timer = this.#timers[priority];
    if (timer === undefined) return;
    this.#clock.clearTimeout(timer);
    this.#timers[priority] = undefined;
  }

  /** Fails the waiters at the head of a queue whose time is up; re-arms for the next one. */
  #expire(priority: Priority): void {
    const queue = this.#waiters[priority];
    const now = this.#clock.now();
    for (let head = queue.peek(); head !== undefined; head = queue.peek()) {
      if (head.settled) {
        queue.shift();
        continue;
      }
      if (head.deadline > now) {
        this.#arm(priority, head.deadline - now);
        return;
      }
      queue.shift();
      this.#settle(head);
      head.reject(this.#timedOut(priority));
    }
  }

  /**
   * The error of an emit that waited too long, without a stack trace: it is made in a timer
   * callback, where a stack says nothing, and capturing one costs microseconds per refused
   * emit, which is what an overloaded channel can least afford.
   */
  #timedOut(priority: Priority): BackPressureError {
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      return new BackPressureError(this.#settings.channel, {
        retained: this.#retained(),
        limit: this.#limits[priority],
        priority,
        waitedMs: this.#settings.emitTimeoutMs,
      });
    } finally {
      Error.stackTraceLimit = stackTraceLimit;
    }
  }

  #settle(waiter: Waiter): void {
    waiter.settled = true;
    this.#waiting--;
    if (--this.#queued[waiter.priority] === 0) this.#disarm(waiter.priority);
  }
}
