import type { DeadLetter } from '../../dead-letters.js';
import type { ConsumerRef, LogCursor, LogEntry } from '../contract.js';
import type { Lane, MemoryEntry } from './memory-entry.js';

/** What a cursor needs from its channel. */
export interface CursorHost {
  readonly lanes: readonly Lane[];
  /** A cursor's acknowledged watermark in `lane` moved up from `previousLow` (-1: re-check). */
  advanced(lane: number, previousLow: number): void;
  addDeadLetter(record: DeadLetter): void;
  detach(cursor: MemoryCursor): void;
}

const NOTHING: readonly LogEntry[] = Object.freeze([]);

/** Position of one consumer in each lane, tolerating out-of-order acknowledgements. */
class LanePosition {
  /** Next index to hand out. */
  next: number;
  /** Every index below this is acknowledged. */
  low: number;
  /** Acknowledged indexes at or above `low` (only with concurrent delivery). */
  readonly above = new Set<number>();

  constructor(start: number) {
    this.next = start;
    this.low = start;
  }
}

export class MemoryCursor implements LogCursor {
  readonly consumer: ConsumerRef;
  readonly positions: LanePosition[];
  readonly #host: CursorHost;
  readonly #replays: MemoryEntry[] = [];
  /** Reused by every one-entry fetch; its length stays 1 once set. */
  readonly #one: LogEntry[] = [];
  /** Replayed entries handed out and not yet acknowledged. */
  readonly #replaysOut = new Set<MemoryEntry>();
  #listener: (() => void) | undefined;

  constructor(consumer: ConsumerRef, host: CursorHost, fromTail: boolean) {
    this.consumer = consumer;
    this.#host = host;
    this.positions = host.lanes.map(
      (lane) => new LanePosition(fromTail ? lane.tail : lane.released),
    );
  }

  fetch(max: number): readonly LogEntry[] {
    if (this.#replays.length === 0 && this.#isCaughtUp()) return NOTHING;
    if (max === 1 || this.#available() === 1) return this.#fetchOne();
    // A fresh array: cheaper than emptying a reused one (setting `length` is a runtime call).
    const out: LogEntry[] = [];
    while (out.length < max && this.#replays.length > 0) {
      const replay = this.#replays.shift() as MemoryEntry;
      this.#replaysOut.add(replay);
      out.push(replay);
    }
    const lanes = this.#host.lanes;
    for (let l = 0; l < lanes.length && out.length < max; l++) {
      const lane = lanes[l] as Lane;
      const position = this.positions[l] as LanePosition;
      const tail = lane.tail;
      if (position.next < position.low) position.next = position.low; // acked after a reopen
      while (out.length < max && position.next < tail) {
        const index = position.next++;
        if (position.above.size > 0 && position.above.has(index)) continue;
        out.push(lane.at(index) as MemoryEntry);
      }
    }
    return out;
  }

  ack(entry: LogEntry): void {
    // Entries handed to the dispatcher come from this log, so they are MemoryEntry instances.
    // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment
    const { index, priority } = entry as MemoryEntry;
    if (index < 0) {
      // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment
      this.#replaysOut.delete(entry as MemoryEntry); // replayed: nothing to release in the lanes
      return;
    }
    const lane = priority === 'high' ? 0 : priority === 'normal' ? 1 : 2;
    const position = this.positions[lane] as LanePosition;
    if (index !== position.low) {
      if (index > position.low) position.above.add(index);
      return;
    }
    position.low++;
    while (position.above.size > 0 && position.above.delete(position.low)) position.low++;
    this.#host.advanced(lane, index);
  }

  deadLetter(entry: LogEntry, record: DeadLetter): void {
    this.#host.addDeadLetter(record);
    this.ack(entry);
  }

  /**
   * The next entry in a reused one-element array (the contract lets a log reuse the array of the
   * previous fetch): a consumer that keeps up fetches one event at a time and allocates nothing.
   */
  #fetchOne(): readonly LogEntry[] {
    const entry = this.#replays.shift() ?? this.#nextInLanes();
    if (entry === undefined) return NOTHING;
    if (entry.index < 0) this.#replaysOut.add(entry);
    this.#one[0] = entry;
    return this.#one;
  }

  #nextInLanes(): MemoryEntry | undefined {
    const lanes = this.#host.lanes;
    for (let l = 0; l < lanes.length; l++) {
      const lane = lanes[l] as Lane;
      const position = this.positions[l] as LanePosition;
      if (position.next < position.low) position.next = position.low; // acked after a reopen
      while (position.next < lane.tail) {
        const index = position.next++;
        if (position.above.size === 0 || !position.above.has(index)) return lane.at(index);
      }
    }
    return undefined;
  }

  /** Entries a fetch could hand out now, counted up to 2 (enough to pick the one-entry path). */
  #available(): number {
    let count = this.#replays.length;
    const lanes = this.#host.lanes;
    for (let l = 0; l < lanes.length && count < 2; l++) {
      const position = this.positions[l] as LanePosition;
      count += (lanes[l] as Lane).tail - Math.max(position.next, position.low);
    }
    return count;
  }

  #isCaughtUp(): boolean {
    const lanes = this.#host.lanes;
    for (let l = 0; l < lanes.length; l++) {
      if ((this.positions[l] as LanePosition).next < (lanes[l] as Lane).tail) return false;
    }
    return true;
  }

  lag(): number {
    let lag = this.#replays.length + this.#replaysOut.size;
    const lanes = this.#host.lanes;
    for (let l = 0; l < lanes.length; l++) {
      const position = this.positions[l] as LanePosition;
      lag += (lanes[l] as Lane).tail - position.low - position.above.size;
    }
    return lag;
  }

  onAvailable(listener: () => void): void {
    this.#listener = listener;
  }

  notify(): void {
    this.#listener?.();
  }

  /** Puts a dead letter's event back in front of this consumer. */
  requeue(entry: MemoryEntry): void {
    this.#replays.push(entry);
    void Promise.resolve().then(() => {
      this.notify();
    });
  }

  close(): void {
    this.#listener = undefined;
    // Whatever was handed out and not acknowledged is handed out again on reopen.
    for (const position of this.positions) position.next = position.low;
    this.#replays.unshift(...this.#replaysOut);
    this.#replaysOut.clear();
    this.#host.detach(this);
  }
}
