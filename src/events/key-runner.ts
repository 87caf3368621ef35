import type { CircuitBreaker } from './circuit-breaker.js';
import type { DeliveryOutcomes } from './delivery-outcomes.js';
import type { DispatcherContext, DispatcherSettings, Outcome } from './dispatcher-types.js';
import type { KeyCallbacks, KeyQueue } from './key-queue.js';
import type { LogEntry } from './log/contract.js';
import type { BaseEvent } from './schema.js';

/** After this many deliveries in a row, a key yields its slot if other keys are waiting. */
const KEY_QUANTUM = 32;
/** What a key's run needs from its dispatcher. */
export interface RunHost {
  stopped(): boolean;
  /** Whether every key shares one queue (`maxConcurrency` 1): the run refills it in place. */
  readonly single: boolean;
  /** Fetches from the log into the keys (synchronously for a local log). */
  refill(): void;
  /** Keys waiting for a run slot. */
  readyCount(): number;
  /** The run is over: the key goes back to the scheduler. */
  ended(queue: KeyQueue, outcome: Outcome): void;
  /** A bug in the bus: reports it and has the key tried again later. */
  crashed(queue: KeyQueue, error: unknown): Outcome;
}

/**
 * Runs keys: delivers a key's entries in order, one handler call at a time, until the key runs
 * dry, blocks (retry wait, breaker) or yields its slot. The run is a loop that leaves when it
 * must wait for a handler and resumes in that promise's callbacks, made once per key: no async
 * function per run and no closure per event.
 */
export class KeyRunner {
  readonly #settings: DispatcherSettings;
  readonly #context: DispatcherContext;
  readonly #outcomes: DeliveryOutcomes;
  readonly #breaker: CircuitBreaker;
  readonly #host: RunHost;
  #inFlight = 0;
  #sinceBudgetCheck = 0;

  constructor(
    settings: DispatcherSettings,
    context: DispatcherContext,
    outcomes: DeliveryOutcomes,
    breaker: CircuitBreaker,
    host: RunHost,
  ) {
    this.#settings = settings;
    this.#context = context;
    this.#outcomes = outcomes;
    this.#breaker = breaker;
    this.#host = host;
  }

  /** Handler calls running now. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Starts a ready key's run; `host.ended` is called when it stops. */
  run(queue: KeyQueue): void {
    queue.state = 'running';
    queue.delivered = 0;
    queue.callbacks ??= this.#callbacksFor(queue);
    this.#continue(queue);
  }

