import type { DeadLetter } from '../../dead-letters.js';
import type { ConsumerRef, LogCursor, LogEntry } from '../contract.js';
import { SqliteEntry } from './sqlite-entry.js';

/** What a cursor needs from its channel. */
export interface CursorStore {
  /** Committed entries of a lane with seq > `after`, oldest first. */
  readLane(lane: number, after: number, max: number): readonly SqliteEntry[];
  /** Replayed dead letters of a consumer with id > `after`. */
  readReplays(consumer: string, after: number, max: number): readonly SqliteEntry[];
  pendingReplays(consumer: string): number;
  /** Persists this cursor soon (with the next group commit or ack flush). */
  markDirty(cursor: SqliteCursor): void;
  deadLetter(cursor: SqliteCursor, entry: SqliteEntry, record: DeadLetter): void;
  detach(cursor: SqliteCursor): void;
  /** Writes the cursor (and any queued replay deletions) now. */
  persistNow(cursor: SqliteCursor): void;
  /** Writes the cursor inside the caller's transaction; the returned function applies it after commit. */
  persist(cursor: SqliteCursor): () => void;
}

/** A FIFO of numbers with O(1) shift. */
class NumberQueue {
  #items: number[] = [];
  #head = 0;

  get size(): number {
    return this.#items.length - this.#head;
  }

  push(value: number): void {
    this.#items.push(value);
  }

  peek(): number | undefined {
    return this.#items[this.#head];
  }

  shift(): number | undefined {
    const value = this.#items[this.#head++];
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return value;
  }

  clear(): void {
    this.#items = [];
    this.#head = 0;
  }
}

/** One consumer's place in one lane; acknowledgements may arrive out of order. */
export class LanePosition {
  /** Seq of the last entry handed out. */
  next: number;
  /** Every lane seq <= low is acknowledged. */
  low: number;
  /** Unacknowledged entries not yet handed out (the backlog), for lag and back pressure. */
  lag: number;
  /** Seqs handed out, in order, not yet below the watermark. */
  readonly outstanding = new NumberQueue();
  /** Acknowledged seqs still above the watermark. */
  readonly acked = new Set<number>();
  /** Acknowledged above the watermark before a restart or reopen: skipped when fetched. */
  readonly skip: Set<number>;
  /** Above-watermark acks that are stored in the `acks` table. */
  readonly stored: Set<number>;
  /** Above-watermark acks to store on the next persist. */
  readonly toStore = new Set<number>();
  /** The watermark as last persisted. */
  persistedLow: number;

  constructor(low: number, lag: number, skip: Iterable<number>) {
    this.next = low;
    this.low = low;
    this.persistedLow = low;
    this.lag = lag;
    this.skip = new Set(skip);
    this.stored = new Set(this.skip);
  }

  take(seq: number): boolean {
    this.next = seq;
    this.outstanding.push(seq);
    if (this.skip.delete(seq)) {
      this.ack(seq);
      return false;
    }
    return true;
  }

  ack(seq: number): void {
    if (this.outstanding.peek() !== seq) {
      this.acked.add(seq);
      if (!this.stored.has(seq)) this.toStore.add(seq);
      return;
    }
    this.outstanding.shift();
    this.low = seq;
    for (
      let head = this.outstanding.peek();
      head !== undefined && this.acked.delete(head);
      head = this.outstanding.peek()
    ) {
      this.outstanding.shift();
      this.toStore.delete(head);
      this.low = head;
    }
  }

  /** Forgets what was handed out: it is handed out again, except what was acknowledged. */
  rewind(): void {
    for (const seq of this.acked) this.skip.add(seq);
    this.acked.clear();
    this.outstanding.clear();
    this.next = this.low;
  }

  get dirty(): boolean {
    return this.low !== this.persistedLow || this.toStore.size > 0;
  }
}

/**
 * A consumer's cursor over a SQLite channel. Named cursors are persisted (watermark per
 * lane plus out-of-order acks) with the next group commit or ack flush; anonymous ones live
 * in memory only.
 */
export class SqliteCursor implements LogCursor {
  readonly consumer: ConsumerRef;
  readonly lanes: readonly LanePosition[];
  readonly #store: CursorStore;
  /** Replay rows acknowledged and not yet deleted. */
  readonly replayAcks: number[] = [];
  #lastReplay = 0;
  #replaysOut = 0;
  #listener: (() => void) | undefined;
  attached = false;

  constructor(consumer: ConsumerRef, lanes: readonly LanePosition[], store: CursorStore) {
    this.consumer = consumer;
    this.lanes = lanes;
    this.#store = store;
  }

  fetch(max: number): readonly LogEntry[] {
    const out: LogEntry[] = [];
    if (this.#store.pendingReplays(this.consumer.name) > this.#replaysOut) {
      for (const entry of this.#store.readReplays(this.consumer.name, this.#lastReplay, max)) {
        this.#lastReplay = entry.replayId;
        this.#replaysOut++;
        out.push(entry);
      }
    }
    for (let lane = 0; lane < this.lanes.length && out.length < max; lane++) {
      const position = this.lanes[lane] as LanePosition;
      for (;;) {
        const want = max - out.length;
        const entries = this.#store.readLane(lane, position.next, want);
        for (const entry of entries) if (position.take(entry.seq)) out.push(entry);
        if (entries.length < want || out.length >= max) break;
      }
    }
    return out;
  }

  ack(entry: LogEntry): void {
    const { lane, seq, replayId } = ownEntry(entry);
    if (replayId > 0) {
      this.replayAcks.push(replayId);
      this.#replaysOut--;
    } else {
      const position = this.lanes[lane] as LanePosition;
      position.ack(seq);
      position.lag--;
    }
    this.#store.markDirty(this);
  }

  deadLetter(entry: LogEntry, record: DeadLetter): void {
    this.#store.deadLetter(this, ownEntry(entry), record);
  }

  lag(): number {
    // Acknowledged replays stay in the pending count until their rows are deleted by the next write.
    let lag = this.#store.pendingReplays(this.consumer.name) - this.replayAcks.length;
    for (const position of this.lanes) lag += position.lag;
    return lag;
  }

  /** A new entry was committed to `lane`. */
  appended(lane: number): void {
    (this.lanes[lane] as LanePosition).lag++;
  }

  onAvailable(listener: () => void): void {
    this.#listener = listener;
  }

  notify(): void {
    this.#listener?.();
  }

  close(): void {
    this.#listener = undefined;
    this.attached = false;
    this.#store.persistNow(this);
    for (const position of this.lanes) position.rewind();
    this.#lastReplay = 0;
    this.#replaysOut = 0;
    this.#store.detach(this);
  }

  /** Writes this cursor inside the log's transaction; call the result once it committed. */
  persist(): () => void {
    return this.#store.persist(this);
  }

  get dirty(): boolean {
    return this.replayAcks.length > 0 || this.lanes.some((p) => p.dirty);
  }
}

function ownEntry(entry: LogEntry): SqliteEntry {
  if (!(entry instanceof SqliteEntry))
    throw new TypeError('entry does not come from this SQLite log');
  return entry;
}
