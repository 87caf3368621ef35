import type { Clock } from '../shared/clock.js';
import { Admission } from './admission.js';
import type { BreakerState } from './circuit-breaker.js';
import type { ResolvedChannelConfig } from './config.js';
import type { DeadLetter, DeadLetterQuery, ReplayResult } from './dead-letters.js';
import { Dispatcher } from './dispatcher.js';
import type { ConsumerHandler, DispatcherContext, DispatcherSettings } from './dispatcher.js';
import { BusClosedError, EVENT_ERROR_CODES } from './errors.js';
import { WardenError } from '../shared/errors.js';
import type {
  AppendOutcome,
  ChannelLog,
  ConsumerRef,
  EventLog,
  LogCursor,
  MaybePromise,
} from './log/contract.js';
import type { BusObserver, ChannelHealth, ConsumerCounters, ConsumerHealth } from './observer.js';
import type { BaseEvent } from './schema.js';
import { tenantOf } from './schema.js';
import type { PendingAppend } from './pending-append.js';
import type { TurnBudget } from './turn-budget.js';

/** Everything a channel needs from its bus. */
export interface ChannelContext {
  readonly log: EventLog;
  /** Settles when the log's `init()` does; channels open after it. */
  readonly logReady: Promise<void>;
  readonly clock: Clock;
  readonly newId: () => string;
  readonly observe: BusObserver | undefined;
  /** Shared by every dispatcher of the bus (see `TurnBudget`). */
  readonly turnBudget: TurnBudget;
  readonly onBreakerChange: (
    channel: string,
    consumer: string,
    from: BreakerState,
    to: BreakerState,
  ) => void;
  readonly onDeadLetter: (record: DeadLetter) => void;
}

export interface SubscriptionPlan {
  readonly id: string;
  readonly consumer: ConsumerRef;
  readonly handler: ConsumerHandler;
  readonly filter: ((event: BaseEvent) => boolean) | undefined;
  readonly batchSize: number;
  readonly maxConcurrency: number;
  readonly orderingKey: ((event: BaseEvent) => string) | undefined;
}

interface ConsumerRecord {
  readonly ref: ConsumerRef;
  readonly counters: ConsumerCounters;
  subscriptionId: string | undefined;
  dispatcher: Dispatcher | undefined;
  /** The cursor being opened, so an unsubscribe that races the open can still stop it. */
  opening: Promise<void> | undefined;
}

const ATTACHED: Promise<void> = Promise.resolve();

const defaultOrderingKey = (event: BaseEvent): string => tenantOf(event) ?? '';

/**
 * One channel of the bus: admission (back pressure) in front of the channel's log, and
 * one dispatcher per subscribed consumer behind it.
 */
export class Channel {
  readonly name: string;
  readonly config: ResolvedChannelConfig;
  readonly #context: ChannelContext;
  readonly #opening: Promise<ChannelLog>;
  readonly #admission: Admission;
  readonly #consumers = new Map<string, ConsumerRecord>();
  #log: ChannelLog | undefined;
  #pendingAppends = 0;
  #appendsSettled: (() => void) | undefined;

