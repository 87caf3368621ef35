import { CompiledQuery, SqliteDialect, SqliteDriver } from 'kysely';
import type { DatabaseConnection, Driver, QueryResult, SqliteDialectConfig } from 'kysely';
import { retryWhileBusy } from './busy-wait.js';

/** A connection whose statements wait (without blocking the event loop) for a busy lock. */
class PatientConnection implements DatabaseConnection {
  readonly #inner: DatabaseConnection;
  readonly #busyTimeoutMs: number;

  constructor(inner: DatabaseConnection, busyTimeoutMs: number) {
    this.#inner = inner;
    this.#busyTimeoutMs = busyTimeoutMs;
  }

  executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    return retryWhileBusy(() => this.#inner.executeQuery<R>(compiledQuery), this.#busyTimeoutMs);
  }

  streamQuery<R>(
    compiledQuery: CompiledQuery,
    chunkSize?: number,
  ): AsyncIterableIterator<QueryResult<R>> {
    return this.#inner.streamQuery<R>(compiledQuery, chunkSize);
  }
}

/**
 * Kysely's SQLite driver with three changes:
 * - transactions start with `BEGIN IMMEDIATE`: the write lock is taken before the first read,
 *   so a transaction never fails half-way with `SQLITE_BUSY_SNAPSHOT` because another
 *   connection wrote to the file meanwhile;
 * - a statement that meets another connection's lock waits asynchronously for up to
 *   `busyTimeoutMs` (`retryWhileBusy`), instead of SQLite's thread-blocking `busy_timeout`;
 * - `destroy()` lets the running transaction finish instead of rolling it back.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  readonly #busyTimeoutMs: number;
  #connection: PatientConnection | undefined;

  constructor(config: SqliteDialectConfig, busyTimeoutMs: number) {
    super(config);
    this.#busyTimeoutMs = busyTimeoutMs;
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    const inner = await super.acquireConnection();
    this.#connection ??= new PatientConnection(inner, this.#busyTimeoutMs);
    return this.#connection;
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }

  /** Drains: waits for the query or transaction holding the one connection, then closes. */
  override async destroy(): Promise<void> {
    await this.acquireConnection(); // never released: nothing runs after this
    await super.destroy();
  }
}

/** Kysely's SQLite dialect with {@link ImmediateSqliteDriver}. */
export class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;
  readonly #busyTimeoutMs: number;

  constructor(config: SqliteDialectConfig, busyTimeoutMs: number) {
    super(config);
    this.#config = config;
    this.#busyTimeoutMs = busyTimeoutMs;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config, this.#busyTimeoutMs);
  }
}
