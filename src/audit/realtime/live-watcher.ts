import type { AuditRecord } from '../record.js';
import type { AuditFilter } from './filter.js';
import { matchesFilter } from './filter.js';

/** Told to each listener call: how many records this watch has dropped so far. */
export interface AuditLiveInfo {
  /** Records dropped (oldest first) because the listener fell `queueSize` records behind. */
  readonly dropped: number;
}

/** Receives one record at a time; the next call waits for a returned promise to settle. */
export type AuditListener = (record: AuditRecord, info: AuditLiveInfo) => void | Promise<void>;

/**
 * One `watch`: a bounded ring of records waiting for the listener. When it is full the oldest
 * record is dropped and counted, so a slow listener never holds up the bus or other watchers.
 */
export class LiveWatcher {
  readonly tenantId: string;
  readonly #filter: AuditFilter;
  readonly #listener: AuditListener;
  readonly #onError: (error: unknown) => void;
  readonly #ring: (AuditRecord | undefined)[];
  #head = 0;
  #size = 0;
  #dropped = 0;
  #pumping = false;
  #closed = false;

  constructor(
    tenantId: string,
    filter: AuditFilter,
    listener: AuditListener,
    queueSize: number,
    onError: (error: unknown) => void,
  ) {
    this.tenantId = tenantId;
    this.#filter = filter;
    this.#listener = listener;
    this.#onError = onError;
    this.#ring = new Array<AuditRecord | undefined>(queueSize);
  }

  get dropped(): number {
    return this.#dropped;
  }

  /** Queues `record` if it is this watch's tenant's and passes the filter. Never waits. */
  offer(record: AuditRecord): void {
    if (this.#closed || record.tenantId !== this.tenantId) return;
    if (!matchesFilter(record, this.#filter)) return;
    const capacity = this.#ring.length;
    if (this.#size === capacity) {
      this.#head = (this.#head + 1) % capacity;
      this.#size--;
      this.#dropped++;
    }
    this.#ring[(this.#head + this.#size) % capacity] = record;
    this.#size++;
    if (!this.#pumping) {
      this.#pumping = true;
      queueMicrotask(() => void this.#pump());
    }
  }

  /** Stops calls and forgets queued records; a call in progress finishes. */
  close(): void {
    this.#closed = true;
    this.#ring.fill(undefined);
    this.#size = 0;
  }

  async #pump(): Promise<void> {
    while (this.#size > 0 && !this.#closed) {
      const record = this.#ring[this.#head] as AuditRecord;
      this.#ring[this.#head] = undefined;
      this.#head = (this.#head + 1) % this.#ring.length;
      this.#size--;
      try {
        await this.#listener(record, { dropped: this.#dropped });
      } catch (error) {
        reportSafely(this.#onError, error);
      }
    }
    this.#pumping = false;
  }
}

function reportSafely(onError: (error: unknown) => void, error: unknown): void {
  try {
    onError(error);
  } catch {
    // A failing error hook must not stop the watch.
  }
}