  constructor(config: ResolvedChannelConfig, context: ChannelContext) {
    this.name = config.name;
    this.config = config;
    this.#context = context;
    const retained = () =>
      this.#log === undefined || context.log.supportsOffHeapBacklog ? 0 : this.#log.retained();
    this.#admission = new Admission(
      { channel: config.name, bufferSize: config.bufferSize, emitTimeoutMs: config.emitTimeoutMs },
      context.clock,
      retained,
    );
    for (const name of config.consumers) this.#record({ kind: 'named', name });
    this.#opening = context.logReady
      .then(() =>
        context.log.openChannel({
          name: config.name,
          consumers: config.consumers,
          dedupWindowMs: config.dedupWindowMs,
        }),
      )
      .then((log) => {
        this.#log = log;
        log.onRelease(() => {
          this.#admission.wake();
        });
        return log;
      });
    this.#opening.catch(() => undefined); // surfaced to every caller that awaits it
  }

  /** Resolves once the channel's log is open. */
  async ready(): Promise<void> {
    await this.#opening;
  }

  /**
   * Admits and appends one event. Synchronous when the log is open, there is room and the
   * log appends synchronously (the memory log), so the hot path allocates no promise.
   */
  publish(request: PendingAppend): MaybePromise<AppendOutcome> {
    const log = this.#log;
    if (log === undefined) return this.#opening.then(() => this.publish(request));
    const wait = this.#admission.acquire(request.priority);
    if (wait !== undefined) return wait.then(() => this.#append(log, request));
    return this.#append(log, request);
  }

  #append(log: ChannelLog, request: PendingAppend): MaybePromise<AppendOutcome> {
    this.#pendingAppends++;
    let appended: MaybePromise<AppendOutcome>;
    try {
      appended = log.append(request, request.options);
    } catch (error) {
      this.#appendSettled();
      throw error;
    }
    if (!(appended instanceof Promise)) {
      this.#appendSettled();
      return appended;
    }
    return appended.then(
      (outcome) => {
        this.#appendSettled();
        return outcome;
      },
      (error: unknown) => {
        this.#appendSettled();
        throw error;
      },
    );
  }

  #appendSettled(): void {
    this.#admission.release();
    if (--this.#pendingAppends === 0) this.#appendsSettled?.();
  }

  /**
   * Attaches a consumer; the dispatcher starts once the cursor is open. Resolves then (at once
   * for local logs); rejects if the cursor could not be opened.
   */
  subscribe(plan: SubscriptionPlan): Promise<void> {
    const record = this.#record(plan.consumer);
    if (record.subscriptionId !== undefined) {
      throw new WardenError(
        EVENT_ERROR_CODES.BUS_CONSUMER_TAKEN,
        'conflict',
        `consumer '${plan.consumer.name}' of channel '${this.name}' is already subscribed in this process`,
        { details: { channel: this.name, consumer: plan.consumer.name } },
      );
    }
    record.subscriptionId = plan.id;
    const start = (cursor: LogCursor) => {
      if (record.subscriptionId !== plan.id) {
        void cursor.close(); // unsubscribed while the cursor was opening
        return;
      }
      record.dispatcher = new Dispatcher(
        this.#settingsFor(plan),
        this.#dispatcherContext(record),
        cursor,
      );
    };
    const log = this.#log;
    const cursor = log?.openCursor(plan.consumer);
    if (cursor !== undefined && !(cursor instanceof Promise)) {
      start(cursor);
      return ATTACHED;
    }
    const attached = (
      cursor ?? this.#opening.then((opened) => opened.openCursor(plan.consumer))
    ).then(start, (error: unknown) => {
      record.subscriptionId = undefined;
      this.#context.observe?.({
        kind: 'internal_error',
        channel: this.name,
        where: 'subscribe',
        error: String(error),
      });
      throw error;
    });
    record.opening = attached.catch(() => undefined);
    return attached;
  }

  /** Detaches a subscription; resolves once its running handler calls have finished. */
  async unsubscribe(subscriptionId: string): Promise<void> {
    for (const [name, record] of this.#consumers) {
      if (record.subscriptionId !== subscriptionId) continue;
      record.subscriptionId = undefined;
      const dispatcher = record.dispatcher;
      record.dispatcher = undefined;
      if (record.ref.kind === 'anonymous') this.#consumers.delete(name);
      await record.opening;
      await dispatcher?.stop();
      return;
    }
  }

  /** Resolves once every subscribed consumer has caught up. */
  async drain(): Promise<void> {
    for (;;) {
      // Subscriptions still attaching (a remote log provisions consumers) count as subscribed.
      await Promise.all(
        [...this.#consumers.values()].flatMap((r) => (r.opening ? [r.opening] : [])),
      );
      const dispatchers = [...this.#consumers.values()].flatMap((r) =>
        r.dispatcher ? [r.dispatcher] : [],
      );
      await Promise.all(dispatchers.map((d) => d.whenQuiet()));
      await Promise.all(dispatchers.map((d) => d.refresh()));
      if (dispatchers.every((d) => d.lag() === 0 && d.inFlight === 0)) return;
      // More is on its way (a fetch, or a remote log that has not delivered yet): let it arrive.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  async listDeadLetters(query?: DeadLetterQuery): Promise<readonly DeadLetter[]> {
    return (await this.#opening).deadLetters.list(query);
  }

  async countDeadLetters(query?: DeadLetterQuery): Promise<number> {
    return (await this.#opening).deadLetters.count(query);
  }

  async replayDeadLetters(query?: DeadLetterQuery): Promise<ReplayResult> {
    return (await this.#opening).deadLetters.replay(query);
  }

  async purgeDeadLetters(query?: DeadLetterQuery): Promise<number> {
    return (await this.#opening).deadLetters.purge(query);
  }

  async health(): Promise<ChannelHealth> {
    const waitingEmits = this.#admission.waiting;
    const consumers: ConsumerHealth[] = [];
    for (const record of [...this.#consumers.values()]) {
      const dispatcher = record.dispatcher;
      consumers.push({
        consumer: record.ref.name,
        kind: record.ref.kind,
        subscribed: record.subscriptionId !== undefined,
        lag: (await this.#log?.lagOf(record.ref.name)) ?? 0,
        inFlight: dispatcher?.inFlight ?? 0,
        breaker: dispatcher?.breakerState ?? 'closed',
        ...record.counters,
      });
    }
    return {
      channel: this.name,
      // The slowest consumer's backlog, wherever the log keeps it.
      retained: Math.max(0, ...consumers.map((c) => c.lag)),
      bufferSize: this.config.bufferSize,
      waitingEmits,
      deadLetters: await this.countDeadLetters(),
      consumers,
    };
  }

  /** Fails waiting emits, lets running appends finish, stops every dispatcher. */
  async close(): Promise<void> {
    this.#admission.rejectAll(new BusClosedError());
    if (this.#pendingAppends > 0) {
      await new Promise<void>((resolve) => (this.#appendsSettled = resolve));
    }
    const stopping = [...this.#consumers.values()].map(async (record) => {
      record.subscriptionId = undefined;
      await record.opening;
      await record.dispatcher?.stop();
      record.dispatcher = undefined;
    });
    await Promise.all(stopping);
  }

  #record(ref: ConsumerRef): ConsumerRecord {
    let record = this.#consumers.get(ref.name);
    if (record === undefined) {
      record = {
        ref,
        counters: { delivered: 0, failed: 0, retried: 0, deadLettered: 0, skipped: 0 },
        subscriptionId: undefined,
        dispatcher: undefined,
        opening: undefined,
      };
      this.#consumers.set(ref.name, record);
    }
    return record;
  }

  #settingsFor(plan: SubscriptionPlan): DispatcherSettings {
    return {
      channel: this.name,
      consumer: plan.consumer.name,
      handler: plan.handler,
      retryStrategy: this.config.retryStrategy,
      failureThreshold: this.config.failureThreshold,
      cooldownMs: this.config.cooldownMs,
      prefetch: plan.batchSize,
      batchSize: plan.batchSize,
      maxConcurrency: plan.maxConcurrency,
      orderingKey: plan.orderingKey ?? defaultOrderingKey,
      filter: plan.filter,
    };
  }

  #dispatcherContext(record: ConsumerRecord): DispatcherContext {
    const context = this.#context;
    return {
      clock: context.clock,
      newId: context.newId,
      counters: record.counters,
      observe: context.observe,
      turnBudget: context.turnBudget,
      onDeadLetter: context.onDeadLetter,
      onBreakerChange: (from: BreakerState, to: BreakerState) => {
        context.onBreakerChange(this.name, record.ref.name, from, to);
      },
    };
  }
}
