import type { Database, Statement } from 'better-sqlite3';
import type { DeadLetter, DeadLetterQuery, ReplayResult } from '../../dead-letters.js';
import type { DeadLetterLog } from '../contract.js';

const DEFAULT_LIST_LIMIT = 100;

/** What the dead-letter queue needs from its channel. */
export interface DeadLetterHost {
  readonly id: number;
  hasConsumer(name: string): boolean;
  replaysAdded(consumer: string, count: number): void;
  readonly host: { writeNow(write: () => void): void };
}

/** A channel's dead letters, in the `dead_letters` table, oldest first. */
export class SqliteDeadLetterLog implements DeadLetterLog {
  readonly #channel: DeadLetterHost;
  readonly #db: Database;
  readonly #insert: Statement;
  readonly #delete: Statement;
  readonly #replay: Statement;

  constructor(channel: DeadLetterHost, db: Database) {
    this.#channel = channel;
    this.#db = db;
    this.#insert = db.prepare(
      'INSERT OR IGNORE INTO dead_letters (id, channel_id, consumer, reason, dead_lettered_at, record) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.#delete = db.prepare('DELETE FROM dead_letters WHERE id = ?');
    this.#replay = db.prepare(
      'INSERT INTO replays (channel_id, consumer, priority, json) VALUES (?, ?, ?, ?)',
    );
  }

  /** Runs inside the caller's transaction. */
  insert(record: DeadLetter): void {
    this.#insert.run(
      record.id,
      this.#channel.id,
      record.consumer,
      record.reason,
      record.deadLetteredAt,
      JSON.stringify(record),
    );
  }

  list(query: DeadLetterQuery = {}): readonly DeadLetter[] {
    return this.#select(query, query.limit ?? DEFAULT_LIST_LIMIT);
  }

  count(query: DeadLetterQuery = {}): number {
    const { where, params } = this.#where(query);
    return this.#db
      .prepare(`SELECT COUNT(*) FROM dead_letters WHERE ${where}`)
      .pluck()
      .get(...params) as number;
  }

  replay(query: DeadLetterQuery = {}): ReplayResult {
    const selected = this.#select(query, query.limit);
    const replayable = selected.filter(
      (record) => !record.consumer.startsWith('~') || this.#channel.hasConsumer(record.consumer),
    );
    const perConsumer = new Map<string, number>();
    this.#channel.host.writeNow(() => {
      for (const record of replayable) {
        this.#replay.run(
          this.#channel.id,
          record.consumer,
          record.priority,
          JSON.stringify(record.event),
        );
        this.#delete.run(record.id);
        perConsumer.set(record.consumer, (perConsumer.get(record.consumer) ?? 0) + 1);
      }
    });
    for (const [consumer, count] of perConsumer) this.#channel.replaysAdded(consumer, count);
    return { replayed: replayable.length, skipped: selected.length - replayable.length };
  }

  purge(query: DeadLetterQuery = {}): number {
    const selected = this.#select(query, query.limit);
    this.#channel.host.writeNow(() => {
      for (const record of selected) this.#delete.run(record.id);
    });
    return selected.length;
  }

  #select(query: DeadLetterQuery, limit: number | undefined): DeadLetter[] {
    const { where, params } = this.#where(query);
    const sql = `SELECT record FROM dead_letters WHERE ${where} ORDER BY dead_lettered_at, rowid${limit === undefined ? '' : ' LIMIT ?'}`;
    const rows = this.#db
      .prepare(sql)
      .pluck()
      .all(...params, ...(limit === undefined ? [] : [limit])) as string[];
    return rows.map((row) => JSON.parse(row) as DeadLetter);
  }

  #where(query: DeadLetterQuery): { where: string; params: unknown[] } {
    const clauses = ['channel_id = ?'];
    const params: unknown[] = [this.#channel.id];
    if (query.consumer !== undefined) {
      clauses.push('consumer = ?');
      params.push(query.consumer);
    }
    if (query.reason !== undefined) {
      clauses.push('reason = ?');
      params.push(query.reason);
    }
    if (query.ids !== undefined) {
      clauses.push('id IN (SELECT value FROM json_each(?))');
      params.push(JSON.stringify(query.ids));
    }
    return { where: clauses.join(' AND '), params };
  }
}
