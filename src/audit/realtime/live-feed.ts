import type { BaseEvent, EventConsumer, Subscription } from '../../events/index.js';
import { TenancyError } from '../../tenancy/index.js';
import { AuditError } from '../errors.js';
import { AUDIT_CHANNEL, auditRecordOf } from '../logger/index.js';
import type { AuditFilter } from './filter.js';
import { LiveWatcher } from './live-watcher.js';
import type { AuditListener } from './live-watcher.js';

/** The consumer name of `AuditLiveFeed` on the `audit` channel (the spec's). */
export const AUDIT_LIVE_FEED_CONSUMER = 'audit-dashboard-realtime';
/** Records a watch may hold for a slow listener before it drops the oldest. */
export const DEFAULT_LIVE_QUEUE_SIZE = 1000;

export interface AuditLiveFeedConfig {
  /** Per-watch queue bound. Default 1 000. */
  readonly queueSize?: number;
  /** Told when a listener throws or rejects (the watch goes on). Default: ignored. */
  readonly onListenerError?: (error: unknown) => void;
  /**
   * The consumer name. Default `audit-dashboard-realtime` (the spec's). `null` subscribes
   * anonymously: every instance sees every record, from its start only. Use `null` when several
   * Warden instances share one bus (a named consumer's events are split among its instances),
   * and then drop `audit-dashboard-realtime` from the audit channel's configured consumers, or
   * the channel keeps every record for it (docs/audit.md, "Live feed").
   */
  readonly consumer?: string | null;
}

/** What one `watch` sees: one tenant's records, optionally filtered. */
export interface AuditWatch {
  readonly tenantId: string;
  readonly filter?: AuditFilter;
}

/**
 * `audit-dashboard-realtime`: consumes the `audit` channel as that named consumer and hands
 * each record to the in-process watches of its tenant whose filter it passes. This is what
 * the dashboard's live view (SSE) uses.
 *
 * Guarantees: a watch only ever sees records of its own tenant (`record.tenantId`, which must
 * equal the event's `metadata.tenantId`); each watch has a bounded queue, and a listener that
 * falls behind loses the oldest records (counted in `AuditLiveInfo.dropped`), never slowing the
 * bus or the other watches; records reach a listener one at a time, in channel order. Live only:
 * a watch sees records delivered after it starts. The consumer is named, so while the feed is
 * stopped the channel keeps its backlog for it (and a restart replays it to the watches).
 *
 * @example
 * const feed = new AuditLiveFeed();
 * await feed.start(bus);
 * const stop = feed.watch({ tenantId, filter: { types: ['auth.'] } }, (record) => send(record));
 */
export class AuditLiveFeed {
  readonly #queueSize: number;
  readonly #onError: (error: unknown) => void;
  readonly #consumer: string | null;
  readonly #byTenant = new Map<string, Set<LiveWatcher>>();
  #bus: EventConsumer | undefined;
  #subscription: Subscription | undefined;

  /** @throws AuditError `AUDIT_CONFIG_INVALID` when `queueSize` is not a positive integer. */
  constructor(config: AuditLiveFeedConfig = {}) {
    const queueSize = config.queueSize ?? DEFAULT_LIVE_QUEUE_SIZE;
    if (!Number.isSafeInteger(queueSize) || queueSize < 1) {
      throw new AuditError(
        'AUDIT_CONFIG_INVALID',
        'AuditLiveFeed: queueSize must be a positive integer',
        {
          field: 'queueSize',
        },
      );
    }
    this.#queueSize = queueSize;
    this.#onError = config.onListenerError ?? (() => undefined);
    this.#consumer = config.consumer === undefined ? AUDIT_LIVE_FEED_CONSUMER : config.consumer;
  }

  /** Number of open watches. */
  get watchCount(): number {
    let count = 0;
    for (const watchers of this.#byTenant.values()) count += watchers.size;
    return count;
  }

  /**
   * Subscribes to `audit` as the configured consumer; resolves once attached. Calling it
   * again while running does nothing.
   * @throws WardenError `BUS_CONSUMER_TAKEN` when another feed runs on this bus; BusClosedError.
   */
  async start(bus: EventConsumer): Promise<void> {
    if (this.#bus !== undefined) return;
    const subscription = bus.subscribe(
      AUDIT_CHANNEL,
      (event) => this.#deliver(event),
      this.#consumer === null ? {} : { consumer: this.#consumer },
    );
    this.#bus = bus;
    this.#subscription = subscription;
    await subscription.ready;
  }

  /** Unsubscribes from the bus; open watches stay open and receive again after `start`. Idempotent. */
  stop(): void {
    if (this.#subscription !== undefined) this.#bus?.unsubscribe(this.#subscription);
    this.#bus = undefined;
    this.#subscription = undefined;
  }

  /**
   * Calls `listener` with each new record of `watch.tenantId` that passes `watch.filter`.
   * Returns the function that ends the watch (idempotent). Authorising the caller for the
   * tenant is the caller's job (the server checks it before opening a stream).
   * @throws TenancyError `TENANCY_CONTEXT_INVALID` when `tenantId` is not a non-empty string.
   */
  watch(watch: AuditWatch, listener: AuditListener): () => void {
    const { tenantId } = watch;
    if (typeof tenantId !== 'string' || tenantId.length === 0) {
      throw new TenancyError(
        'TENANCY_CONTEXT_INVALID',
        'AuditLiveFeed.watch: tenantId must be a non-empty string',
      );
    }
    const filter = Object.freeze({ ...watch.filter });
    const watcher = new LiveWatcher(tenantId, filter, listener, this.#queueSize, this.#onError);
    let watchers = this.#byTenant.get(tenantId);
    if (watchers === undefined) this.#byTenant.set(tenantId, (watchers = new Set()));
    watchers.add(watcher);
    return () => {
      this.#unwatch(watcher);
    };
  }

  #unwatch(watcher: LiveWatcher): void {
    watcher.close();
    const watchers = this.#byTenant.get(watcher.tenantId);
    if (watchers?.delete(watcher) === true && watchers.size === 0)
      this.#byTenant.delete(watcher.tenantId);
  }

  /** The bus handler: never throws, never waits for a listener. */
  #deliver(event: BaseEvent): Promise<void> {
    const record = auditRecordOf(event);
    if (record === null) return Promise.resolve();
    const watchers = this.#byTenant.get(record.tenantId);
    if (watchers !== undefined) for (const watcher of watchers) watcher.offer(record);
    return Promise.resolve();
  }
}