  /** The run loop; it returns early when a handler's promise (or the next turn) will resume it. */
  #continue(queue: KeyQueue): void {
    let outcome: Outcome = 'done';
    try {
      for (;;) {
        const step = this.#step(queue);
        if (step === 'pending') return;
        if (step !== 'next') {
          outcome = step;
          break;
        }
      }
    } catch (error) {
      outcome = this.#host.crashed(queue, error);
    }
    this.#host.ended(queue, outcome);
  }

  /** One delivery of the key: `next` to go on, `pending` when a promise resumes the run. */
  #step(queue: KeyQueue): Outcome | 'next' | 'pending' {
    const host = this.#host;
    if (host.stopped()) return 'done';
    // With one key, refill in place: cheaper than leaving and being woken for the next event.
    if (!queue.hasWork() && host.single) host.refill();
    if (!queue.hasWork()) return 'done';
    if (++queue.delivered > KEY_QUANTUM && host.readyCount() > 0) return 'done';
    if (++this.#sinceBudgetCheck >= this.#context.turnBudget.checkEvery && this.#yieldTurn(queue))
      return 'pending';
    if (this.#settings.handler.kind === 'batch' && queue.canBatch()) {
      const step = this.#attemptBatch(queue, queue.takeBatch(this.#settings.batchSize));
      return step === 'done' ? 'next' : step;
    }
    const entry = queue.takeCurrent() as LogEntry;
    if (entry.deadline !== undefined || this.#settings.filter !== undefined) {
      if (this.#outcomes.settledBeforeAttempt(queue, entry, undefined)) return 'next';
    }
    if (!this.#breaker.tryAcquire()) return 'parked';
    queue.attempts++;
    this.#inFlight++;
    let result: unknown;
    try {
      result = this.#invoke(entry.event);
    } catch (error) {
      // A handler that throws synchronously has failed like one that rejects.
      this.#inFlight--;
      const outcome = this.#outcomes.failed(queue, entry, error);
      return outcome === 'done' ? 'next' : outcome;
    }
    if (this.#awaitHandler(queue, result)) return 'pending';
    this.#inFlight--; // a handler that returned no promise has succeeded
    this.#outcomes.succeeded(queue, entry);
    return 'next';
  }

  #invoke(event: BaseEvent): unknown {
    const handler = this.#settings.handler;
    return handler.kind === 'single' ? handler.handle(event) : handler.handle([event]);
  }

  /** Resumes the run once the handler's promise settles; false when it returned no promise. */
  #awaitHandler(queue: KeyQueue, result: unknown): boolean {
    const { fulfilled, rejected } = queue.callbacks as KeyCallbacks;
    if (result instanceof Promise) result.then(fulfilled, rejected);
    else if (isThenable(result)) Promise.resolve(result).then(fulfilled, rejected);
    else return false;
    return true;
  }

  #callbacksFor(queue: KeyQueue): KeyCallbacks {
    // These run as promise callbacks: they must never throw (a rejection nobody handles).
    return {
      fulfilled: () => {
        this.#inFlight--;
        let outcome: Outcome = 'done';
        try {
          this.#outcomes.succeeded(queue, queue.current as LogEntry);
        } catch (error) {
          outcome = this.#host.crashed(queue, error);
        }
        this.#resumeOrEnd(queue, outcome);
      },
      rejected: (error: unknown) => {
        this.#inFlight--;
        let outcome: Outcome;
        try {
          outcome = this.#outcomes.failed(queue, queue.current as LogEntry, error);
        } catch (bug) {
          outcome = this.#host.crashed(queue, bug);
        }
        this.#resumeOrEnd(queue, outcome);
      },
      resume: () => {
        this.#continue(queue);
      },
    };
  }

  /** Applies a batch's outcome (in a promise callback: never throws), then goes on. */
  #afterBatch(queue: KeyQueue, settle: () => void): void {
    let outcome: Outcome = 'done';
    try {
      settle();
    } catch (error) {
      outcome = this.#host.crashed(queue, error);
    }
    this.#resumeOrEnd(queue, outcome);
  }

  #resumeOrEnd(queue: KeyQueue, outcome: Outcome): void {
    if (outcome === 'done') this.#continue(queue);
    else this.#host.ended(queue, outcome);
  }

  /** A long drain lets timers (emit timeouts, retries) and I/O run, then carries on. */
  #yieldTurn(queue: KeyQueue): boolean {
    this.#sinceBudgetCheck = 0;
    const budget = this.#context.turnBudget;
    if (!budget.spent()) return false;
    void budget.nextTurn().then((queue.callbacks as KeyCallbacks).resume);
    return true;
  }

  /**
   * One handler call for a batch of a key's entries (on failure they are retried one by one):
   * `pending` while it runs, `done` when every entry was settled without a call, `parked` when
   * the breaker holds the batch back.
   */
  #attemptBatch(queue: KeyQueue, batch: LogEntry[]): 'pending' | 'done' | 'parked' {
    const now = this.#context.clock.now();
    const live: LogEntry[] = [];
    for (const entry of batch) {
      if (!this.#outcomes.settledBeforeAttempt(queue, entry, now)) live.push(entry);
    }
    if (live.length === 0) return 'done';
    if (!this.#breaker.tryAcquire()) {
      queue.unshiftAll(live);
      return 'parked';
    }
    this.#inFlight++;
    const handle = this.#settings.handler.handle as (events: BaseEvent[]) => Promise<void>;
    new Promise<void>((resolve) => {
      resolve(handle(live.map((entry) => entry.event)));
    }).then(
      () => {
        this.#inFlight--;
        this.#afterBatch(queue, () => {
          for (const entry of live) this.#outcomes.succeeded(queue, entry);
        });
      },
      () => {
        this.#inFlight--;
        this.#afterBatch(queue, () => {
          // Some event in the batch failed: deliver them one by one to find it.
          this.#breaker.releaseTrial();
          queue.isolate(live);
          queue.unshiftAll(live);
        });
      },
    );
    return 'pending';
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
