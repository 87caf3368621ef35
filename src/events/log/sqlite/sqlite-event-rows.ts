import type { Database, Statement } from 'better-sqlite3';

/** Rows per multi-row INSERT. */
export const ROWS_PER_INSERT = 64;
const COLUMNS_PER_ROW = 6;
const INSERT = 'INSERT INTO events (channel_id, lane, seq, json, appended_at, deadline) VALUES ';
const ROW = '(?, ?, ?, ?, ?, ?)';

/**
 * The event rows of one group commit, inserted `ROWS_PER_INSERT` at a time with one multi-row
 * INSERT instead of one statement each: a statement run costs about 0.5 µs of binding and
 * stepping per row on top of the B-tree work (measured: 2.3 instead of 2.8–2.9 µs per row for
 * a 256-row transaction). Rows are held only within the caller's transaction.
 */
export class EventRows {
  readonly #one: Statement;
  readonly #many: Statement;
  readonly #values: unknown[] = [];

  constructor(db: Database) {
    this.#one = db.prepare(INSERT + ROW);
    this.#many = db.prepare(INSERT + Array.from({ length: ROWS_PER_INSERT }, () => ROW).join(', '));
  }

  /** Queues a row; every `ROWS_PER_INSERT`th call inserts the queued rows. */
  add(
    channelId: number,
    lane: number,
    seq: number,
    json: string,
    appendedAt: number,
    deadline: number | null,
  ): void {
    const values = this.#values;
    values.push(channelId, lane, seq, json, appendedAt, deadline);
    if (values.length === ROWS_PER_INSERT * COLUMNS_PER_ROW) {
      this.#many.run(values);
      values.length = 0;
    }
  }

  /** Inserts the rows still queued; call before the transaction commits. */
  flush(): void {
    const values = this.#values;
    for (let i = 0; i < values.length; i += COLUMNS_PER_ROW)
      this.#one.run(values.slice(i, i + COLUMNS_PER_ROW));
    values.length = 0;
  }

  /** The transaction failed: drops the rows not inserted yet. */
  clear(): void {
    this.#values.length = 0;
  }
}
