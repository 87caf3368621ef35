import type {
  Consumer,
  ConsumerConfig,
  JetStreamClient,
  JetStreamManager,
  JsMsg,
} from '@nats-io/jetstream';
import { AckPolicy, DeliverPolicy, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { headers, nanos } from '@nats-io/transport-node';
import type { DeadLetter } from '../../dead-letters.js';
import { tenantOf } from '../../schema.js';
import type {
  AppendOptions,
  AppendOutcome,
  AppendRequest,
  ChannelLog,
  ChannelSpec,
  ConsumerRef,
  LogCursor,
} from '../contract.js';
import { DEADLINE_HEADER, NatsCursor } from './nats-cursor.js';
import type { CursorHost } from './nats-cursor.js';
import { NatsDeadLetterLog } from './nats-dead-letters.js';
import { translateNatsError } from './nats-errors.js';
import { ChannelNames, READ_LANES } from './nats-names.js';
import type { ReadLane } from './nats-names.js';

/** What a channel needs from the log that owns the connection. */
export interface NatsHost {
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly settings: NatsChannelSettings;
  /** A message in a channel's stream that is not a canonical event. */
  rejected(channel: string, reason: string): void;
}

export interface NatsChannelSettings {
  readonly prefix: string;
  readonly storage: 'file' | 'memory';
  readonly replicas: number;
  readonly publishTimeoutMs: number;
  readonly ackWaitMs: number;
  /** Messages buffered per consumer lane. */
  readonly prefetch: number;
  /** How long an anonymous subscription's server-side consumers outlive a crashed process. */
  readonly ephemeralTtlMs: number;
  /** Unique per log instance: names this instance's anonymous consumers. */
  readonly instanceId: string;
}

const DUPLICATE: AppendOutcome = Object.freeze({ kind: 'duplicate' });

/**
 * One channel on JetStream: a stream (interest retention: a message goes once every
 * consumer acknowledged it), one durable pull consumer per named consumer and lane, a
 * dead-letter stream. Provisioned (created or updated) when the channel opens.
 */
export class NatsChannelLog implements ChannelLog, CursorHost {
  readonly name: string;
  readonly names: ChannelNames;
  readonly deadLetters: NatsDeadLetterLog;
  readonly #host: NatsHost;
  readonly #cursors = new Map<string, NatsCursor>();

  private constructor(host: NatsHost, spec: ChannelSpec) {
    this.#host = host;
    this.name = spec.name;
    this.names = new ChannelNames(host.settings.prefix, spec.name);
    this.deadLetters = new NatsDeadLetterLog(
      host.js,
      host.jsm,
      this.names,
      (consumer) => this.#cursors.has(consumer),
      host.settings.publishTimeoutMs,
    );
  }

  static async open(host: NatsHost, spec: ChannelSpec): Promise<NatsChannelLog> {
    const channel = new NatsChannelLog(host, spec);
    try {
      await channel.#provisionStreams(spec);
      for (const consumer of spec.consumers) await channel.#provisionDurables(consumer);
    } catch (error) {
      throw translateNatsError(error, `provisioning channel '${spec.name}'`);
    }
    return channel;
  }

  async append(request: AppendRequest, _options: AppendOptions): Promise<AppendOutcome> {
    const h = headers();
    if (request.deadline !== undefined) h.set(DEADLINE_HEADER, String(request.deadline));
    try {
      const ack = await this.#host.js.publish(
        this.names.eventSubject(request.priority, tenantOf(request.event)),
        request.json,
        {
          headers: h,
          timeout: this.#host.settings.publishTimeoutMs,
          ...(request.idempotencyKey === undefined ? {} : { msgID: request.idempotencyKey }),
        },
      );
      return ack.duplicate ? DUPLICATE : { kind: 'appended', seq: ack.seq };
    } catch (error) {
      throw translateNatsError(error, `publishing to channel '${this.name}'`);
    }
  }

  async openCursor(consumer: ConsumerRef): Promise<LogCursor> {
    try {
      const names =
        consumer.kind === 'named'
          ? await this.#provisionDurables(consumer.name)
          : await this.#createEphemerals(consumer.name);
      const consumers = await this.#consumers(names);
      const { prefetch, ackWaitMs } = this.#host.settings;
      const cursor = new NatsCursor(consumer, this, names, prefetch, ackWaitMs);
      this.#cursors.set(consumer.name, cursor);
      await cursor.start(consumers);
      return cursor;
    } catch (error) {
      throw translateNatsError(
        error,
        `opening consumer '${consumer.name}' of channel '${this.name}'`,
      );
    }
  }

  /** The backlog lives in JetStream: back pressure does not count it (see `supportsOffHeapBacklog`). */
  retained(): number {
    return 0;
  }

  async lagOf(consumer: string): Promise<number> {
    const cursor = this.#cursors.get(consumer);
    if (cursor !== undefined) {
      await cursor.refresh();
      return cursor.lag();
    }
    if (consumer.startsWith('~')) return 0;
    const counts = await Promise.all(
      READ_LANES.map((lane) => this.pendingOf(this.names.durableName(consumer, lane))),
    );
    return counts.reduce((sum, n) => sum + n, 0);
  }

  onRelease(_listener: () => void): void {
    // Nothing to wake: JetStream's backlog never throttles producers here.
  }

  async publishDeadLetter(record: DeadLetter): Promise<void> {
    await this.deadLetters.add(record);
  }

  async pendingOf(consumerName: string): Promise<number> {
    try {
      const info = await this.#host.jsm.consumers.info(this.names.stream, consumerName);
      return info.num_pending + info.num_ack_pending;
    } catch {
      return 0; // gone (an expired ephemeral): nothing pending for it
    }
  }

  rejected(msg: JsMsg, reason: string): void {
    msg.term();
    this.#host.rejected(
      this.name,
      `message ${msg.seq} on ${msg.subject} is not a canonical event: ${reason}`,
    );
  }

  /** Sends the acks every open cursor has gathered in this event-loop turn. */
  sendAcks(): void {
    for (const cursor of this.#cursors.values()) cursor.sendAcks();
  }

  async closed(cursor: NatsCursor): Promise<void> {
    this.#cursors.delete(cursor.consumer.name);
    if (cursor.consumer.kind === 'anonymous') {
      await Promise.all(
        READ_LANES.map((lane) =>
          this.#host.jsm.consumers
            .delete(this.names.stream, this.#ephemeralName(cursor.consumer.name, lane))
            .catch(() => false),
        ),
      );
    }
  }

  async #provisionStreams(spec: ChannelSpec): Promise<void> {
    const { storage, replicas } = this.#host.settings;
    const common = {
      storage: storage === 'file' ? StorageType.File : StorageType.Memory,
      num_replicas: replicas,
    };
    await this.#ensureStream({
      ...common,
      name: this.names.stream,
      subjects: [this.names.subjects],
      retention: RetentionPolicy.Interest,
      duplicate_window: nanos(spec.dedupWindowMs),
    });
    await this.#ensureStream({
      ...common,
      name: this.names.dlqStream,
      subjects: [this.names.dlqSubjects],
      retention: RetentionPolicy.Limits,
      duplicate_window: nanos(120_000),
    });
  }

  async #ensureStream(
    config: Parameters<JetStreamManager['streams']['add']>[0] & { name: string },
  ): Promise<void> {
    const jsm = this.#host.jsm;
    const existing = await jsm.streams.info(config.name).catch(() => undefined);
    if (existing === undefined) await jsm.streams.add(config);
    else await jsm.streams.update(config.name, { ...existing.config, ...config });
  }

  /** Creates the durable consumers of a named consumer that do not exist yet; keeps existing ones (and their position). */
  async #provisionDurables(consumer: string): Promise<Record<ReadLane, string>> {
    const jsm = this.#host.jsm;
    const names = {} as Record<ReadLane, string>;
    for (const lane of READ_LANES) {
      const name = this.names.durableName(consumer, lane);
      names[lane] = name;
      const existing = await jsm.consumers.info(this.names.stream, name).catch(() => undefined);
      if (existing === undefined) {
        await jsm.consumers.add(this.names.stream, {
          ...this.#consumerConfig(consumer, lane),
          durable_name: name,
        });
      }
    }
    return names;
  }

  async #createEphemerals(consumer: string): Promise<Record<ReadLane, string>> {
    const names = {} as Record<ReadLane, string>;
    for (const lane of READ_LANES) {
      const name = this.#ephemeralName(consumer, lane);
      names[lane] = name;
      await this.#host.jsm.consumers.add(this.names.stream, {
        ...this.#consumerConfig(consumer, lane),
        name,
        inactive_threshold: nanos(this.#host.settings.ephemeralTtlMs),
      });
    }
    return names;
  }

  /** Server-side name of an anonymous subscription's consumer for one lane. */
  #ephemeralName(consumer: string, lane: ReadLane): string {
    return `eph_${this.#host.settings.instanceId}_${consumer.replace(/[^A-Za-z0-9_-]/g, '')}_${lane}`;
  }

  #consumerConfig(consumer: string, lane: ReadLane): Partial<ConsumerConfig> {
    return {
      ack_policy: AckPolicy.Explicit,
      // A consumer new to an existing channel starts at the tail, like the SQLite log.
      deliver_policy: DeliverPolicy.New,
      filter_subject: this.names.filterSubject(lane, consumer),
      ack_wait: nanos(this.#host.settings.ackWaitMs),
      max_ack_pending: Math.max(1000, this.#host.settings.prefetch * 4),
      // Retries and dead letters are Warden's: JetStream redelivers only after a crash (ack_wait).
      max_deliver: -1,
    };
  }

  async #consumers(names: Readonly<Record<ReadLane, string>>): Promise<Record<ReadLane, Consumer>> {
    const consumers = {} as Record<ReadLane, Consumer>;
    for (const lane of READ_LANES)
      consumers[lane] = await this.#host.js.consumers.get(this.names.stream, names[lane]);
    return consumers;
  }
}
