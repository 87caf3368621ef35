import { Fifo } from './fifo.js';
import type { DeadLetter, DeadLetterReason } from './dead-letters.js';
import type { LogEntry } from './log/contract.js';

/** One event on its way to one consumer: the attempts made so far and how the last one ended. */
export class Delivery {
  readonly entry: LogEntry;
  attempts = 0;
  firstAttemptAt: number | undefined;
  lastError: string | undefined;
  /** Set after a failed batch: deliver this one on its own to isolate a poison event. */
  isolate = false;

  constructor(entry: LogEntry) {
    this.entry = entry;
  }

  /** The dead-letter record of this delivery, as it stands now. */
  toDeadLetter(
    id: string,
    channel: string,
    consumer: string,
    reason: DeadLetterReason,
    now: number,
  ): DeadLetter {
    const { entry } = this;
    return {
      id,
      channel,
      consumer,
      event: entry.event,
      priority: entry.priority,
      reason,
      attempts: this.attempts,
      deadLetteredAt: now,
      ...(this.lastError === undefined ? {} : { lastError: this.lastError }),
      ...(this.firstAttemptAt === undefined ? {} : { firstAttemptAt: this.firstAttemptAt }),
    };
  }
}

/** Where a key stands in its consumer's scheduler. */
export type KeyState = 'idle' | 'ready' | 'running' | 'waiting' | 'parked';

const LANE = { high: 0, normal: 1, low: 2 } as const;

/**
 * The deliveries of one ordering key for one consumer, one FIFO per priority. Order holds
 * within a key and priority; higher priorities are taken first.
 */
export class KeyQueue {
  readonly key: string;
  state: KeyState = 'idle';
  /** The delivery being attempted or waiting for its retry; it blocks the rest of the key. */
  current: Delivery | undefined;
  readonly #lanes = [new Fifo<Delivery>(), new Fifo<Delivery>(), new Fifo<Delivery>()] as const;
  #size = 0;

  constructor(key: string) {
    this.key = key;
  }

  /** Queued deliveries, `current` excluded. */
  get size(): number {
    return this.#size;
  }

  push(delivery: Delivery): void {
    this.#lanes[LANE[delivery.entry.priority]].push(delivery);
    this.#size++;
  }

  /** Puts deliveries back at the front of their lanes, keeping their order. */
  unshiftAll(deliveries: readonly Delivery[]): void {
    for (let i = deliveries.length - 1; i >= 0; i--) {
      const delivery = deliveries[i] as Delivery;
      this.#lanes[LANE[delivery.entry.priority]].unshift(delivery);
      this.#size++;
    }
  }

  peek(): Delivery | undefined {
    for (const lane of this.#lanes) if (lane.size > 0) return lane.peek();
    return undefined;
  }

  take(): Delivery | undefined {
    for (const lane of this.#lanes) {
      if (lane.size > 0) {
        this.#size--;
        return lane.shift();
      }
    }
    return undefined;
  }

  /** Up to `max` deliveries that may go together in one batch (stops at one needing isolation). */
  takeBatch(max: number): Delivery[] {
    const batch: Delivery[] = [];
    for (const lane of this.#lanes) {
      while (batch.length < max && lane.size > 0 && !(lane.peek() as Delivery).isolate) {
        batch.push(lane.shift() as Delivery);
        this.#size--;
      }
      if (lane.size > 0) break; // never let a lower priority overtake what is left here
    }
    return batch;
  }

  hasWork(): boolean {
    return this.current !== undefined || this.#size > 0;
  }
}
