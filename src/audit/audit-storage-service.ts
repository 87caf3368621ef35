import type { BaseEvent, EventBusService, Subscription } from '../events/index.js';
import { PermanentFailure } from '../events/index.js';
import type { Clock, TimerHandle } from '../shared/clock.js';
import { systemClock } from '../shared/clock.js';
import { AuditError } from './errors.js';
import { AUDIT_CHANNEL } from './logger/index.js';
import { auditRecordOf } from './logger/audit-event.js';
import type { AuditRecord } from './record.js';
import type { AuditStore } from './store/audit-store.js';

/** The spec's consumer name for the store on the `audit` channel. */
export const AUDIT_STORAGE_CONSUMER = 'audit-storage-service';

/** Column limits the store enforces (PostgreSQL would refuse longer values mid-batch). */
const LIMITS: readonly [keyof AuditRecord, number][] = [
  ['id', 128],
  ['tenantId', 128],
  ['sourceEventId', 128],
  ['action', 256],
  ['source', 256],
  ['time', 64],
  ['sourceChannel', 64],
];

export interface AuditStorageServiceConfig {
  readonly store: AuditStore;
  readonly clock?: Clock;
  /**
   * Records taken per batch, each batch one transaction (default 2,000). Larger batches
   * amortise each commit's page writes over more records: on SQLite (WAL) a commit rewrites
   * every index page the batch touched, so 250 records a batch stored about a third as fast
   * as 1,000, and 5,000 about 1.4x faster (docs/benchmarks.md, `## audit-store`).
   */
  readonly batchSize?: number;
  /** How often pending records get a time-based checkpoint (default 60 s). */
  readonly checkpointIntervalMs?: number;
}

/**
 * `audit-storage-service`: consumes `audit` in batches and appends the records to the store,
 * idempotently by source event id. A malformed record is dead-lettered (`AUDIT_RECORD_INVALID`)
 * after the bus isolates it from its batch; the rest of the batch is stored. A timer signs
 * checkpoints for tenants with records since their last one.
 */
export class AuditStorageService {
  readonly #store: AuditStore;
  readonly #clock: Clock;
  readonly #batchSize: number;
  readonly #intervalMs: number;
  #bus: EventBusService | undefined;
  #subscription: Subscription | undefined;
  #timer: TimerHandle | undefined;

  constructor(config: AuditStorageServiceConfig) {
    this.#store = config.store;
    this.#clock = config.clock ?? systemClock;
    this.#batchSize = config.batchSize ?? 2_000;
    this.#intervalMs = config.checkpointIntervalMs ?? 60_000;
  }

  /** Subscribes to `audit`; resolves once attached. Idempotent. */
  async start(bus: EventBusService): Promise<void> {
    if (this.#subscription !== undefined) return;
    this.#bus = bus;
    this.#subscription = bus.subscribeBatch(AUDIT_CHANNEL, (events) => this.#consume(events), {
      consumer: AUDIT_STORAGE_CONSUMER,
      batchSize: this.#batchSize,
    });
    await this.#subscription.ready;
    this.#schedule();
  }

  stop(): void {
    if (this.#subscription !== undefined) this.#bus?.unsubscribe(this.#subscription);
    this.#subscription = undefined;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  async #consume(events: readonly BaseEvent[]): Promise<void> {
    const records: AuditRecord[] = [];
    let invalid: AuditError | undefined;
    for (const event of events) {
      const record = auditRecordOf(event);
      const problem =
        record === null ? 'not an audit.record event with a well-formed record' : tooLong(record);
      if (record !== null && problem === null) records.push(record);
      else
        invalid ??= new AuditError('AUDIT_RECORD_INVALID', `event ${event.id}: ${problem ?? ''}`, {
          eventId: event.id,
        });
    }
    if (records.length > 0) await this.#store.append(records);
    // The bus retries a failed batch one by one: the good records are then skipped as
    // duplicates and only the bad one is dead-lettered.
    if (invalid !== undefined) throw new PermanentFailure(invalid.message, { cause: invalid });
  }

  #schedule(): void {
    this.#timer = this.#clock.setTimeout(() => {
      void this.#store
        .checkpointPending()
        .catch(() => undefined) // retried on the next tick; `verify` reports damaged tenants
        .finally(() => {
          if (this.#subscription !== undefined) this.#schedule();
        });
    }, this.#intervalMs);
  }
}

function tooLong(record: AuditRecord): string | null {
  for (const [field, max] of LIMITS) {
    const value = record[field];
    if (typeof value === 'string' && (value.length === 0 || value.length > max)) {
      return `${field} must be 1 to ${String(max)} characters`;
    }
  }
  return null;
}
