import type { Clock, TimerHandle } from '../shared/clock.js';
import { describeError } from '../shared/errors.js';
import { CircuitBreaker } from './circuit-breaker.js';
import type { BreakerState } from './circuit-breaker.js';
import type { RetryStrategy } from './config.js';
import type { DeadLetter, DeadLetterReason } from './dead-letters.js';
import { PermanentFailure, RetryAfter } from './errors.js';
import { Delivery, KeyQueue } from './key-queue.js';
import type { LogCursor, LogEntry, MaybePromise } from './log/contract.js';
import type { BusObserver, ConsumerCounters } from './observer.js';
import { retryDelayMs } from './retry-policy.js';
import type { BaseEvent } from './schema.js';

/** How a subscription processes events: one at a time, or in batches. */
export type ConsumerHandler =
  | { readonly kind: 'single'; readonly handle: (event: BaseEvent) => Promise<void> }
  | { readonly kind: 'batch'; readonly handle: (events: BaseEvent[]) => Promise<void> };

export interface DispatcherSettings {
  readonly channel: string;
  readonly consumer: string;
  readonly handler: ConsumerHandler;
  readonly retryStrategy: RetryStrategy;
  readonly failureThreshold: number;
  readonly cooldownMs: number;
  /** Entries fetched from the log and not yet acknowledged, at most. */
  readonly prefetch: number;
  /** Largest batch handed to a batch handler. */
  readonly batchSize: number;
  readonly maxConcurrency: number;
  readonly orderingKey: (event: BaseEvent) => string;
  readonly filter: ((event: BaseEvent) => boolean) | undefined;
}

export interface DispatcherContext {
  readonly clock: Clock;
  readonly newId: () => string;
  readonly counters: ConsumerCounters;
  readonly observe: BusObserver | undefined;
  readonly onBreakerChange: (from: BreakerState, to: BreakerState) => void;
  readonly onDeadLetter: (record: DeadLetter) => void;
}

type Outcome = 'done' | 'waiting' | 'parked';

