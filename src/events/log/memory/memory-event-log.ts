import type { Clock } from '../../../shared/clock.js';
import { systemClock } from '../../../shared/clock.js';
import type { DeadLetter } from '../../dead-letters.js';
import type {
  AppendOptions,
  AppendOutcome,
  AppendRequest,
  ChannelLog,
  ChannelSpec,
  ConsumerRef,
  EventLog,
  LogCursor,
} from '../contract.js';
import { MemoryCursor } from './memory-cursor.js';
import type { CursorHost } from './memory-cursor.js';
import { MemoryDeadLetterLog } from './memory-dead-letters.js';
import { Lane, LANE_OF, MemoryEntry } from './memory-entry.js';

const DUPLICATE: AppendOutcome = Object.freeze({ kind: 'duplicate' });
const RESOLVED: Promise<void> = Promise.resolve();

export interface MemoryEventLogConfig {
  readonly clock?: Clock;
}

/**
 * The in-memory event log: fast, bounded by the bus's back pressure, and gone with the
 * process. Appends survive nothing (`durability: 'memory'`). A full implementation of
 * the `EventLog` contract: it passes the same conformance suite as the durable logs.
 */
export class MemoryEventLog implements EventLog {
  readonly name = 'memory';
  readonly durability = 'memory' as const;
  readonly supportsPowerLossDurability = false;
  readonly supportsOffHeapBacklog = false;
  readonly #clock: Clock;
  readonly #channels = new Map<string, MemoryChannelLog>();

  constructor(config: MemoryEventLogConfig = {}) {
    this.#clock = config.clock ?? systemClock;
  }

  async init(): Promise<void> {}

  openChannel(spec: ChannelSpec): Promise<ChannelLog> {
    let channel = this.#channels.get(spec.name);
    if (channel === undefined) {
      channel = new MemoryChannelLog(spec, this.#clock);
      this.#channels.set(spec.name, channel);
    }
    return Promise.resolve(channel);
  }

  async close(): Promise<void> {}
}

class MemoryChannelLog implements ChannelLog, CursorHost {
  readonly name: string;
  readonly lanes: readonly Lane[] = [new Lane(), new Lane(), new Lane()];
  readonly deadLetters: MemoryDeadLetterLog;
  readonly #spec: ChannelSpec;
  readonly #clock: Clock;
  readonly #cursors = new Map<string, MemoryCursor>();
  /** Cursors currently attached (named ones stay in #cursors after close to keep their position). */
  readonly #attached = new Set<MemoryCursor>();
  readonly #idempotencyKeys = new Map<string, number>();
  readonly #releaseListeners: (() => void)[] = [];
  #seq = 0;
  #retained = 0;
  #announcing = false;
  /** Tells the attached cursors about a burst of appends; a promise callback made once. */
  readonly #announce = (): void => {
    this.#announcing = false;
    for (const cursor of this.#attached) cursor.notify();
  };

  constructor(spec: ChannelSpec, clock: Clock) {
    this.name = spec.name;
    this.#spec = spec;
    this.#clock = clock;
    this.deadLetters = new MemoryDeadLetterLog((record) => this.#requeue(record));
    for (const name of spec.consumers) this.#cursorFor({ kind: 'named', name }, false);
  }

  append(request: AppendRequest, _options: AppendOptions): AppendOutcome {
    const now = this.#clock.now();
    if (request.idempotencyKey !== undefined && this.#isDuplicate(request.idempotencyKey, now))
      return DUPLICATE;
    const seq = ++this.#seq;
    const laneNumber = LANE_OF[request.priority];
    const lane = this.lanes[laneNumber] as Lane;
    if (this.#cursors.size === 0) {
      // Nobody to retain it for: the event is accepted and released at once.
      lane.base = lane.tail + 1;
      lane.entries = [];
      lane.released = lane.base;
      return { kind: 'appended', seq };
    }
    lane.entries.push(
      new MemoryEntry(seq, request.priority, request.event, now, request.deadline, lane.tail),
    );
    this.#retained++;
    if (!this.#announcing) {
      // One promise callback per burst of appends, never a call from inside append (see
      // onAvailable); not queueMicrotask, which makes an AsyncResource per call.
      this.#announcing = true;
      void RESOLVED.then(this.#announce);
    }
    return { kind: 'appended', seq };
  }

  openCursor(consumer: ConsumerRef): LogCursor {
    const cursor = this.#cursorFor(consumer, true);
    this.#attached.add(cursor);
    return cursor;
  }

  retained(): number {
    return this.#retained;
  }

  lagOf(consumer: string): number {
    return this.#cursors.get(consumer)?.lag() ?? 0;
  }

  onRelease(listener: () => void): void {
    this.#releaseListeners.push(listener);
  }

  advanced(laneNumber: number, previousLow: number): void {
    const lane = this.lanes[laneNumber] as Lane;
    // Only the slowest cursor moves the lane's release point.
    if (previousLow > lane.released) return;
    let low = lane.tail;
    for (const cursor of this.#cursors.values())
      low = Math.min(low, (cursor.positions[laneNumber] as { low: number }).low);
    this.#release(lane, low);
  }

  addDeadLetter(record: DeadLetter): void {
    this.deadLetters.add(record);
  }

  detach(cursor: MemoryCursor): void {
    this.#attached.delete(cursor);
    if (cursor.consumer.kind === 'named') return;
    this.#cursors.delete(cursor.consumer.name);
    for (let l = 0; l < this.lanes.length; l++) this.advanced(l, -1);
  }

  #release(lane: Lane, low: number): void {
    if (low <= lane.released) return;
    this.#retained -= low - lane.released;
    lane.release(low);
    for (const listener of this.#releaseListeners) listener();
  }

  #cursorFor(consumer: ConsumerRef, fromTail: boolean): MemoryCursor {
    let cursor = this.#cursors.get(consumer.name);
    if (cursor === undefined) {
      cursor = new MemoryCursor(consumer, this, fromTail);
      this.#cursors.set(consumer.name, cursor);
    }
    return cursor;
  }

  #requeue(record: DeadLetter): boolean {
    const isNamed = !record.consumer.startsWith('~');
    if (!isNamed && !this.#cursors.has(record.consumer)) return false;
    const cursor = this.#cursorFor({ kind: 'named', name: record.consumer }, true);
    cursor.requeue(
      new MemoryEntry(++this.#seq, record.priority, record.event, this.#clock.now(), undefined, -1),
    );
    return true;
  }

  #isDuplicate(key: string, now: number): boolean {
    // Keys are inserted with a constant window, so the oldest expire first: sweep from the front.
    for (const [oldKey, expiresAt] of this.#idempotencyKeys) {
      if (expiresAt > now) break;
      this.#idempotencyKeys.delete(oldKey);
    }
    if (this.#idempotencyKeys.has(key)) return true;
    this.#idempotencyKeys.set(key, now + this.#spec.dedupWindowMs);
    return false;
  }
}
