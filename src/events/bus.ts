import { join } from 'node:path';
import type { Clock, TimerHandle } from '../shared/clock.js';
import { systemClock } from '../shared/clock.js';
import { createUuidV7Generator } from '../shared/ids.js';
import { Channel } from './channel.js';
import type { BreakerState } from './circuit-breaker.js';
import type { ChannelConfig, EventBusConfig } from './config.js';
import {
  eventBusConfig,
  isValidName,
  maxEventSizeOf,
  parseEventBusConfig,
  resolveChannelConfig,
  UNCONFIGURED_CHANNEL_BUFFER_SIZE,
} from './config.js';
import type { DeadLetter, DeadLetterQuery, ReplayResult } from './dead-letters.js';
import { BusClosedError, EVENT_ERROR_CODES, ValidationError } from './errors.js';
import type {
  AppendOutcome,
  EventLog,
  LogStatus,
  LogStatusKind,
  MaybePromise,
} from './log/contract.js';
import { WardenError } from '../shared/errors.js';
import { MemoryEventLog } from './log/memory/memory-event-log.js';
import { SqliteEventLog } from './log/sqlite/sqlite-event-log.js';
import type { BusHealth, BusObservation, BusObserver } from './observer.js';
import type { BaseEvent, Priority } from './schema.js';
import { parseEmitOptions, parseSubscribeOptions } from './subscribe-options.js';
import type {
  BatchSubscribeOptions,
  EmitOptions,
  SubscribeOptions,
  Subscription,
} from './subscribe-options.js';
import { checkEvent } from './validate-event.js';
import { PendingAppend } from './pending-append.js';
import { TurnBudget } from './turn-budget.js';

/** The spec's producer interface (EVENT_ARCHITECTURE.md, "Event Production Interface"). */
export interface EventEmitter {
  emit<T extends BaseEvent>(channel: string, event: T): Promise<void>;
  emitWithGuarantee<T extends BaseEvent>(
    channel: string,
    event: T,
    options?: EmitOptions,
  ): Promise<void>;
}

/** The spec's consumer interface (EVENT_ARCHITECTURE.md, "Event Consumption Interface"). */
export interface EventConsumer {
  subscribe<T extends BaseEvent>(
    channel: string,
    handler: (event: T) => Promise<void>,
    options?: SubscribeOptions<T>,
  ): Subscription;
  unsubscribe(subscription: Subscription): void;
}

/** Runtime collaborators of a bus, kept apart from its (serialisable) config. */
export interface EventBusOptions {
  /** Where events live. Default: a `SqliteEventLog` in `dataDir` when given, else a `MemoryEventLog`. */
  readonly log?: EventLog;
  /** A directory for the durable log (`<dataDir>/events.db`), used when `log` is not given. */
  readonly dataDir?: string;
  readonly clock?: Clock;
  /** Told about emits, deliveries, failures, retries, dead letters and breaker changes. */
  readonly observer?: BusObserver;
}

export interface CloseOptions {
  /** How long to wait for running handler calls. Default 10 000 ms. */
  readonly timeoutMs?: number;
}

const DEFAULT_CLOSE_TIMEOUT_MS = 10_000;

function defaultLog(dataDir: string | undefined, clock: Clock): EventLog {
  if (dataDir === undefined) return new MemoryEventLog({ clock });
  return new SqliteEventLog({ path: join(dataDir, 'events.db'), clock });
}

/** Channel that receives the bus's own events (breaker changes, dead letters). */
export const SYSTEM_CHANNEL = 'system';
const SOURCE = 'event-bus';
const RESOLVED: Promise<void> = Promise.resolve();
const toVoid = (): void => undefined;

/**
 * The canonical event bus (EVENT_ARCHITECTURE.md, "Event Bus Implementation").
 *
 * Guarantees: every named consumer receives every event at least once, in append order
 * per ordering key and priority; failures are retried per the channel's strategy, then
 * dead-lettered; a failing consumer is isolated by its circuit breaker; producers are
 * throttled when the slowest consumer lags `bufferSize` events. Durability is the log's:
 * the default memory log loses everything with the process; pass a durable log for more.
 *
 * @example
 * const bus = new EventBusService();
 * bus.subscribe('security', async (event) => { console.log(event.type); }, { consumer: 'audit-logger' });
 * await bus.emit('security', createEvent({ type: 'auth.login_succeeded', source: 'auth', data: {} }));
 * await bus.close();
 */
