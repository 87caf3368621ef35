import { describeError } from '../shared/errors.js';
import { CircuitBreaker } from './circuit-breaker.js';
import type { BreakerState } from './circuit-breaker.js';
import { DeliveryOutcomes } from './delivery-outcomes.js';
import type { DispatcherContext, DispatcherSettings, Outcome } from './dispatcher-types.js';
import type { KeyQueue } from './key-queue.js';
import { KeyRunner } from './key-runner.js';
import type { RunHost } from './key-runner.js';
import { KeyScheduler } from './key-scheduler.js';
import type { LogCursor, LogEntry, MaybePromise } from './log/contract.js';

export type { ConsumerHandler, DispatcherContext, DispatcherSettings } from './dispatcher-types.js';

const RESOLVED: Promise<void> = Promise.resolve();

/**
 * Delivers one channel's events to one consumer: prefetches from the log cursor,
 * partitions by ordering key (one key when `maxConcurrency` is 1, so the order is total),
 * runs up to `maxConcurrency` keys at once, and applies retry, dead-lettering, deadlines
 * and the circuit breaker. A failing event blocks only later events of its own key.
 */
export class Dispatcher {
  readonly #settings: DispatcherSettings;
  readonly #context: DispatcherContext;
  readonly #cursor: LogCursor;
  readonly #breaker: CircuitBreaker;
  readonly #outcomes: DeliveryOutcomes;
  readonly #keys: KeyScheduler;
  readonly #single: boolean;
  readonly #idleWaiters: (() => void)[] = [];
  /** A promise callback, made once: scheduling a pump allocates no closure. */
  readonly #scheduledPump = (): void => {
    this.#pumpScheduled = false;
    this.#pump();
  };
  readonly #runner: KeyRunner;
  /** Keys running now (at most `maxConcurrency`). */
  #active = 0;
  /** Entries fetched and not yet acknowledged or dead-lettered. */
  #held = 0;
  #fetching = false;
  #fetchAgain = false;
  #pumpScheduled = false;
  #stopped = false;

  constructor(settings: DispatcherSettings, context: DispatcherContext, cursor: LogCursor) {
    this.#settings = settings;
    this.#context = context;
    this.#cursor = cursor;
    this.#single = settings.maxConcurrency === 1;
    this.#breaker = new CircuitBreaker(settings, context.clock, (from, to) => {
      this.#onBreakerChange(from, to);
    });
    this.#outcomes = new DeliveryOutcomes(settings, context, cursor, this.#breaker, {
      release: (queue, entry, result) => {
        this.#release(queue, entry, result);
      },
      retryLater: (queue, delayMs) => {
        this.#keys.retryLater(queue, delayMs, () => {
          this.#pump();
        });
      },
    });
    this.#keys = new KeyScheduler(
      this.#single ? undefined : (entry) => this.#orderingKey(entry),
      context.clock,
    );
    this.#runner = new KeyRunner(settings, context, this.#outcomes, this.#breaker, this.#runHost());
    cursor.onAvailable(() => {
      // A running single-key loop refetches by itself when its queue runs dry. The log calls
      // this from a task of its own (never inside append), so pumping right here is safe.
      if (this.#active === 0 || !this.#single) this.#pump();
    });
    this.#schedulePump();
  }

  get inFlight(): number {
    return this.#runner.inFlight;
  }

  get breakerState(): BreakerState {
    return this.#breaker.state;
  }

  lag(): number {
    return this.#cursor.lag();
  }

  /** Brings `lag()` up to date where the log answers it from a cache. */
  async refresh(): Promise<void> {
    await this.#cursor.refresh?.();
  }

  /**
   * Resolves once nothing is fetched-and-unacknowledged, running or waiting here. Whether the
   * log holds more is `lag()`'s question (asked after `refresh()` for remote logs).
   */
  whenQuiet(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Stops delivering; resolves once running handler calls have finished. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#keys.clearTimers();
    this.#breaker.dispose();
    await this.#cursor.close();
    while (this.#runner.inFlight > 0 || this.#active > 0) {
      await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
    }
    for (const resolve of this.#idleWaiters.splice(0)) resolve();
  }

  #schedulePump(): void {
    if (this.#pumpScheduled || this.#stopped) return;
    this.#pumpScheduled = true;
    // A promise callback rather than queueMicrotask, which makes an AsyncResource per call.
    void RESOLVED.then(this.#scheduledPump);
  }

  #pump(): void {
    if (!this.#stopped) {
      this.#fetch();
      this.#startReady();
    }
    this.#checkIdle();
  }

  #startReady(): void {
    while (this.#active < this.#settings.maxConcurrency) {
      const queue = this.#keys.nextReady();
      if (queue === undefined) return;
      this.#active++;
      this.#runner.run(queue);
    }
  }

  #fetch(): void {
    if (this.#fetching) {
      this.#fetchAgain = true;
      return;
    }
    const room = this.#settings.prefetch - this.#held;
    if (room <= 0) return;
    this.#fetching = true;
    this.#fetchAgain = false;
    let result: MaybePromise<readonly LogEntry[]>;
    try {
      result = this.#cursor.fetch(room);
    } catch (error) {
      this.#fetchFailed(error);
      return;
    }
    if (result instanceof Promise) {
      result.then(
        (entries) => {
          this.#fetched(entries, room);
        },
        (error: unknown) => {
          this.#fetchFailed(error);
        },
      );
    } else if (result.length === 0) {
      this.#fetching = false; // caught up: the common case of a running single-key loop
    } else {
      this.#fetched(result, room);
    }
  }

  #fetched(entries: readonly LogEntry[], asked: number): void {
    this.#fetching = false;
    if (this.#stopped) return;
    this.#held += entries.length;
    for (let i = 0; i < entries.length; i++) this.#keys.enqueue(entries[i] as LogEntry);
    // A full batch means more may be waiting; an append during the fetch may have been missed.
    if (this.#fetchAgain || entries.length === asked) this.#schedulePump();
    this.#startReady();
    this.#checkIdle();
  }

  #fetchFailed(error: unknown): void {
    this.#fetching = false;
    this.#report('fetch', error);
    // The log is unhealthy: try again shortly rather than spinning.
    this.#context.clock.setTimeout(() => {
      this.#schedulePump();
    }, 100);
  }

  #orderingKey(entry: LogEntry): string {
    try {
      return this.#settings.orderingKey(entry.event);
    } catch (error) {
      // A throwing key function must not stop delivery: the event joins the default key.
      this.#report('ordering-key', error);
      return '';
    }
  }

  #runHost(): RunHost {
    return {
      stopped: () => this.#stopped,
      single: this.#single,
      refill: () => {
        this.#fetch();
      },
      readyCount: () => this.#keys.readyCount,
      ended: (queue, outcome) => {
        this.#active--;
        this.#settle(queue, outcome);
      },
      crashed: (queue, error) => {
        // Only a bug in the bus itself lands here: keep the key alive, try again later, say so.
        this.#report('dispatch', error);
        this.#keys.retryLater(queue, 100, () => {
          this.#pump();
        });
        return 'waiting';
      },
    };
  }

  #settle(queue: KeyQueue, outcome: Outcome): void {
    const drained = this.#keys.settle(queue, outcome, this.#stopped);
    if (drained && this.#single) {
      // The single-key loop just found the log empty: no need to ask it again.
      this.#checkIdle();
      return;
    }
    this.#pump();
  }

  #release(queue: KeyQueue, entry: LogEntry, result: MaybePromise<void>): void {
    queue.finished(entry);
    this.#held--;
    if (result instanceof Promise) {
      result.catch((error: unknown) => {
        this.#report('ack', error);
      });
    }
    if ((this.#active === 0 || !this.#single) && this.#held * 2 <= this.#settings.prefetch) {
      this.#schedulePump();
    }
    this.#checkIdle();
  }

  #onBreakerChange(from: BreakerState, to: BreakerState): void {
    this.#context.onBreakerChange(from, to);
    if (to === 'open') return;
    // Half-open or closed: parked keys may try again, in the order they parked.
    this.#keys.unpark();
    this.#schedulePump();
  }

  #isIdle(): boolean {
    return this.#held === 0 && this.#runner.inFlight === 0 && this.#active === 0;
  }

  #checkIdle(): void {
    if (
      this.#idleWaiters.length > 0 &&
      (this.#isIdle() || (this.#stopped && this.#runner.inFlight === 0 && this.#active === 0))
    ) {
      for (const resolve of this.#idleWaiters.splice(0)) resolve();
    }
  }

  #report(where: string, error: unknown): void {
    this.#context.observe?.({
      kind: 'internal_error',
      channel: this.#settings.channel,
      where,
      error: describeError(error),
    });
  }
}
