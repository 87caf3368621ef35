import { describeError } from '../shared/errors.js';
import type { CircuitBreaker } from './circuit-breaker.js';
import type { DeadLetterReason } from './dead-letters.js';
import type { DispatcherContext, DispatcherSettings, Outcome } from './dispatcher-types.js';
import { PermanentFailure, RetryAfter } from './errors.js';
import type { KeyQueue } from './key-queue.js';
import type { LogCursor, LogEntry, MaybePromise } from './log/contract.js';
import { retryDelayMs } from './retry-policy.js';

/** What the outcomes need from the dispatcher that owns the keys. */
export interface OutcomeHost {
  /** The entry left the consumer's hands (`result` is the log's ack or dead-letter call). */
  release(queue: KeyQueue, entry: LogEntry, result: MaybePromise<void>): void;
  /** The key waits `delayMs`, then is tried again. */
  retryLater(queue: KeyQueue, delayMs: number): void;
}

/**
 * What happens around one attempt for one consumer: the checks before it (deadline, filter),
 * and the consequences of its result (acknowledge; retry, park or dead-letter).
 */
export class DeliveryOutcomes {
  readonly #settings: DispatcherSettings;
  readonly #context: DispatcherContext;
  readonly #cursor: LogCursor;
  readonly #breaker: CircuitBreaker;
  readonly #host: OutcomeHost;

  constructor(
    settings: DispatcherSettings,
    context: DispatcherContext,
    cursor: LogCursor,
    breaker: CircuitBreaker,
    host: OutcomeHost,
  ) {
    this.#settings = settings;
    this.#context = context;
    this.#cursor = cursor;
    this.#breaker = breaker;
    this.#host = host;
  }

  /**
   * Settles an entry that needs no handler call: past its deadline (dead-lettered) or
   * filtered out (acknowledged as skipped). Returns false when it is to be attempted.
   */
  settledBeforeAttempt(queue: KeyQueue, entry: LogEntry, now: number | undefined): boolean {
    const deadline = entry.deadline;
    if (deadline !== undefined && (now ?? this.#context.clock.now()) > deadline) {
      this.deadLetter(queue, entry, 'deadline_exceeded');
      return true;
    }
    const filter = this.#settings.filter;
    if (filter !== undefined && !filter(entry.event)) {
      this.#context.counters.skipped++;
      this.#host.release(queue, entry, this.#cursor.ack(entry));
      return true;
    }
    return false;
  }

  succeeded(queue: KeyQueue, entry: LogEntry): void {
    this.#breaker.recordSuccess();
    this.#context.counters.delivered++;
    const observe = this.#context.observe;
    if (observe !== undefined) {
      observe({
        kind: 'delivered',
        channel: this.#settings.channel,
        consumer: this.#settings.consumer,
        latencyMs: this.#context.clock.now() - entry.appendedAt,
      });
    }
    this.#host.release(queue, entry, this.#cursor.ack(entry));
  }

  /** The handler failed on the key's current entry: dead-letter, park the key, or retry later. */
  failed(queue: KeyQueue, entry: LogEntry, error: unknown): Outcome {
    // Stamped at the first failure, not before each attempt: the happy path reads no clock.
    queue.firstAttemptAt ??= this.#context.clock.now();
    queue.lastError = describeError(error);
    if (error instanceof PermanentFailure) {
      // The event's fault, not the consumer's health: the breaker does not count it.
      this.#breaker.releaseTrial();
      this.deadLetter(queue, entry, 'permanent_failure');
      return 'done';
    }
    this.#context.counters.failed++;
    this.#context.observe?.({
      kind: 'failed',
      channel: this.#settings.channel,
      consumer: this.#settings.consumer,
      attempt: queue.attempts,
      error: queue.lastError,
    });
    if (this.#breaker.recordFailure()) {
      // An outage, not this event's fault: the attempt is not charged and the key waits for the breaker.
      queue.attempts--;
      return 'parked';
    }
    if (queue.attempts >= this.#settings.retryStrategy.attempts) {
      this.deadLetter(queue, entry, 'attempts_exhausted');
      return 'done';
    }
    this.#context.counters.retried++;
    const delayMs = this.#retryDelay(queue, entry, error);
    this.#context.observe?.({
      kind: 'retry_scheduled',
      channel: this.#settings.channel,
      consumer: this.#settings.consumer,
      delayMs,
    });
    this.#host.retryLater(queue, delayMs);
    return 'waiting';
  }

  deadLetter(queue: KeyQueue, entry: LogEntry, reason: DeadLetterReason): void {
    const now = this.#context.clock.now();
    const record = queue.toDeadLetter(entry, this.#context.newId(), this.#settings, reason, now);
    this.#context.counters.deadLettered++;
    this.#host.release(queue, entry, this.#cursor.deadLetter(entry, record));
    this.#context.observe?.({
      kind: 'dead_lettered',
      channel: this.#settings.channel,
      consumer: this.#settings.consumer,
      reason,
    });
    this.#context.onDeadLetter(record);
  }

  #retryDelay(queue: KeyQueue, entry: LogEntry, error: unknown): number {
    const delayMs =
      error instanceof RetryAfter
        ? error.delayMs
        : retryDelayMs(this.#settings.retryStrategy, queue.attempts);
    const deadline = entry.deadline;
    return deadline === undefined
      ? delayMs
      : Math.min(delayMs, deadline - this.#context.clock.now() + 1);
  }
}
