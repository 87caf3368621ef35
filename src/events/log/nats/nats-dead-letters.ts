import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { headers } from '@nats-io/transport-node';
import type { DeadLetter, DeadLetterQuery, ReplayResult } from '../../dead-letters.js';
import type { DeadLetterLog } from '../contract.js';
import { PRIORITY_HEADER } from './nats-cursor.js';
import type { ChannelNames } from './nats-names.js';

const DEFAULT_LIST_LIMIT = 100;

interface StoredDeadLetter {
  readonly seq: number;
  readonly record: DeadLetter;
}

/**
 * A channel's dead letters in their own JetStream stream (limits retention), one message per
 * record with the record id as `Nats-Msg-Id`. Listing scans the stream: dead-letter queues
 * are meant to stay small, and every operation is explicit.
 */
export class NatsDeadLetterLog implements DeadLetterLog {
  readonly #js: JetStreamClient;
  readonly #jsm: JetStreamManager;
  readonly #names: ChannelNames;
  readonly #isLive: (consumer: string) => boolean;
  readonly #timeoutMs: number;

  constructor(
    js: JetStreamClient,
    jsm: JetStreamManager,
    names: ChannelNames,
    isLive: (consumer: string) => boolean,
    timeoutMs: number,
  ) {
    this.#js = js;
    this.#jsm = jsm;
    this.#names = names;
    this.#isLive = isLive;
    this.#timeoutMs = timeoutMs;
  }

  async add(record: DeadLetter): Promise<void> {
    await this.#js.publish(this.#names.dlqSubject(record.consumer), JSON.stringify(record), {
      msgID: record.id,
      timeout: this.#timeoutMs,
    });
  }

  async list(query: DeadLetterQuery = {}): Promise<readonly DeadLetter[]> {
    const stored = await this.#select(query, query.limit ?? DEFAULT_LIST_LIMIT);
    return stored.map((s) => s.record);
  }

  async count(query: DeadLetterQuery = {}): Promise<number> {
    return (await this.#select(query, undefined)).length;
  }

  async replay(query: DeadLetterQuery = {}): Promise<ReplayResult> {
    const selected = await this.#select(query, query.limit);
    let replayed = 0;
    for (const { seq, record } of selected) {
      if (record.consumer.startsWith('~') && !this.#isLive(record.consumer)) continue;
      const h = headers();
      h.set(PRIORITY_HEADER, record.priority);
      await this.#js.publish(
        this.#names.replaySubject(record.consumer),
        JSON.stringify(record.event),
        {
          headers: h,
          timeout: this.#timeoutMs,
        },
      );
      await this.#jsm.streams.deleteMessage(this.#names.dlqStream, seq, false);
      replayed++;
    }
    return { replayed, skipped: selected.length - replayed };
  }

  async purge(query: DeadLetterQuery = {}): Promise<number> {
    const selected = await this.#select(query, query.limit);
    for (const { seq } of selected)
      await this.#jsm.streams.deleteMessage(this.#names.dlqStream, seq, false);
    return selected.length;
  }

  async #select(query: DeadLetterQuery, limit: number | undefined): Promise<StoredDeadLetter[]> {
    const info = await this.#jsm.streams.info(this.#names.dlqStream);
    const ids = query.ids === undefined ? undefined : new Set(query.ids);
    const out: StoredDeadLetter[] = [];
    if (info.state.messages === 0) return out;
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
      if (limit !== undefined && out.length >= limit) break;
      const stored = await this.#jsm.streams
        .getMessage(this.#names.dlqStream, { seq })
        .catch(() => null);
      if (stored === null) continue; // deleted (replayed or purged)
      const record = stored.json<DeadLetter>();
      if (query.consumer !== undefined && record.consumer !== query.consumer) continue;
      if (query.reason !== undefined && record.reason !== query.reason) continue;
      if (ids !== undefined && !ids.has(record.id)) continue;
      out.push({ seq, record });
    }
    return out;
  }
}
