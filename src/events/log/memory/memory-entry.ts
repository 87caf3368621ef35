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
  entries: MemoryEntry[] = [];
  base = 0;
  /** Lowest acknowledged watermark over all cursors: entries below it are released. */
  released = 0;

  get tail(): number {
    return this.base + this.entries.length;
  }

  at(index: number): MemoryEntry | undefined {
    return this.entries[index - this.base];
  }

  /** Drops released entries once they are a good share of the array (amortised O(1)). */
  compact(): void {
    const dead = this.released - this.base;
    if (dead >= 1024 && dead * 2 >= this.entries.length) {
      this.entries = this.entries.slice(dead);
      this.base = this.released;
    }
  }
}
