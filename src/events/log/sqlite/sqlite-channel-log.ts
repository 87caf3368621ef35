import type { Database, Statement } from 'better-sqlite3';
import type { Clock } from '../../../shared/clock.js';
import type { DeadLetter } from '../../dead-letters.js';
import type { BaseEvent, Priority } from '../../schema.js';
import type {
  AppendOptions,
  AppendOutcome,
  AppendRequest,
  ChannelLog,
  ChannelSpec,
  ConsumerRef,
  LogCursor,
} from '../contract.js';
import { EventLogError, LOG_ERROR_CODES } from '../errors.js';
import { LanePosition, SqliteCursor } from './sqlite-cursor.js';
import type { CursorStore } from './sqlite-cursor.js';
import { SqliteDeadLetterLog } from './sqlite-dead-letters.js';
import type { EventRows } from './sqlite-event-rows.js';
import { LANE_OF, LANES, SqliteEntry, TailCache } from './sqlite-entry.js';

/** What a channel needs from the log that owns the database and the write queue. */
export interface ChannelHost {
  readonly db: Database;
  readonly clock: Clock;
  readonly file: string;
  readonly tailCacheSize: number;
  enqueueAppend(
    channel: SqliteChannelLog,
    request: AppendRequest,
    sync: boolean,
  ): Promise<AppendOutcome>;
  markDirty(cursor: SqliteCursor): void;
  /** Runs `write` in a transaction together with every dirty cursor. */
  writeNow(write: () => void): void;
}

export const DUPLICATE: AppendOutcome = Object.freeze({ kind: 'duplicate' });

interface Statements {
  readonly readLane: Statement;
  readonly readReplays: Statement;
  readonly updateCursor: Statement;
  readonly insertAck: Statement;
  readonly deleteAcksUpTo: Statement;
  readonly deleteReplay: Statement;
  readonly putKey: Statement;
}

interface EventRow {
  readonly seq: number;
  readonly json: string;
  readonly appended_at: number;
  readonly deadline: number | null;
}

/** One channel of the SQLite log: appends (through the log's group commit), cursors, DLQ. */
export class SqliteChannelLog implements ChannelLog, CursorStore {
  readonly name: string;
  readonly id: number;
  readonly deadLetters: SqliteDeadLetterLog;
  readonly #host: ChannelHost;
  readonly #spec: ChannelSpec;
  readonly #sql: Statements;
  readonly #caches: TailCache[];
  /** Highest committed seq of each lane. */
  readonly #tails: number[];
  readonly #cursors = new Map<string, SqliteCursor>();
  readonly #keys = new Map<string, number>();
  readonly #replays = new Map<string, number>();
  readonly #releaseListeners: (() => void)[] = [];
  #nextSeq: number;
  #announcing = false;

  constructor(host: ChannelHost, id: number, spec: ChannelSpec) {
    this.#host = host;
    this.#spec = spec;
    this.name = spec.name;
    this.id = id;
    const db = host.db;
    this.#sql = prepare(db);
    const maxSeq = (lane: number) =>
      (
        db
          .prepare('SELECT MAX(seq) AS s FROM events WHERE channel_id = ? AND lane = ?')
          .get(id, lane) as { s: number | null }
      ).s ?? 0;
    const tails = LANES.map((_, lane) => maxSeq(lane));
    this.#tails = [...tails];
    this.#nextSeq = Math.max(0, ...tails, this.#storedCursorMax()) + 1;
    this.#caches = tails.map((tail) => new TailCache(tail, host.tailCacheSize));
    this.#loadKeys();
    this.#loadReplays();
    this.#loadCursors(tails);
    this.deadLetters = new SqliteDeadLetterLog(this, db);
  }

  get host(): ChannelHost {
    return this.#host;
  }

  append(request: AppendRequest, options: AppendOptions): Promise<AppendOutcome> {
    return this.#host.enqueueAppend(this, request, options.sync);
  }

  /**
   * Inside the group-commit transaction: dedup and queue the row on `rows` (inserted by the
   * caller before the commit). Returns the entry, or undefined for a duplicate.
   */
  write(
    request: AppendRequest,
    now: number,
    addedKeys: string[],
    rows: EventRows,
  ): SqliteEntry | undefined {
    const key = request.idempotencyKey;
    if (key !== undefined) {
      const expiresAt = this.#keys.get(key);
      if (expiresAt !== undefined && expiresAt > now) return undefined;
      this.#keys.set(key, now + this.#spec.dedupWindowMs);
      addedKeys.push(key);
      this.#sql.putKey.run(this.id, key, now + this.#spec.dedupWindowMs);
    }
    const lane = LANE_OF[request.priority];
    const seq = this.#nextSeq++;
    rows.add(this.id, lane, seq, request.json, now, request.deadline ?? null);
    return new SqliteEntry(seq, lane, request.event, now, request.deadline);
  }

  /** The transaction holding these keys rolled back: forget them. */
  forgetKeys(keys: readonly string[]): void {
    for (const key of keys) this.#keys.delete(key);
  }

