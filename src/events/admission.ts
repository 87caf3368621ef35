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
  timer: TimerHandle | undefined;
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
 */
export class Admission {
  readonly #settings: AdmissionSettings;
  readonly #clock: Clock;
  readonly #retained: () => number;
  readonly #limits: Readonly<Record<Priority, number>>;
  // FIFOs with lazy removal: a timed-out waiter stays queued, marked settled, until it reaches the head.
  readonly #waiters: Record<Priority, Fifo<Waiter>> = {
    high: new Fifo(),
    normal: new Fifo(),
    low: new Fifo(),
  };
  readonly #queued: Record<Priority, number> = { high: 0, normal: 0, low: 0 };
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
      const waiter: Waiter = { priority, resolve, reject, timer: undefined, settled: false };
      waiter.timer = this.#clock.setTimeout(() => {
        this.#timeout(waiter);
      }, this.#settings.emitTimeoutMs);
      this.#waiters[priority].push(waiter);
      this.#queued[priority]++;
      this.#waiting++;
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

  #timeout(waiter: Waiter): void {
    if (waiter.settled) return;
    this.#settle(waiter);
    waiter.reject(
      new BackPressureError(this.#settings.channel, {
        retained: this.#retained(),
        limit: this.#limits[waiter.priority],
        priority: waiter.priority,
        waitedMs: this.#settings.emitTimeoutMs,
      }),
    );
  }

  #settle(waiter: Waiter): void {
    waiter.settled = true;
    this.#queued[waiter.priority]--;
    this.#waiting--;
    if (waiter.timer !== undefined) this.#clock.clearTimeout(waiter.timer);
  }
}
