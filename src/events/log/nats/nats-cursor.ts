import type { Consumer, ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import type { DeadLetter } from '../../dead-letters.js';
import type { BaseEvent, Priority } from '../../schema.js';
import { eventIssues } from '../../validate-event.js';
import type { ConsumerRef, LogCursor, LogEntry } from '../contract.js';
import type { ReadLane } from './nats-names.js';

/** Replays first (they were already due), then by priority. */
const FETCH_ORDER: readonly ReadLane[] = ['replay', 'high', 'normal', 'low'];

/** Header carrying a delivery deadline (epoch ms). */
export const DEADLINE_HEADER = 'Warden-Deadline';
/** Header carrying a replayed event's priority. */
export const PRIORITY_HEADER = 'Warden-Priority';

/**
 * A JetStream message as a log entry; the message is kept to acknowledge it.
 *
 * `seq` and `appendedAt` come from the message's ack subject, parsed once (by `msg.info`, which
 * caches it) and only when read: the dispatcher reads neither on a successful delivery. The
 * headers are looked into only when they hold keys (Warden publishes empty ones unless the
 * event has a deadline or an idempotency key).
 */
export class NatsEntry implements LogEntry {
  readonly priority: Priority;
  readonly event: BaseEvent;
  readonly deadline?: number;
  readonly replayed?: boolean;
  readonly msg: JsMsg;

  constructor(msg: JsMsg, lane: ReadLane, event: BaseEvent) {
    this.msg = msg;
    this.event = event;
    const headers = msg.headers;
    const keys = headers?.keys() ?? [];
    if (keys.includes(DEADLINE_HEADER)) {
      const deadline = headers?.get(DEADLINE_HEADER);
      if (deadline !== undefined && deadline !== '') this.deadline = Number(deadline);
    }
    if (lane === 'replay') {
      this.replayed = true;
      const priority = keys.includes(PRIORITY_HEADER) ? headers?.get(PRIORITY_HEADER) : undefined;
      this.priority = priority === 'high' || priority === 'low' ? priority : 'normal';
    } else {
      this.priority = lane;
    }
  }

  /** The stream sequence. */
  get seq(): number {
    return this.msg.info.streamSequence;
  }

  /** When JetStream stored the message, epoch ms (its nanosecond stamp as a number, no BigInt). */
  get appendedAt(): number {
    return Math.floor(this.msg.info.timestampNanos / 1_000_000);
  }
}

/** What a cursor needs from its channel. */
export interface CursorHost {
  /** Writes the record to the DLQ stream; resolves once JetStream stored it. */
  publishDeadLetter(record: DeadLetter): Promise<void>;
  /** Pending plus unacknowledged messages of one server-side consumer. */
  pendingOf(consumerName: string): Promise<number>;
  /** A message that is not a canonical event (published by someone else): dropped and reported. */
  rejected(msg: JsMsg, reason: string): void;
  closed(cursor: NatsCursor): Promise<void>;
}

/**
 * One server-side consumer (one lane) read continuously into a bounded buffer, so `fetch`
 * can answer synchronously and the heap never holds more than `capacity` messages per lane.
 */
class LaneReader {
  readonly lane: ReadLane;
  readonly consumerName: string;
  readonly buffer: JsMsg[] = [];
  readonly capacity: number;
  readonly #notify: () => void;
  #messages: ConsumerMessages | undefined;
  #room: (() => void) | undefined;
  #stopped = false;

  constructor(lane: ReadLane, consumerName: string, capacity: number, notify: () => void) {
    this.lane = lane;
    this.consumerName = consumerName;
    this.capacity = capacity;
    this.#notify = notify;
  }

  async start(consumer: Consumer): Promise<void> {
    this.#messages = await consumer.consume({ max_messages: this.capacity });
    void this.#pump(this.#messages);
  }

  async #pump(messages: ConsumerMessages): Promise<void> {
    for await (const msg of messages) {
      if (this.#stopped) {
        msg.nak();
        continue;
      }
      this.buffer.push(msg);
      this.#notify();
      if (this.buffer.length >= this.capacity) {
        await new Promise<void>((resolve) => (this.#room = resolve));
      }
    }
  }

  take(max: number): JsMsg[] {
    const taken = this.buffer.splice(0, max);
    if (taken.length > 0 && this.#room !== undefined) {
      const room = this.#room;
      this.#room = undefined;
      room();
    }
    return taken;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#room?.();
    await this.#messages?.close().catch(() => undefined);
    // Handed back at once, so a reopened cursor (or another process) gets them without waiting for ack_wait.
    for (const msg of this.buffer.splice(0)) msg.nak();
  }
}

/**
 * A consumer's cursor over a JetStream-backed channel: one server-side consumer per
 * priority lane plus one for its replays; JetStream keeps the position, this keeps the
 * messages in hand alive (`working()`) while the dispatcher retries them.
 */
export class NatsCursor implements LogCursor {
  readonly consumer: ConsumerRef;
  readonly #host: CursorHost;
  readonly #readers: LaneReader[];
  readonly #held = new Set<NatsEntry>();
  /** Acknowledged messages whose ack is sent at the end of this event-loop turn. */
  #acks: JsMsg[] = [];
  #ackTimer: NodeJS.Immediate | undefined;
  readonly #heartbeat: NodeJS.Timeout;
  #listener: (() => void) | undefined;
  #serverLag = 0;
  #acksSinceRefresh = 0;

  constructor(
    consumer: ConsumerRef,
    host: CursorHost,
    consumerNames: Readonly<Record<ReadLane, string>>,
    capacity: number,
    ackWaitMs: number,
  ) {
    this.consumer = consumer;
    this.#host = host;
    this.#readers = FETCH_ORDER.map(
      (lane) =>
        new LaneReader(lane, consumerNames[lane], capacity, () => {
          this.#listener?.();
        }),
    );
    this.#heartbeat = setInterval(
      () => {
        this.#keepAlive();
      },
      Math.max(250, Math.floor(ackWaitMs / 3)),
    ).unref();
  }

  /**
   * Starts reading and waits (bounded) until each lane holds the first messages of its backlog,
   * so the first fetch can honour priority across lanes for events that were already waiting.
   */
  async start(
    consumers: Readonly<Record<ReadLane, Consumer>>,
    primeTimeoutMs = 2_000,
  ): Promise<void> {
    const backlog = await Promise.all(
      this.#readers.map((reader) => this.#host.pendingOf(reader.consumerName)),
    );
    await Promise.all(this.#readers.map((reader) => reader.start(consumers[reader.lane])));
    const giveUpAt = Date.now() + primeTimeoutMs;
    const primed = () =>
      this.#readers.every(
        (reader, i) => reader.buffer.length >= Math.min(backlog[i] ?? 0, reader.capacity),
      );
    while (!primed() && Date.now() < giveUpAt)
      await new Promise<void>((resolve) => setTimeout(resolve, 1));
    await this.refresh();
  }

  /** Replays first, then high, normal, low. */
  fetch(max: number): readonly LogEntry[] {
    const out: LogEntry[] = [];
    for (const reader of this.#readers) {
      if (out.length >= max) break;
      for (const msg of reader.take(max - out.length)) {
        const entry = this.#toEntry(msg, reader.lane);
        if (entry === undefined) continue;
        this.#held.add(entry);
        out.push(entry);
      }
    }
    return out;
  }

  /**
   * Acks are sent together once per event-loop turn: the client writes to its socket once per
   * microtask burst, so acks sent as handlers finish cost one write (and one TCP segment for
   * the server) each, while acks gathered per turn share one. A crash in between only means
   * redelivery, as for any ack not yet received by the server.
   */
  ack(entry: LogEntry): void {
    const own = ownEntry(entry);
    this.#held.delete(own);
    this.#acksSinceRefresh++;
    this.#acks.push(own.msg);
    this.#ackTimer ??= setImmediate(() => {
      this.sendAcks();
    });
  }

  async deadLetter(entry: LogEntry, record: DeadLetter): Promise<void> {
    await this.#host.publishDeadLetter(record);
    this.ack(entry);
  }

  lag(): number {
    let local = this.#held.size;
    for (const reader of this.#readers) local += reader.buffer.length;
    return Math.max(local, this.#serverLag - this.#acksSinceRefresh);
  }

  async refresh(): Promise<void> {
    const counts = await Promise.all(
      this.#readers.map((reader) => this.#host.pendingOf(reader.consumerName)),
    );
    this.#serverLag = counts.reduce((sum, n) => sum + n, 0);
    this.#acksSinceRefresh = 0;
  }

  onAvailable(listener: () => void): void {
    this.#listener = listener;
  }

  async close(): Promise<void> {
    this.#listener = undefined;
    clearInterval(this.#heartbeat);
    this.sendAcks();
    await Promise.all(this.#readers.map((reader) => reader.stop()));
    for (const entry of this.#held) entry.msg.nak();
    this.#held.clear();
    await this.#host.closed(this);
  }

  #toEntry(msg: JsMsg, lane: ReadLane): NatsEntry | undefined {
    let event: unknown;
    try {
      event = msg.json();
    } catch {
      this.#host.rejected(msg, 'not JSON');
      return undefined;
    }
    const issues = eventIssues(event);
    if (issues.length > 0) {
      this.#host.rejected(msg, issues.map((i) => `${i.path}: ${i.reason}`).join('; '));
      return undefined;
    }
    return new NatsEntry(msg, lane, event as BaseEvent);
  }

  /** Sends the acks gathered so far (at the end of the turn, or before closing). */
  sendAcks(): void {
    if (this.#ackTimer !== undefined) clearImmediate(this.#ackTimer);
    this.#ackTimer = undefined;
    const acks = this.#acks;
    this.#acks = [];
    for (const msg of acks) {
      try {
        msg.ack();
      } catch {
        // The connection is closed or draining: the server redelivers after ack_wait, which
        // at-least-once delivery allows (an ack lost in flight has the same effect).
      }
    }
  }

  /** Extends ack_wait for everything in hand, so a long retry is not redelivered elsewhere. */
  #keepAlive(): void {
    for (const entry of this.#held) entry.msg.working();
    for (const reader of this.#readers) for (const msg of reader.buffer) msg.working();
  }
}

function ownEntry(entry: LogEntry): NatsEntry {
  if (!(entry instanceof NatsEntry)) throw new TypeError('entry does not come from this NATS log');
  return entry;
}
