import type { BaseEvent, EventBusService, Subscription } from '../../events/index.js';
import { PermanentFailure, ValidationError } from '../../events/index.js';
import type { Clock } from '../../shared/clock.js';
import { systemClock } from '../../shared/clock.js';
import { createUuidV7Generator } from '../../shared/ids.js';
import type { AuditRecord } from '../record.js';
import { AUDIT_CHANNEL, AUDIT_LOGGER_NAME, toAuditEvent } from './audit-event.js';
import { normaliseEvent } from './normalise.js';

/** The channels `audit-logger` consumes by default (the spec's security, rbac and system). */
export const AUDITED_CHANNELS = ['security', 'rbac', 'system'] as const;

/** What `AuditLogger` needs of the bus. */
export type AuditLoggerBus = Pick<
  EventBusService,
  'subscribeBatch' | 'unsubscribe' | 'emitWithGuarantee'
>;

export interface AuditLoggerConfig {
  readonly clock?: Clock;
  /** Makes record and audit event ids. Default: a UUIDv7 generator on `clock`. */
  readonly newId?: () => string;
  /**
   * Channels to audit. Default `AUDITED_CHANNELS`. Add every channel your services create on
   * first use: `defaultConsumer: 'audit-logger'` makes such a channel retain its events for this
   * consumer, and producers on it stall once 100 events wait (docs/audit.md, "defaultConsumer").
   */
  readonly channels?: readonly string[];
  /** Source events taken from the log per handler call. Default: the bus's (channel bufferSize, at most 256). */
  readonly batchSize?: number;
}

/** Payload written in place of one that would make the audit event larger than the bus accepts. */
export interface TruncatedPayload {
  readonly truncated: true;
  /** Size of the payload's JSON in UTF-8 bytes. */
  readonly sizeBytes: number;
}

/**
 * `audit-logger`, the spec's `defaultConsumer`: consumes `security`, `rbac` and `system` as the
 * named consumer `audit-logger`, normalises every event (`normaliseEvent`) and emits the record
 * on `audit` as an `audit.record` event with `emitWithGuarantee`, keyed by the source event id
 * (`idempotencyKey`), so a redelivered source event within the audit channel's dedup window
 * yields one audit event. Past the window the store still dedupes by `(tenantId, sourceEventId)`.
 *
 * Order: records of one tenant reach `audit` in the order their source events were delivered.
 * A record the bus refuses (`EVENT_TOO_LARGE`: the source event was near the size limit) keeps
 * its fields and replaces its payload by a `TruncatedPayload`; nothing is dropped. If even that
 * is refused, the source event is dead-lettered (`PermanentFailure`).
 *
 * @example
 * const logger = new AuditLogger();
 * await logger.start(bus);
 * // ... on shutdown
 * logger.stop();
 */
export class AuditLogger {
  readonly #clock: Clock;
  readonly #newId: () => string;
  readonly #channels: readonly string[];
  readonly #batchSize: number | undefined;
  #bus: AuditLoggerBus | undefined;
  #subscriptions: Subscription[] = [];

  constructor(config: AuditLoggerConfig = {}) {
    this.#clock = config.clock ?? systemClock;
    this.#newId = config.newId ?? createUuidV7Generator(this.#clock);
    this.#channels = Object.freeze([...new Set(config.channels ?? AUDITED_CHANNELS)]);
    this.#batchSize = config.batchSize;
  }

  /** Whether `start` was called and `stop` not since. */
  get running(): boolean {
    return this.#bus !== undefined;
  }

  /**
   * Subscribes to every audited channel as `audit-logger`; resolves once the subscriptions are
   * attached. Calling it again while running does nothing.
   * @throws WardenError `BUS_CONSUMER_TAKEN` when another `audit-logger` runs on this bus; BusClosedError.
   */
  async start(bus: AuditLoggerBus): Promise<void> {
    if (this.#bus !== undefined) return;
    this.#bus = bus;
    try {
      for (const channel of this.#channels) {
        const handler = (events: BaseEvent[]): Promise<void> => this.#record(bus, channel, events);
        const options = {
          consumer: AUDIT_LOGGER_NAME,
          ...(this.#batchSize === undefined ? {} : { batchSize: this.#batchSize }),
        };
        this.#subscriptions.push(bus.subscribeBatch(channel, handler, options));
      }
      await Promise.all(this.#subscriptions.map((subscription) => subscription.ready));
    } catch (error) {
      this.stop();
      throw error;
    }
  }

  /** Unsubscribes; the named consumer keeps its position, so a later `start` resumes. Idempotent. */
  stop(): void {
    const bus = this.#bus;
    this.#bus = undefined;
    for (const subscription of this.#subscriptions) bus?.unsubscribe(subscription);
    this.#subscriptions = [];
  }

  /** Emits every record of the batch at once: appended in call order, awaited together. */
  async #record(bus: AuditLoggerBus, channel: string, events: readonly BaseEvent[]): Promise<void> {
    await Promise.all(
      events.map((event) => this.#emit(bus, normaliseEvent(event, channel, this.#newId))),
    );
  }

  async #emit(bus: AuditLoggerBus, record: AuditRecord): Promise<void> {
    const options = { idempotencyKey: record.sourceEventId };
    try {
      await bus.emitWithGuarantee(AUDIT_CHANNEL, this.#event(record), options);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error; // back pressure, closed bus: retried
      const truncated = { ...record, payload: truncatedPayload(record.payload) };
      try {
        await bus.emitWithGuarantee(AUDIT_CHANNEL, this.#event(truncated), options);
      } catch (second) {
        if (!(second instanceof ValidationError)) throw second;
        throw new PermanentFailure(`audit record refused by the bus: ${second.code}`, {
          cause: second,
        });
      }
    }
  }

  #event(record: AuditRecord): ReturnType<typeof toAuditEvent> {
    return toAuditEvent(record, this.#newId(), new Date(this.#clock.now()).toISOString());
  }
}

function truncatedPayload(payload: unknown): TruncatedPayload {
  let sizeBytes = 0;
  try {
    sizeBytes = Buffer.byteLength(JSON.stringify(payload), 'utf8');
  } catch {
    // not JSON: the size stays unknown (0)
  }
  return { truncated: true, sizeBytes };
}