  /** After the commit: make the entry visible to cursors. */
  committed(entry: SqliteEntry): void {
    (this.#caches[entry.lane] as TailCache).push(entry);
    this.#tails[entry.lane] = entry.seq;
    for (const cursor of this.#cursors.values()) cursor.appended(entry.lane);
  }

  /**
   * After a group commit: tells attached cursors there is more, once per commit and from a
   * microtask (a commit can run inside `append`, when the batch fills up).
   */
  announce(): void {
    if (this.#announcing) return;
    this.#announcing = true;
    queueMicrotask(() => {
      this.#announcing = false;
      for (const cursor of this.#cursors.values()) if (cursor.attached) cursor.notify();
    });
  }

  openCursor(consumer: ConsumerRef): LogCursor {
    let cursor = this.#cursors.get(consumer.name);
    if (cursor === undefined) {
      const tails = this.#caches.map((_, lane) => this.#laneTail(lane));
      cursor = this.#newCursor(
        consumer,
        tails.map((tail) => new LanePosition(tail, 0, [])),
      );
      if (consumer.kind === 'named') {
        this.#host.writeNow(() => {
          this.#insertCursor(consumer.name, tails);
        });
      }
    }
    cursor.attached = true;
    return cursor;
  }

  retained(): number {
    let max = 0;
    for (const cursor of this.#cursors.values()) max = Math.max(max, cursor.lag());
    return max;
  }

  lagOf(consumer: string): number {
    return this.#cursors.get(consumer)?.lag() ?? 0;
  }

  onRelease(listener: () => void): void {
    this.#releaseListeners.push(listener);
  }

  readLane(lane: number, after: number, max: number): readonly SqliteEntry[] {
    const cached = (this.#caches[lane] as TailCache).read(after, max);
    if (cached !== undefined) return cached;
    const rows = this.#sql.readLane.all(this.id, lane, after, max) as EventRow[];
    return rows.map(
      (row) =>
        new SqliteEntry(
          row.seq,
          lane,
          this.#parse(row.json, row.seq),
          row.appended_at,
          row.deadline,
        ),
    );
  }

  readReplays(consumer: string, after: number, max: number): readonly SqliteEntry[] {
    const rows = this.#sql.readReplays.all(this.id, consumer, after, max) as {
      id: number;
      priority: string;
      json: string;
    }[];
    return rows.map(
      (row) =>
        new SqliteEntry(
          -row.id,
          LANE_OF[row.priority as Priority],
          this.#parse(row.json, -row.id),
          this.#host.clock.now(),
          null,
          row.id,
        ),
    );
  }

  pendingReplays(consumer: string): number {
    return this.#replays.get(consumer) ?? 0;
  }

  /** Replays were stored for `consumer` (in the caller's transaction). */
  replaysAdded(consumer: string, count: number): void {
    this.#replays.set(consumer, this.pendingReplays(consumer) + count);
    this.announce();
  }

  hasConsumer(name: string): boolean {
    return this.#cursors.has(name);
  }

  markDirty(cursor: SqliteCursor): void {
    this.#host.markDirty(cursor);
    for (const listener of this.#releaseListeners) listener();
  }

  deadLetter(cursor: SqliteCursor, entry: SqliteEntry, record: DeadLetter): void {
    this.#host.writeNow(() => {
      this.deadLetters.insert(record);
      cursor.ack(entry);
    });
  }

  detach(cursor: SqliteCursor): void {
    if (cursor.consumer.kind === 'anonymous') this.#cursors.delete(cursor.consumer.name);
  }

  persistNow(cursor: SqliteCursor): void {
    if (cursor.dirty) this.#host.writeNow(() => undefined);
  }

  /** Writes a dirty cursor inside the caller's transaction; returns what to apply once it commits. */
  persist(cursor: SqliteCursor): () => void {
    const replayAcks = cursor.replayAcks.slice();
    for (const replayId of replayAcks) this.#sql.deleteReplay.run(replayId);
    const lanes = cursor.lanes.map((position) => ({
      position,
      low: position.low,
      toStore: [...position.toStore],
    }));
    if (cursor.consumer.kind === 'named') {
      lanes.forEach(({ position, low, toStore }, lane) => {
        const name = cursor.consumer.name;
        if (low !== position.persistedLow) {
          this.#sql.updateCursor.run(low, this.id, name, lane);
          for (const seq of position.stored) {
            if (seq > low) continue;
            this.#sql.deleteAcksUpTo.run(this.id, name, lane, low);
            break;
          }
        }
        for (const seq of toStore) this.#sql.insertAck.run(this.id, name, lane, seq);
      });
    }
    // The in-memory view changes only once the transaction has committed.
    return () => {
      const name = cursor.consumer.name;
      cursor.replayAcks.splice(0, replayAcks.length);
      this.#replays.set(name, Math.max(0, this.pendingReplays(name) - replayAcks.length));
      for (const { position, low, toStore } of lanes) {
        position.persistedLow = low; // anonymous cursors: holds back retention only
        for (const seq of position.stored) if (seq <= low) position.stored.delete(seq);
        for (const seq of toStore) {
          position.stored.add(seq);
          position.toStore.delete(seq);
        }
      }
    };
  }

  /** The lowest acknowledged seq of each lane over every cursor: entries at or below it can go. */
  releasedUpTo(lane: number): number {
    let low = this.#laneTail(lane);
    for (const cursor of this.#cursors.values())
      low = Math.min(low, (cursor.lanes[lane] as LanePosition).persistedLow);
    return low;
  }

  /** Idempotency keys past their window, forgotten in memory (the caller deletes the rows). */
  expireKeys(now: number): void {
    for (const [key, expiresAt] of this.#keys) if (expiresAt <= now) this.#keys.delete(key);
  }

  #laneTail(lane: number): number {
    return this.#tails[lane] ?? 0;
  }

  #storedCursorMax(): number {
    const row = this.#host.db
      .prepare('SELECT MAX(acked_seq) AS s FROM consumers WHERE channel_id = ?')
      .get(this.id) as {
      s: number | null;
    };
    return row.s ?? 0;
  }

  #newCursor(consumer: ConsumerRef, lanes: LanePosition[]): SqliteCursor {
    const cursor = new SqliteCursor(consumer, lanes, this);
    this.#cursors.set(consumer.name, cursor);
    return cursor;
  }

