import type { Clock, TimerHandle } from '../shared/clock.js';
import { Fifo } from './fifo.js';
import type { Outcome } from './dispatcher-types.js';
import { KeyQueue } from './key-queue.js';
import type { LogEntry } from './log/contract.js';

/** Beyond this many keys, a key's queue is dropped when it goes idle. */
const MAX_IDLE_KEYS = 1024;

/**
 * The keys of one consumer and whose turn it is: ready keys run in the order they became
 * ready, a key waiting for a retry comes back at the front, keys held by the breaker come
 * back together when it half-opens or closes.
 */
export class KeyScheduler {
  readonly #keyOf: ((entry: LogEntry) => string) | undefined;
  readonly #clock: Clock;
  /** The only key when ordering is total (`maxConcurrency` 1): no map lookup per event. */
  readonly #single: KeyQueue | undefined;
  readonly #keys = new Map<string, KeyQueue>();
  readonly #ready = new Fifo<KeyQueue>();
  readonly #parked: KeyQueue[] = [];
  readonly #timers = new Map<KeyQueue, TimerHandle>();

  /** `keyOf` partitions entries into keys; undefined puts every entry in one key (total order). */
  constructor(keyOf: ((entry: LogEntry) => string) | undefined, clock: Clock) {
    this.#keyOf = keyOf;
    this.#clock = clock;
    this.#single = keyOf === undefined ? new KeyQueue('') : undefined;
  }

  get readyCount(): number {
    return this.#ready.size;
  }

  /** Queues an entry on its key; a key that was idle becomes ready. */
  enqueue(entry: LogEntry): void {
    const queue = this.#single ?? this.#queueOf(entry);
    queue.push(entry);
    if (queue.state === 'idle') {
      queue.state = 'ready';
      this.#ready.push(queue);
    }
  }

  nextReady(): KeyQueue | undefined {
    return this.#ready.shift();
  }

  /** Where a key goes after a run; returns true when it went idle with nothing left. */
  settle(queue: KeyQueue, outcome: Outcome, stopped: boolean): boolean {
    if (stopped) {
      queue.state = 'idle';
    } else if (outcome === 'waiting') {
      queue.state = 'waiting';
    } else if (outcome === 'parked') {
      queue.state = 'parked';
      this.#parked.push(queue);
    } else if (queue.hasWork()) {
      queue.state = 'ready';
      this.#ready.push(queue);
    } else {
      queue.state = 'idle';
      // Idle queues are kept for reuse (most keys come back), but not without bound.
      if (this.#keys.size > MAX_IDLE_KEYS) this.#keys.delete(queue.key);
      return true;
    }
    return false;
  }

  /** Makes a waiting key ready again after `delayMs`, ahead of the others (it has waited its turn). */
  retryLater(queue: KeyQueue, delayMs: number, onReady: () => void): void {
    const timer = this.#clock.setTimeout(() => {
      this.#timers.delete(queue);
      if (queue.state !== 'waiting') return;
      queue.state = 'ready';
      this.#ready.unshift(queue);
      onReady();
    }, delayMs);
    this.#timers.set(queue, timer);
  }

  /** The breaker let deliveries through again: parked keys go first, in the order they parked. */
  unpark(): void {
    for (const queue of this.#parked.splice(0).reverse()) {
      queue.state = 'ready';
      this.#ready.unshift(queue);
    }
  }

  /** Cancels every retry timer (the dispatcher stops). */
  clearTimers(): void {
    for (const timer of this.#timers.values()) this.#clock.clearTimeout(timer);
    this.#timers.clear();
  }

  #queueOf(entry: LogEntry): KeyQueue {
    const key = (this.#keyOf as (entry: LogEntry) => string)(entry);
    let queue = this.#keys.get(key);
    if (queue === undefined) {
      queue = new KeyQueue(key);
      this.#keys.set(key, queue);
    }
    return queue;
  }
}
