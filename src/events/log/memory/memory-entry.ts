import type { BaseEvent, Priority } from '../../schema.js';
import type { LogEntry } from '../contract.js';

export const LANE_OF: Readonly<Record<Priority, number>> = Object.freeze({
  high: 0,
  normal: 1,
  low: 2,
});

/** A log entry plus its position in its priority lane (internal to the memory log). */
export class MemoryEntry implements LogEntry {
  readonly seq: number;
  readonly priority: Priority;
  readonly event: BaseEvent;
  readonly appendedAt: number;
  readonly deadline?: number;
  readonly replayed?: boolean;
  /** Lane index; -1 for a replayed entry, which lives only in its consumer's replay queue. */
  readonly index: number;

  constructor(
    seq: number,
    priority: Priority,
    event: BaseEvent,
    appendedAt: number,
    deadline: number | undefined,
    index: number,
  ) {
    this.seq = seq;
    this.priority = priority;
    this.event = event;
    this.appendedAt = appendedAt;
    if (deadline !== undefined) this.deadline = deadline;
    if (index < 0) this.replayed = true;
    this.index = index;
  }
}

/** One priority's entries; `base` is the lane index of `entries[0]`. */
export class Lane {
  /** Released entries are cleared to undefined, so their events can be collected at once. */
  entries: (MemoryEntry | undefined)[] = [];
  base = 0;
  /** Lowest acknowledged watermark over all cursors: entries below it are released. */
  released = 0;

  get tail(): number {
    return this.base + this.entries.length;
  }

  /** The entry at `index`; undefined once released (cursors never read below `released`). */
  at(index: number): MemoryEntry | undefined {
    return this.entries[index - this.base];
  }

  /**
   * Releases every entry below `low`. Each slot is cleared now: a released event that stayed
   * reachable until the next compaction would be copied by every young-generation GC meanwhile.
   */
  release(low: number): void {
    const entries = this.entries;
    for (let index = this.released; index < low; index++) entries[index - this.base] = undefined;
    this.released = low;
    this.#compact();
  }

  /** Drops released slots once they are a good share of the array (amortised O(1)). */
  #compact(): void {
    const dead = this.released - this.base;
    if (dead >= 1024 && dead * 2 >= this.entries.length) {
      this.entries = this.entries.slice(dead);
      this.base = this.released;
    }
  }
}
