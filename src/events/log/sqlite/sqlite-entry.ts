import type { BaseEvent, Priority } from '../../schema.js';
import type { LogEntry } from '../contract.js';

export const LANES: readonly Priority[] = ['high', 'normal', 'low'];
export const LANE_OF: Readonly<Record<Priority, number>> = Object.freeze({
  high: 0,
  normal: 1,
  low: 2,
});

/** A log entry of the SQLite log. `replayId` is set for a dead letter handed back to its consumer. */
export class SqliteEntry implements LogEntry {
  readonly seq: number;
  readonly priority: Priority;
  readonly event: BaseEvent;
  readonly appendedAt: number;
  readonly deadline?: number;
  readonly replayed?: boolean;
  readonly lane: number;
  readonly replayId: number;

  constructor(
    seq: number,
    lane: number,
    event: BaseEvent,
    appendedAt: number,
    deadline: number | null | undefined,
    replayId = 0,
  ) {
    this.seq = seq;
    this.lane = lane;
    this.priority = LANES[lane] ?? 'normal';
    this.event = event;
    this.appendedAt = appendedAt;
    if (deadline !== null && deadline !== undefined) this.deadline = deadline;
    if (replayId > 0) this.replayed = true;
    this.replayId = replayId;
  }
}

/**
 * The most recent committed entries of one lane, so consumers near the tail read from
 * memory instead of SQLite. It covers every lane entry with seq > `floor`.
 *
 * It holds at least `capacity` entries once that many were pushed and fewer than 1.25 x
 * `capacity`: trimming is amortised over a quarter of the capacity, while a larger slack (it
 * was 2x) keeps so many events alive that each one survives two scavenges and is promoted
 * to the old generation, which then fills with dead events between full GCs.
 */
export class TailCache {
  #entries: SqliteEntry[] = [];
  #floor: number;
  readonly #capacity: number;
  /** The length at which the oldest entries are dropped, down to `capacity`. */
  readonly #trimAt: number;

  constructor(floor: number, capacity: number) {
    this.#floor = floor;
    this.#capacity = capacity;
    this.#trimAt = capacity + Math.max(1, Math.floor(capacity / 4));
  }

  push(entry: SqliteEntry): void {
    this.#entries.push(entry);
    if (this.#entries.length >= this.#trimAt) {
      const dropped = this.#entries.length - this.#capacity;
      this.#floor = (this.#entries[dropped - 1] as SqliteEntry).seq;
      this.#entries = this.#entries.slice(dropped);
    }
  }

  /** Entries with seq > `after`, at most `max`; undefined when the cache does not cover `after`. */
  read(after: number, max: number): SqliteEntry[] | undefined {
    if (after < this.#floor) return undefined;
    const entries = this.#entries;
    let lo = 0;
    let hi = entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((entries[mid] as SqliteEntry).seq <= after) lo = mid + 1;
      else hi = mid;
    }
    return entries.slice(lo, lo + max);
  }
}
