import type { DeadLetter, DeadLetterQuery, ReplayResult } from '../dead-letters.js';
import type { BaseEvent, Priority } from '../schema.js';

/** A value or a promise of it: in-memory backends answer synchronously on the hot path. */
export type MaybePromise<T> = T | Promise<T>;

/** What an append survives once it has resolved. */
export const DURABILITIES = ['memory', 'process_crash', 'power_loss'] as const;
export type Durability = (typeof DURABILITIES)[number];

/** Connection states of a remote log, reported through `EventLog.onStatus`. */
export const LOG_STATUSES = [
  'connected',
  'disconnected',
  'reconnecting',
  'reconnected',
  'error',
] as const;
export type LogStatusKind = (typeof LOG_STATUSES)[number];

export interface LogStatus {
  readonly kind: LogStatusKind;
  /** A short, secret-free description (server address, error). */
  readonly detail?: string;
}

/** One event as it sits in a channel's log. Entries are shared by every consumer: never mutate one. */
export interface LogEntry {
  /** Position in the channel, increasing in append order across all priorities. */
  readonly seq: number;
  readonly priority: Priority;
  readonly event: BaseEvent;
  /** Epoch ms when the log accepted the event. */
  readonly appendedAt: number;
  /** Epoch ms after which the event is dead-lettered instead of delivered. */
  readonly deadline?: number;
  /** True when the entry came back from the dead-letter queue through replay. */
  readonly replayed?: boolean;
}

export interface AppendRequest {
  readonly event: BaseEvent;
  /** The event's JSON encoding, already made by validation. */
  readonly json: string;
  readonly priority: Priority;
  readonly idempotencyKey?: string;
  readonly deadline?: number;
}

export interface AppendOptions {
  /** Resolve only once the entry would survive power loss (where the log can do that). */
  readonly sync: boolean;
}

export type AppendOutcome =
  { readonly kind: 'appended'; readonly seq: number } | { readonly kind: 'duplicate' };

/** Who reads through a cursor. Named consumers keep their position; anonymous ones start at the tail. */
export type ConsumerRef =
  | { readonly kind: 'named'; readonly name: string }
  | { readonly kind: 'anonymous'; readonly name: string };

/** What a channel's log is created with. */
export interface ChannelSpec {
  readonly name: string;
  /** Named consumers that exist from the start: the log retains every event for each of them. */
  readonly consumers: readonly string[];
  /** How long an idempotency key is remembered. */
  readonly dedupWindowMs: number;
}

/**
 * Where a channel's events live. Implemented by memory, SQLite and JetStream backends;
 * the dispatcher knows nothing else about storage. See docs/architecture.md for the
 * mapping of each method onto each backend.
 */
export interface EventLog {
  /** Short name of the backend, for health and docs (`memory`, `sqlite`, `nats`). */
  readonly name: string;
  /** What a plain append survives. */
  readonly durability: Durability;
  /** Whether `append(..., { sync: true })` survives power loss. */
  readonly supportsPowerLossDurability: boolean;
  /** Whether the backlog lives outside the heap, so back pressure need not bound it by memory. */
  readonly supportsOffHeapBacklog: boolean;
  /** Idempotent. */
  init(): Promise<void>;
  /** Called when the log's connection state changes (remote logs); see `LogStatus`. */
  onStatus?(listener: (status: LogStatus) => void): void;
  /** Opens (creating or provisioning) a channel. Called once per channel by the bus. */
  openChannel(spec: ChannelSpec): Promise<ChannelLog>;
  /** Idempotent; waits for pending appends to settle. */
  close(): Promise<void>;
}

/** One channel's append-only log with its cursors and dead-letter queue. */
export interface ChannelLog {
  readonly name: string;
  /** Appends one event; concurrent calls may be committed together. */
  append(request: AppendRequest, options: AppendOptions): MaybePromise<AppendOutcome>;
  /**
   * Opens the cursor of a consumer. A named consumer not in the spec starts at the tail on
   * its first open and keeps its position afterwards; reopening redelivers what was fetched
   * and not acknowledged.
   */
  openCursor(consumer: ConsumerRef): MaybePromise<LogCursor>;
  /** Events retained for the slowest consumer: what back pressure measures. */
  retained(): number;
  /** Events appended and not yet acknowledged by a consumer, subscribed or not (0 if unknown). */
  lagOf(consumer: string): MaybePromise<number>;
  /** Called after entries were released (acknowledged by everyone), so producers may resume. */
  onRelease(listener: () => void): void;
  readonly deadLetters: DeadLetterLog;
}

/** A consumer's read position. Entries come highest priority first, append order within a priority. */
export interface LogCursor {
  readonly consumer: ConsumerRef;
  /**
   * Up to `max` entries not yet handed out through this cursor. The caller reads the array
   * before fetching again: a log may reuse it for the next fetch.
   */
  fetch(max: number): MaybePromise<readonly LogEntry[]>;
  /** The consumer is done with the entry (processed, or skipped by its filter). */
  ack(entry: LogEntry): MaybePromise<void>;
  /** Moves the entry to the dead-letter queue and acknowledges it, atomically where the backend can. */
  deadLetter(entry: LogEntry, record: DeadLetter): MaybePromise<void>;
  /**
   * Entries appended and not yet acknowledged by this consumer. A remote log may answer from a
   * cached count; `refresh` brings it up to date.
   */
  lag(): number;
  /** Updates what `lag()` answers from the log's own state (remote logs). */
  refresh?(): Promise<void>;
  /**
   * Called when `fetch` may have something new. Never called synchronously from inside
   * `append` or `ack` (the dispatcher fetches and runs handlers right in the callback).
   */
  onAvailable(listener: () => void): void;
  /** Stops reading. Named consumers keep their position; anonymous ones release their entries. */
  close(): MaybePromise<void>;
}

export interface DeadLetterLog {
  list(query?: DeadLetterQuery): MaybePromise<readonly DeadLetter[]>;
  count(query?: DeadLetterQuery): MaybePromise<number>;
  /** Hands the selected dead letters back to their consumers and removes them from the queue. */
  replay(query?: DeadLetterQuery): MaybePromise<ReplayResult>;
  /** Removes the selected dead letters; returns how many. */
  purge(query?: DeadLetterQuery): MaybePromise<number>;
}
