import { LatencyHistogram } from '../lib/histogram.js';
import type { SecurityEvent } from './security-event.js';

/**
 * The receiving end shared by every subject: one handler per consumer, each recording
 * emit-to-handler latency (from a side table of emit times, so the event itself carries
 * no timing) and which events it saw, so a run also proves every event reached every
 * consumer exactly once.
 */
export class DeliverySink {
  readonly latency = new LatencyHistogram();
  /** Latency from when the event was due rather than when it was emitted (paced runs only). */
  readonly fromSchedule = new LatencyHistogram();
  readonly done: Promise<number>;
  readonly #count: number;
  readonly #emittedAt: Float64Array;
  readonly #scheduledAt: Float64Array | undefined;
  readonly #seen: Uint8Array[];
  readonly #consumers: number;
  /** Events the bus refused at emit (back pressure): the producer knows, so they are not lost. */
  readonly #rejected: Uint8Array;
  #rejectedCount = 0;
  #calls = 0;
  #lastCallAt = 0;
  #finish: (at: number) => void = () => undefined;

  constructor(count: number, consumers: number, options: { paced: boolean }) {
    this.#count = count;
    this.#emittedAt = new Float64Array(count);
    this.#scheduledAt = options.paced ? new Float64Array(count) : undefined;
    this.#seen = Array.from({ length: consumers }, () => new Uint8Array(count));
    this.#consumers = consumers;
    this.#rejected = new Uint8Array(count);
    this.done = new Promise((resolve) => (this.#finish = resolve));
  }

  get calls(): number {
    return this.#calls;
  }

  get rejected(): number {
    return this.#rejectedCount;
  }

  /** Every accepted event has reached every consumer. */
  get complete(): boolean {
    return this.#calls >= (this.#count - this.#rejectedCount) * this.#consumers;
  }

  /** The emit of `seq` failed: no consumer should see it. */
  markRejected(seq: number): void {
    if (this.#rejected[seq] === 1) return;
    this.#rejected[seq] = 1;
    this.#rejectedCount++;
    if (this.complete) this.#finish(this.#lastCallAt);
  }

  /** Call right before emitting event `seq`; `scheduledAtMs` is when a paced load wanted it out. */
  stampEmit(seq: number, scheduledAtMs?: number): void {
    this.#emittedAt[seq] = performance.now();
    if (this.#scheduledAt !== undefined && scheduledAtMs !== undefined)
      this.#scheduledAt[seq] = scheduledAtMs;
  }

  /** An async handler, as both buses' users write them. */
  handlerFor(consumer: number): (event: SecurityEvent) => Promise<void> {
    // eslint-disable-next-line @typescript-eslint/require-await -- a real handler is async; this one has no I/O
    return async (event) => {
      this.#deliver(consumer, event.data.seq);
    };
  }

  /** Events some consumer never saw, and extra deliveries; both should be 0. */
  verify(): { lost: number; duplicates: number } {
    let lost = 0;
    let duplicates = 0;
    for (const seen of this.#seen) {
      for (let seq = 0; seq < this.#count; seq++) {
        const times = seen[seq] ?? 0;
        if (times > 0) duplicates += times - 1;
        else if (this.#rejected[seq] === 0) lost++; // a refused emit is not lost: its producer knows
      }
    }
    return { lost, duplicates };
  }

  #deliver(consumer: number, seq: number): void {
    const now = performance.now();
    this.latency.record((now - (this.#emittedAt[seq] ?? now)) * 1e6);
    if (this.#scheduledAt !== undefined)
      this.fromSchedule.record((now - (this.#scheduledAt[seq] ?? now)) * 1e6);
    const seen = this.#seen[consumer];
    if (seen !== undefined && (seen[seq] ?? 0) < 255) seen[seq] = (seen[seq] ?? 0) + 1;
    this.#calls++;
    this.#lastCallAt = now;
    if (this.complete) this.#finish(now);
  }
}