  #insertCursor(name: string, tails: readonly number[]): void {
    const insert = this.#host.db.prepare(
      'INSERT OR IGNORE INTO consumers (channel_id, name, lane, acked_seq) VALUES (?, ?, ?, ?)',
    );
    tails.forEach((tail, lane) => insert.run(this.id, name, lane, tail));
  }

  #loadCursors(tails: readonly number[]): void {
    const db = this.#host.db;
    // Consumers in the spec that this file has never seen start at the current tail (for a new file, the start).
    db.transaction(() => {
      for (const name of this.#spec.consumers) this.#insertCursor(name, tails);
    })();
    const rows = db
      .prepare(
        'SELECT name, lane, acked_seq FROM consumers WHERE channel_id = ? ORDER BY name, lane',
      )
      .all(this.id) as {
      name: string;
      lane: number;
      acked_seq: number;
    }[];
    const acks = db
      .prepare('SELECT seq FROM acks WHERE channel_id = ? AND name = ? AND lane = ?')
      .pluck();
    const count = db
      .prepare('SELECT COUNT(*) FROM events WHERE channel_id = ? AND lane = ? AND seq > ?')
      .pluck();
    const byName = new Map<string, LanePosition[]>();
    for (const row of rows) {
      const skip = acks.all(this.id, row.name, row.lane) as number[];
      const lag = (count.get(this.id, row.lane, row.acked_seq) as number) - skip.length;
      const lanes = byName.get(row.name) ?? [];
      lanes[row.lane] = new LanePosition(row.acked_seq, lag, skip);
      byName.set(row.name, lanes);
    }
    for (const [name, lanes] of byName) this.#newCursor({ kind: 'named', name }, lanes);
  }

  #loadKeys(): void {
    const rows = this.#host.db
      .prepare(
        'SELECT key, expires_at FROM idempotency_keys WHERE channel_id = ? AND expires_at > ?',
      )
      .all(this.id, this.#host.clock.now()) as { key: string; expires_at: number }[];
    for (const row of rows) this.#keys.set(row.key, row.expires_at);
  }

  #loadReplays(): void {
    const rows = this.#host.db
      .prepare('SELECT consumer, COUNT(*) AS n FROM replays WHERE channel_id = ? GROUP BY consumer')
      .all(this.id) as { consumer: string; n: number }[];
    for (const row of rows) this.#replays.set(row.consumer, row.n);
  }

  #parse(json: string, seq: number): BaseEvent {
    try {
      return JSON.parse(json) as BaseEvent;
    } catch (error) {
      throw new EventLogError(
        LOG_ERROR_CODES.LOG_FILE_CORRUPT,
        `event ${seq} of channel '${this.name}' in ${this.#host.file} is not valid JSON`,
        {
          cause: error,
          details: { channel: this.name, seq },
        },
      );
    }
  }
}

function prepare(db: Database): Statements {
  return {
    readLane: db.prepare(
      'SELECT seq, json, appended_at, deadline FROM events WHERE channel_id = ? AND lane = ? AND seq > ? ORDER BY seq LIMIT ?',
    ),
    readReplays: db.prepare(
      'SELECT id, priority, json FROM replays WHERE channel_id = ? AND consumer = ? AND id > ? ORDER BY id LIMIT ?',
    ),
    updateCursor: db.prepare(
      'UPDATE consumers SET acked_seq = ? WHERE channel_id = ? AND name = ? AND lane = ?',
    ),
    insertAck: db.prepare(
      'INSERT OR IGNORE INTO acks (channel_id, name, lane, seq) VALUES (?, ?, ?, ?)',
    ),
    deleteAcksUpTo: db.prepare(
      'DELETE FROM acks WHERE channel_id = ? AND name = ? AND lane = ? AND seq <= ?',
    ),
    deleteReplay: db.prepare('DELETE FROM replays WHERE id = ?'),
    putKey: db.prepare(
      'INSERT OR REPLACE INTO idempotency_keys (channel_id, key, expires_at) VALUES (?, ?, ?)',
    ),
  };
}
