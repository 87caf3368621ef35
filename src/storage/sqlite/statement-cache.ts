import type { Database as SqliteConnection, Statement } from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';

/**
 * The better-sqlite3 connection as Kysely sees it, but `prepare` reuses statements by SQL
 * text (least recently used dropped past `capacity`). Kysely prepares every query it runs;
 * reusing the statement saves about a third of a simple query's cost. Safe because Kysely
 * runs one query at a time on its single SQLite connection (a stream holds it throughout).
 */
export class StatementCache implements SqliteDatabase {
  readonly #connection: SqliteConnection;
  readonly #capacity: number;
  readonly #statements = new Map<string, Statement>();

  constructor(connection: SqliteConnection, capacity = 256) {
    this.#connection = connection;
    this.#capacity = capacity;
  }

  /** Whether a transaction is open (SQLite rolls some failed ones back by itself). */
  get inTransaction(): boolean {
    return this.#connection.inTransaction;
  }

  /** Statements held now (for tests). */
  get size(): number {
    return this.#statements.size;
  }

  prepare(sql: string): Statement {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.#connection.prepare(sql);
      if (this.#statements.size >= this.#capacity) {
        const oldest = this.#statements.keys().next();
        if (oldest.done !== true) this.#statements.delete(oldest.value);
      }
    } else {
      this.#statements.delete(sql); // re-inserted below: Map order is recency order
    }
    this.#statements.set(sql, statement);
    return statement;
  }

  close(): void {
    this.#statements.clear();
    this.#connection.close();
  }
}