/** After this many deliveries in a row, a key yields its slot if other keys are waiting. */
const KEY_QUANTUM = 32;
/** Beyond this many keys, a key's queue is dropped when it goes idle. */
const MAX_IDLE_KEYS = 1024;

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
  readonly #keys = new Map<string, KeyQueue>();
  readonly #ready: KeyQueue[] = [];
  readonly #parked: KeyQueue[] = [];
  readonly #timers = new Map<KeyQueue, TimerHandle>();
  readonly #idleWaiters: (() => void)[] = [];
  #active = 0;
  #held = 0;
  #inFlight = 0;
  #fetching = false;
  #fetchAgain = false;
  #pumpScheduled = false;
  #stopped = false;

  constructor(settings: DispatcherSettings, context: DispatcherContext, cursor: LogCursor) {
    this.#settings = settings;
    this.#context = context;
    this.#cursor = cursor;
    this.#breaker = new CircuitBreaker(settings, context.clock, (from, to) => {
      this.#onBreakerChange(from, to);
    });
    cursor.onAvailable(() => {
      // A running single-key loop refetches by itself when its queue runs dry. The log calls
      // this from a task of its own (never inside append), so pumping right here is safe.
      if (this.#active === 0 || settings.maxConcurrency > 1) this.#pump();
    });
    this.#schedulePump();
  }

  get inFlight(): number {
    return this.#inFlight;
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
    for (const timer of this.#timers.values()) this.#context.clock.clearTimeout(timer);
    this.#timers.clear();
    this.#breaker.dispose();
    await this.#cursor.close();
    while (this.#inFlight > 0 || this.#active > 0) {
      await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
    }
    for (const resolve of this.#idleWaiters.splice(0)) resolve();
  }

  #schedulePump(): void {
    if (this.#pumpScheduled || this.#stopped) return;
    this.#pumpScheduled = true;
    queueMicrotask(() => {
      this.#pumpScheduled = false;
      this.#pump();
    });
  }

  #pump(): void {
    if (!this.#stopped) {
      this.#fetch();
      this.#startReady();
    }
    this.#checkIdle();
  }

  #startReady(): void {
    while (this.#active < this.#settings.maxConcurrency && this.#ready.length > 0) {
      const queue = this.#ready.shift() as KeyQueue;
      void this.#run(queue);
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
    } else {
      this.#fetched(result, room);
    }
  }

  #fetched(entries: readonly LogEntry[], asked: number): void {
    this.#fetching = false;
    if (this.#stopped) return;
    this.#held += entries.length;
    for (const entry of entries) this.#enqueue(new Delivery(entry));
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

  #enqueue(delivery: Delivery): void {
    const key =
      this.#settings.maxConcurrency === 1 ? '' : this.#settings.orderingKey(delivery.entry.event);
    let queue = this.#keys.get(key);
    if (queue === undefined) {
      queue = new KeyQueue(key);
      this.#keys.set(key, queue);
    }
    queue.push(delivery);
    if (queue.state === 'idle') {
      queue.state = 'ready';
      this.#ready.push(queue);
    }
  }

  /**
   * Delivers a key's events in order until it runs dry, blocks, or yields to other keys.
   * The single-event attempt is inlined here: one awaited promise per delivery, the handler's.
   */
  async #run(queue: KeyQueue): Promise<void> {
    this.#active++;
    queue.state = 'running';
    let outcome: Outcome = 'done';
    let delivered = 0;
    try {
      while (!this.#stopped) {
        // With one key, refill in place: cheaper than leaving and being woken for the next event.
        if (!queue.hasWork() && this.#settings.maxConcurrency === 1) this.#fetch();
        if (!queue.hasWork()) break;
        if (++delivered > KEY_QUANTUM && this.#ready.length > 0) break;
        if (
          this.#settings.handler.kind === 'batch' &&
          queue.current === undefined &&
          queue.peek()?.isolate === false
        ) {
          outcome = await this.#attemptBatch(queue, queue.takeBatch(this.#settings.batchSize));
          if (outcome !== 'done') break;
          continue;
        }
        const delivery = (queue.current ??= queue.take()) as Delivery;
        const before = this.#beforeAttempt(queue, delivery);
        if (before === 'parked') {
          outcome = 'parked';
          break;
        }
        if (before === 'done') continue;
        this.#inFlight++;
        try {
          await this.#invoke(delivery.entry.event);
        } catch (error) {
          this.#inFlight--;
          outcome = this.#failed(queue, delivery, error);
          if (outcome !== 'done') break;
          continue;
        }
        this.#inFlight--;
        this.#succeeded(queue, delivery);
      }
    } catch (error) {
      // Only a bug in the bus itself lands here; keep the key alive and say so.
      this.#report('dispatch', error);
      outcome = 'waiting';
      this.#retryLater(queue, 100);
    } finally {
      this.#active--;
      this.#settle(queue, outcome);
    }
  }

  #invoke(event: BaseEvent): Promise<void> {
    const handler = this.#settings.handler;
    return handler.kind === 'single' ? handler.handle(event) : handler.handle([event]);
  }

  #settle(queue: KeyQueue, outcome: Outcome): void {
    if (this.#stopped) {
      queue.state = 'idle';
    } else if (outcome === 'waiting') {
      queue.state = 'waiting';
    } else if (outcome === 'parked') {
      queue.state = 'parked';
      this.#parked.push(queue);
    } else if (queue.hasWork()) {
      queue.state = 'ready';
      this.#ready.push(queue);
    } else {
      queue.state = 'idle';
      // Idle queues are kept for reuse (most keys come back), but not without bound.
      if (this.#keys.size > MAX_IDLE_KEYS) this.#keys.delete(queue.key);
      if (this.#settings.maxConcurrency === 1) {
        // The single-key loop just found the log empty: no need to ask it again.
        this.#checkIdle();
        return;
      }
    }
    this.#pump();
  }

  /**
   * What happens before an attempt: `done` when the event needs no handler call (deadline
   * passed: dead-lettered; filtered out: skipped), `parked` when the breaker holds it back,
   * undefined to go ahead (the attempt is then counted).
   */
  #beforeAttempt(queue: KeyQueue, delivery: Delivery): Outcome | undefined {
    const { entry } = delivery;
    if (entry.deadline !== undefined && this.#context.clock.now() > entry.deadline) {
      this.#deadLetter(queue, delivery, 'deadline_exceeded');
      return 'done';
    }
    const filter = this.#settings.filter;
    if (filter !== undefined && !filter(entry.event)) {
      this.#context.counters.skipped++;
      this.#finish(queue, delivery);
      return 'done';
    }
    if (!this.#breaker.tryAcquire()) return 'parked';
    delivery.attempts++;
    return undefined;
  }

  async #attemptBatch(queue: KeyQueue, batch: Delivery[]): Promise<Outcome> {
    const now = this.#context.clock.now();
    const live: Delivery[] = [];
    for (const delivery of batch) {
      const { entry } = delivery;
      if (entry.deadline !== undefined && now > entry.deadline)
        this.#deadLetter(queue, delivery, 'deadline_exceeded');
      else if (this.#settings.filter !== undefined && !this.#settings.filter(entry.event)) {
        this.#context.counters.skipped++;
        this.#finish(queue, delivery);
      } else live.push(delivery);
    }
    if (live.length === 0) return 'done';
    if (!this.#breaker.tryAcquire()) {
      queue.unshiftAll(live);
      return 'parked';
    }
    this.#inFlight++;
    try {
      await (this.#settings.handler.handle as (events: BaseEvent[]) => Promise<void>)(
        live.map((d) => d.entry.event),
      );
    } catch {
      this.#inFlight--;
      // Some event in the batch failed: deliver them one by one to find it.
      this.#breaker.releaseTrial();
      for (const delivery of live) delivery.isolate = true;
      queue.unshiftAll(live);
      return 'done';
    }
    this.#inFlight--;
    for (const delivery of live) {
      delivery.attempts = 1;
      delivery.firstAttemptAt = now;
      this.#succeeded(queue, delivery);
    }
    return 'done';
  }

  #succeeded(queue: KeyQueue, delivery: Delivery): void {
    this.#breaker.recordSuccess();
    this.#context.counters.delivered++;
    const observe = this.#context.observe;
    if (observe !== undefined) {
      observe({
        kind: 'delivered',
        channel: this.#settings.channel,
        consumer: this.#settings.consumer,
        latencyMs: this.#context.clock.now() - delivery.entry.appendedAt,
      });
    }
    this.#finish(queue, delivery);
  }

  #failed(queue: KeyQueue, delivery: Delivery, error: unknown): Outcome {
    // Stamped at the first failure, not before each attempt: the happy path reads no clock.
    delivery.firstAttemptAt ??= this.#context.clock.now();
    delivery.lastError = describeError(error);
    if (error instanceof PermanentFailure) {
      // The event's fault, not the consumer's health: the breaker does not count it.
      this.#breaker.releaseTrial();
      this.#deadLetter(queue, delivery, 'permanent_failure');
      return 'done';
    }
    this.#context.counters.failed++;
    this.#context.observe?.({
      kind: 'failed',
      channel: this.#settings.channel,
      consumer: this.#settings.consumer,
      attempt: delivery.attempts,
      error: delivery.lastError,
    });
    if (this.#breaker.recordFailure()) {
      // An outage, not this event's fault: the attempt is not charged and the key waits for the breaker.
      delivery.attempts--;
      return 'parked';
    }
    if (delivery.attempts >= this.#settings.retryStrategy.attempts) {
      this.#deadLetter(queue, delivery, 'attempts_exhausted');
      return 'done';
    }
    let delayMs =
      error instanceof RetryAfter
        ? error.delayMs
        : retryDelayMs(this.#settings.retryStrategy, delivery.attempts);
    const deadline = delivery.entry.deadline;
    if (deadline !== undefined)
      delayMs = Math.min(delayMs, deadline - this.#context.clock.now() + 1);
    this.#context.counters.retried++;
    this.#context.observe?.({
      kind: 'retry_scheduled',
      channel: this.#settings.channel,
      consumer: this.#settings.consumer,
      delayMs,
    });
    this.#retryLater(queue, delayMs);
    return 'waiting';
  }

  #retryLater(queue: KeyQueue, delayMs: number): void {
    const timer = this.#context.clock.setTimeout(() => {
      this.#timers.delete(queue);
      if (this.#stopped || queue.state !== 'waiting') return;
      queue.state = 'ready';
      this.#ready.unshift(queue); // it has waited its turn already
      this.#pump();
    }, delayMs);
    this.#timers.set(queue, timer);
  }

  #deadLetter(queue: KeyQueue, delivery: Delivery, reason: DeadLetterReason): void {
    const { channel, consumer } = this.#settings;
    const record = delivery.toDeadLetter(
      this.#context.newId(),
      channel,
      consumer,
      reason,
      this.#context.clock.now(),
    );
    this.#context.counters.deadLettered++;
    this.#release(queue, delivery, this.#cursor.deadLetter(delivery.entry, record));
    this.#context.observe?.({
      kind: 'dead_lettered',
      channel: this.#settings.channel,
      consumer: this.#settings.consumer,
      reason,
    });
    this.#context.onDeadLetter(record);
  }

  #finish(queue: KeyQueue, delivery: Delivery): void {
    this.#release(queue, delivery, this.#cursor.ack(delivery.entry));
  }

  #release(queue: KeyQueue, delivery: Delivery, result: MaybePromise<void>): void {
    if (queue.current === delivery) queue.current = undefined;
    this.#held--;
    if (result instanceof Promise) {
      result.catch((error: unknown) => {
        this.#report('ack', error);
      });
    }
    if (
      (this.#active === 0 || this.#settings.maxConcurrency > 1) &&
      this.#held * 2 <= this.#settings.prefetch
    ) {
      this.#schedulePump();
    }
    this.#checkIdle();
  }

  #onBreakerChange(from: BreakerState, to: BreakerState): void {
    this.#context.onBreakerChange(from, to);
    if (to === 'open') return;
    // Half-open or closed: parked keys may try again, in the order they parked.
    for (const queue of this.#parked.splice(0).reverse()) {
      queue.state = 'ready';
      this.#ready.unshift(queue);
    }
    this.#schedulePump();
  }

  #isIdle(): boolean {
    return this.#held === 0 && this.#inFlight === 0 && this.#active === 0;
  }

  #checkIdle(): void {
    if (
      this.#idleWaiters.length > 0 &&
      (this.#isIdle() || (this.#stopped && this.#inFlight === 0 && this.#active === 0))
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
