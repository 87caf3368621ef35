import { Fifo } from './fifo.js';
import type { DeadLetter, DeadLetterReason } from './dead-letters.js';
import type { LogEntry } from './log/contract.js';

/** Where a key stands in its consumer's scheduler. */
export type KeyState = 'idle' | 'ready' | 'running' | 'waiting' | 'parked';

/** The promise callbacks that carry a key's run on after a handler settles, made once per key. */
export interface KeyCallbacks {
  readonly fulfilled: () => void;
  readonly rejected: (error: unknown) => void;
  /** Carries the run on after a pause (a yielded turn, a batch). */
  readonly resume: () => void;
}

const laneOf = (entry: LogEntry): number =>
  entry.priority === 'normal' ? 1 : entry.priority === 'high' ? 0 : 2;

/**
 * The entries of one ordering key for one consumer, one FIFO per priority. Order holds
 * within a key and priority; higher priorities are taken first.
 *
 * Only the entry at the head of a key (`current`) is ever attempted, so the attempt state
 * (attempts, first attempt, last error) lives here, once per key, rather than in an object per
 * delivery: the happy path allocates nothing per event.
 */
export class KeyQueue {
  readonly key: string;
  state: KeyState = 'idle';
  /** The entry being attempted or waiting for its retry; it blocks the rest of the key. */
  current: LogEntry | undefined;
  /** Attempts made on `current`. */
  attempts = 0;
  /** Epoch ms of the first failed attempt on `current` (stamped at the failure: the happy path reads no clock). */
  firstAttemptAt: number | undefined;
  lastError: string | undefined;
  /** Deliveries in the current run (for the scheduler's fairness quantum). */
  delivered = 0;
  /** Set by the dispatcher on the key's first run. */
  callbacks: KeyCallbacks | undefined;
  readonly #lanes = [new Fifo<LogEntry>(), new Fifo<LogEntry>(), new Fifo<LogEntry>()] as const;
  #size = 0;
  /** Entries of a failed batch: delivered on their own to isolate a poison event. */
  #isolated: Set<LogEntry> | undefined;

  constructor(key: string) {
    this.key = key;
  }

  /** Queued entries, `current` excluded. */
  get size(): number {
    return this.#size;
  }

  push(entry: LogEntry): void {
    (this.#lanes[laneOf(entry)] as Fifo<LogEntry>).push(entry);
    this.#size++;
  }

  /** Puts entries back at the front of their lanes, keeping their order. */
  unshiftAll(entries: readonly LogEntry[]): void {
    for (let i = entries.length - 1; i >= 0; i--) {
      const entry = entries[i] as LogEntry;
      (this.#lanes[laneOf(entry)] as Fifo<LogEntry>).unshift(entry);
      this.#size++;
    }
  }

  /** Marks entries to be delivered one by one (after their batch failed). */
  isolate(entries: readonly LogEntry[]): void {
    this.#isolated ??= new Set();
    for (const entry of entries) this.#isolated.add(entry);
  }

  /** Whether the next entry may start a batch (none is current and the head needs no isolation). */
  canBatch(): boolean {
    if (this.current !== undefined) return false;
    const head = this.#peek();
    return head !== undefined && !this.#isIsolated(head);
  }

  /** The current entry, or the next one made current with a fresh attempt state. */
  takeCurrent(): LogEntry | undefined {
    if (this.current !== undefined) return this.current;
    const entry = this.#take();
    if (entry === undefined) return undefined;
    this.current = entry;
    this.attempts = 0;
    this.firstAttemptAt = undefined;
    this.lastError = undefined;
    return entry;
  }

  /** The entry is done (acknowledged or dead-lettered): the key moves on. */
  finished(entry: LogEntry): void {
    if (this.current === entry) this.current = undefined;
    if (this.#isolated !== undefined && this.#isolated.delete(entry) && this.#isolated.size === 0)
      this.#isolated = undefined;
  }

  /** Up to `max` entries that may go together in one batch (stops at one needing isolation). */
  takeBatch(max: number): LogEntry[] {
    const batch: LogEntry[] = [];
    for (const lane of this.#lanes) {
      while (batch.length < max && lane.size > 0 && !this.#isIsolated(lane.peek() as LogEntry)) {
        batch.push(lane.shift() as LogEntry);
        this.#size--;
      }
      if (lane.size > 0) break; // never let a lower priority overtake what is left here
    }
    return batch;
  }

  hasWork(): boolean {
    return this.current !== undefined || this.#size > 0;
  }

  /** The dead-letter record of `entry` as it stands now (attempt state only if it is current). */
  toDeadLetter(
    entry: LogEntry,
    id: string,
    place: { readonly channel: string; readonly consumer: string },
    reason: DeadLetterReason,
    now: number,
  ): DeadLetter {
    const isCurrent = entry === this.current;
    const lastError = isCurrent ? this.lastError : undefined;
    const firstAttemptAt = isCurrent ? this.firstAttemptAt : undefined;
    return {
      id,
      channel: place.channel,
      consumer: place.consumer,
      event: entry.event,
      priority: entry.priority,
      reason,
      attempts: isCurrent ? this.attempts : 0,
      deadLetteredAt: now,
      ...(lastError === undefined ? {} : { lastError }),
      ...(firstAttemptAt === undefined ? {} : { firstAttemptAt }),
    };
  }

  #peek(): LogEntry | undefined {
    for (const lane of this.#lanes) if (lane.size > 0) return lane.peek();
    return undefined;
  }

  #take(): LogEntry | undefined {
    for (const lane of this.#lanes) {
      if (lane.size > 0) {
        this.#size--;
        return lane.shift();
      }
    }
    return undefined;
  }

  #isIsolated(entry: LogEntry): boolean {
    return this.#isolated !== undefined && this.#isolated.has(entry);
  }
}