export class EventBusService implements EventEmitter, EventConsumer {
  readonly #config: EventBusConfig;
  readonly #log: EventLog;
  readonly #clock: Clock;
  readonly #newId: () => string;
  readonly #observer: BusObserver | undefined;
  readonly #channels = new Map<string, Channel>();
  readonly #maxEventSizeBytes: number;
  readonly #initializing: Promise<void>;
  readonly #turnBudget = new TurnBudget();
  #subscriptionCount = 0;
  #logStatus: LogStatusKind = 'connected';
  #closing: Promise<void> | undefined;

  /**
   * @param config the spec's channel config; defaults to `eventBusConfig`.
   * @throws ValidationError `BUS_CONFIG_INVALID` listing every problem by path.
   */
  constructor(config: EventBusConfig = eventBusConfig, options: EventBusOptions = {}) {
    this.#config = parseEventBusConfig(config);
    this.#clock = options.clock ?? systemClock;
    this.#log = options.log ?? defaultLog(options.dataDir, this.#clock);
    this.#observer = options.observer;
    this.#newId = createUuidV7Generator(this.#clock);
    this.#maxEventSizeBytes = maxEventSizeOf(this.#config);
    this.#log.onStatus?.((status) => {
      this.#logStatusChanged(status);
    });
    this.#initializing = this.#log.init();
    this.#initializing.catch(() => undefined); // surfaced by ready() and every emit
    // Configured channels open at once, so their named consumers retain events from the start.
    for (const name of Object.keys(this.#config.channels)) this.#getOrCreateChannel(name);
  }

  /** Resolves once the log and every configured channel are open; rejects with the log's error. */
  async ready(): Promise<void> {
    await this.#initializing;
    await Promise.all([...this.#channels.values()].map((channel) => channel.ready()));
  }

  /**
   * Validates `event` and appends it to `channel` (created on first use). Resolves once
   * the log has accepted it.
   * @throws ValidationError `EVENT_INVALID` / `EVENT_TOO_LARGE`; BackPressureError; BusClosedError.
   */
  emit<T extends BaseEvent>(channel: string, event: T): Promise<void> {
    return this.#publish(channel, event, undefined, false);
  }

  /**
   * Like `emit`, with a priority, an idempotency key (a repeat within the channel's dedup
   * window is accepted and not delivered again) and a delivery deadline (past it, the event
   * is dead-lettered with reason `deadline_exceeded`). Resolves once the event is as durable
   * as the log can make it (power-loss safe on a durable log).
   */
  emitWithGuarantee<T extends BaseEvent>(
    channel: string,
    event: T,
    options?: EmitOptions,
  ): Promise<void> {
    return this.#publish(channel, event, options, true);
  }

  /**
   * Delivers events of `channel` to `handler`. With `options.consumer` the subscription is
   * that named consumer (its own cursor, every event, kept across unsubscribe); without, it is
   * anonymous and receives events appended from now on. Return = acknowledged; throw
   * `PermanentFailure` = dead-letter now; throw `RetryAfter(ms)` = retry then; any other error
   * = retry per the channel's strategy.
   * @throws ValidationError `BUS_OPTIONS_INVALID`; WardenError `BUS_CONSUMER_TAKEN`; BusClosedError.
   */
  subscribe<T extends BaseEvent>(
    channel: string,
    handler: (event: T) => Promise<void>,
    options?: SubscribeOptions<T>,
  ): Subscription {
    return this.#subscribe(
      channel,
      { kind: 'single', handle: handler as (event: BaseEvent) => Promise<void> },
      options,
    );
  }

  /**
   * Delivers events in batches of up to `batchSize`, for bulk consumers. When a batch fails,
   * its events are delivered one by one (in batches of one) to isolate the poison event.
   */
  subscribeBatch<T extends BaseEvent>(
    channel: string,
    handler: (events: T[]) => Promise<void>,
    options?: BatchSubscribeOptions<T>,
  ): Subscription {
    return this.#subscribe(
      channel,
      { kind: 'batch', handle: handler as (events: BaseEvent[]) => Promise<void> },
      options,
    );
  }

  /** Stops a subscription. A named consumer keeps its position and its backlog. */
  unsubscribe(subscription: Subscription): void {
    void this.#channels.get(subscription.channel)?.unsubscribe(subscription.id);
  }

  /** Resolves once every subscribed consumer has processed everything appended so far. */
  async drain(): Promise<void> {
    await Promise.all([...this.#channels.values()].map((channel) => channel.drain()));
  }

  async listDeadLetters(channel: string, query?: DeadLetterQuery): Promise<readonly DeadLetter[]> {
    return this.#existingChannel(channel).listDeadLetters(query);
  }

  async countDeadLetters(channel: string, query?: DeadLetterQuery): Promise<number> {
    return this.#existingChannel(channel).countDeadLetters(query);
  }

  /** Hands dead letters back to the consumer that failed them, and removes them from the queue. */
  async replayDeadLetters(channel: string, query?: DeadLetterQuery): Promise<ReplayResult> {
    return this.#existingChannel(channel).replayDeadLetters(query);
  }

  async purgeDeadLetters(channel: string, query?: DeadLetterQuery): Promise<number> {
    return this.#existingChannel(channel).purgeDeadLetters(query);
  }

  /** Lag, in-flight deliveries, breaker state and counters of every channel and consumer. */
  async health(): Promise<BusHealth> {
    const channels = await Promise.all(
      [...this.#channels.values()].map((channel) => channel.health()),
    );
    const degraded = channels.some(
      (c) =>
        c.retained >= c.bufferSize || c.consumers.some((consumer) => consumer.breaker !== 'closed'),
    );
    const disconnected = this.#logStatus !== 'connected' && this.#logStatus !== 'reconnected';
    const status =
      this.#closing !== undefined ? 'closed' : degraded || disconnected ? 'degraded' : 'ok';
    return { status, log: this.#log.name, logStatus: this.#logStatus, channels };
  }

  /** Names of the channels open so far. */
  channelNames(): string[] {
    return [...this.#channels.keys()];
  }

  /**
   * Stops accepting events and subscriptions, fails waiting emits with `BusClosedError`, lets
   * running appends and handler calls finish (for at most `timeoutMs`, default 10 s), releases
   * timers and closes the log. Idempotent.
   */
  close(options: CloseOptions = {}): Promise<void> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS;
    this.#closing ??= (async () => {
      let timer: TimerHandle | undefined;
      const gaveUp = new Promise<void>(
        (resolve) => (timer = this.#clock.setTimeout(resolve, timeoutMs)),
      );
      // A handler that never settles must not hang shutdown: its event stays unacknowledged.
      await Promise.race([
        Promise.all([...this.#channels.values()].map((channel) => channel.close())),
        gaveUp,
      ]);
      if (timer !== undefined) this.#clock.clearTimeout(timer);
      await this.#log.close();
    })();
    return this.#closing;
  }

  /** Not async: with the memory log the whole emit runs synchronously and returns a settled promise. */
  #publish(
    channelName: string,
    event: BaseEvent,
    rawOptions: unknown,
    sync: boolean,
  ): Promise<void> {
    let outcome: MaybePromise<AppendOutcome>;
    let priority: Priority;
    try {
      if (this.#closing !== undefined) throw new BusClosedError();
      const channel = this.#getOrCreateChannel(channelName);
      const json = checkEvent(event, this.#maxEventSizeBytes);
      const options = parseEmitOptions(rawOptions);
      priority = options.priority;
      outcome = channel.publish(new PendingAppend(event, json, options, sync));
    } catch (error) {
      this.#rejected(channelName, error);
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    if (outcome instanceof Promise) {
      // Without an observer there is nothing to report: no closures per waiting emit.
      if (this.#observer === undefined) return outcome.then(toVoid);
      return outcome.then(
        (settled) => {
          this.#emitted(channelName, priority, settled);
        },
        (error: unknown) => {
          this.#rejected(channelName, error);
          throw error;
        },
      );
    }
    this.#emitted(channelName, priority, outcome);
    return RESOLVED;
  }

  #emitted(channel: string, priority: Priority, outcome: AppendOutcome): void {
    if (this.#observer === undefined) return;
    this.#observe({ kind: 'emitted', channel, priority, duplicate: outcome.kind === 'duplicate' });
  }

  #rejected(channel: string, error: unknown): void {
    if (this.#observer === undefined) return;
    const code = error instanceof WardenError ? error.code : 'UNKNOWN';
    this.#observe({ kind: 'rejected', channel, code });
  }

  #subscribe(
    channelName: string,
    handler: Parameters<Channel['subscribe']>[0]['handler'],
    rawOptions: unknown,
  ): Subscription {
    if (this.#closing !== undefined) throw new BusClosedError();
    const channel = this.#getOrCreateChannel(channelName);
    const options = parseSubscribeOptions(rawOptions, channel.config.bufferSize);
    const id = `sub-${++this.#subscriptionCount}`;
    const consumer =
      options.consumer === undefined
        ? { kind: 'anonymous' as const, name: `~anonymous-${this.#subscriptionCount}` }
        : { kind: 'named' as const, name: options.consumer };
    const ready = channel.subscribe({
      id,
      consumer,
      handler,
      filter: options.filter,
      batchSize: options.batchSize,
      maxConcurrency: options.maxConcurrency,
      orderingKey: options.orderingKey,
    });
    const subscription: Subscription = {
      id,
      channel: channelName,
      consumer: consumer.name,
      kind: consumer.kind,
      ready,
      unsubscribe: () => {
        this.unsubscribe(subscription);
      },
    };
    return Object.freeze(subscription);
  }

  #existingChannel(name: string): Channel {
    if (this.#closing !== undefined) throw new BusClosedError();
    return this.#getOrCreateChannel(name);
  }

  #getOrCreateChannel(name: string): Channel {
    let channel = this.#channels.get(name);
    if (channel !== undefined) return channel;
    if (!isValidName(name)) {
      throw new ValidationError(EVENT_ERROR_CODES.BUS_CHANNEL_INVALID, 'invalid channel', [
        {
          path: 'channel',
          reason: 'must be 1 to 64 letters, digits, "-" or "_", starting with a letter or digit',
        },
      ]);
    }
    const configured: ChannelConfig = this.#config.channels[name] ?? {
      bufferSize: UNCONFIGURED_CHANNEL_BUFFER_SIZE,
      consumers: [this.#config.defaultConsumer],
    };
    channel = new Channel(resolveChannelConfig(name, configured), {
      log: this.#log,
      logReady: this.#initializing,
      clock: this.#clock,
      newId: this.#newId,
      turnBudget: this.#turnBudget,
      observe:
        this.#observer === undefined
          ? undefined
          : (observation) => {
              this.#observe(observation);
            },
      onBreakerChange: (channelName, consumer, from, to) => {
        this.#breakerChanged(channelName, consumer, from, to);
      },
      onDeadLetter: (record) => {
        this.#deadLettered(record);
      },
    });
    this.#channels.set(name, channel);
    return channel;
  }

  #breakerChanged(channel: string, consumer: string, from: BreakerState, to: BreakerState): void {
    this.#observe({ kind: 'breaker_changed', channel, consumer, from, to });
    const type = to === 'open' ? 'opened' : to === 'half_open' ? 'half_opened' : 'closed';
    this.#emitSystemEvent(channel, `system.circuit_breaker.${type}`, {
      channel,
      consumer,
      from,
      to,
    });
  }

  /** A remote log lost or regained its server: reported to observers, health and the system channel. */
  #logStatusChanged(status: LogStatus): void {
    if (status.kind === 'error') {
      this.#observe({
        kind: 'log_status',
        status: status.kind,
        ...(status.detail === undefined ? {} : { detail: status.detail }),
      });
      return; // an error report is not a state
    }
    this.#logStatus = status.kind;
    this.#observe({
      kind: 'log_status',
      status: status.kind,
      ...(status.detail === undefined ? {} : { detail: status.detail }),
    });
    // Best effort: a 'disconnected' event is stored if the connection returns within the publish timeout.
    if (status.kind === 'disconnected' || status.kind === 'reconnected') {
      this.#emitSystemEvent('', `system.event_log.${status.kind}`, { log: this.#log.name });
    }
  }

  #deadLettered(record: DeadLetter): void {
    this.#emitSystemEvent(record.channel, 'system.dead_letter.added', {
      channel: record.channel,
      consumer: record.consumer,
      deadLetterId: record.id,
      eventId: record.event.id,
      eventType: record.event.type,
      reason: record.reason,
      attempts: record.attempts,
    });
  }

  /** Best effort: the bus's own events never block or fail the delivery path. */
  #emitSystemEvent(aboutChannel: string, type: string, data: Record<string, unknown>): void {
    if (aboutChannel === SYSTEM_CHANNEL || this.#closing !== undefined) return; // no feedback loops
    const event = {
      id: this.#newId(),
      type,
      source: SOURCE,
      time: new Date(this.#clock.now()).toISOString(),
      dataVersion: '1.0',
      data,
    };
    this.emitWithGuarantee(SYSTEM_CHANNEL, event, { priority: 'high' }).catch((error: unknown) => {
      this.#observe({
        kind: 'internal_error',
        channel: SYSTEM_CHANNEL,
        where: 'system-event',
        error: String(error),
      });
    });
  }

  #observe(observation: BusObservation): void {
    if (this.#observer === undefined) return;
    try {
      this.#observer(observation);
    } catch {
      // An observer must never break delivery.
    }
  }
}
