import { CompiledQuery, SqliteDialect, SqliteDriver } from 'kysely';
import type { DatabaseConnection, Driver, QueryResult, SqliteDialectConfig } from 'kysely';
import { retryWhileBusy } from './busy-wait.js';

/**
 * A connection whose statements wait (without blocking the event loop) for a busy lock.
 * Only where SQLite allows retrying the statement alone: outside a transaction (autocommit
 * statements and `BEGIN` itself) and `COMMIT`. Inside a `BEGIN IMMEDIATE` transaction other
 * statements hold the write lock and do not meet `SQLITE_BUSY`.
 */
class PatientConnection implements DatabaseConnection {
  readonly #inner: DatabaseConnection;
  readonly #options: ImmediateSqliteOptions;

  constructor(inner: DatabaseConnection, options: ImmediateSqliteOptions) {
    this.#inner = inner;
    this.#options = options;
  }

  executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const run = () => this.#inner.executeQuery<R>(compiledQuery);
    const retriable = !this.#options.inTransaction() || compiledQuery.sql === 'commit';
    return retriable ? retryWhileBusy(run, this.#options.busyTimeoutMs) : run();
  }

  streamQuery<R>(
    compiledQuery: CompiledQuery,
    chunkSize?: number,
  ): AsyncIterableIterator<QueryResult<R>> {
    return this.#inner.streamQuery<R>(compiledQuery, chunkSize);
  }
}

/**
 * Kysely's SQLite driver with four changes:
 * - transactions start with `BEGIN IMMEDIATE`: the write lock is taken before the first read,
 *   so a transaction never fails half-way with `SQLITE_BUSY_SNAPSHOT` because another
 *   connection wrote to the file meanwhile;
 * - a statement that meets another connection's lock waits asynchronously for up to
 *   `busyTimeoutMs` (`retryWhileBusy`), instead of SQLite's thread-blocking `busy_timeout`;
 * - `destroy()` lets the running transaction finish instead of rolling it back;
 * - no `ROLLBACK` of a transaction SQLite already rolled back.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  readonly #options: ImmediateSqliteOptions;
  #connection: PatientConnection | undefined;

  constructor(config: SqliteDialectConfig, options: ImmediateSqliteOptions) {
    super(config);
    this.#options = options;
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    const inner = await super.acquireConnection();
    this.#connection ??= new PatientConnection(inner, this.#options);
    return this.#connection;
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }

  /**
   * SQLite rolls a transaction back by itself after some failures (`SQLITE_FULL`, I/O
   * errors); a second `ROLLBACK` would fail and Kysely would throw that error instead of
   * the one that explains what happened.
   */
  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    if (this.#options.inTransaction()) await super.rollbackTransaction(connection);
  }

  /** Drains: waits for the query or transaction holding the one connection, then closes. */
  override async destroy(): Promise<void> {
    await this.acquireConnection(); // never released: nothing runs after this
    await super.destroy();
  }
}

/** What {@link ImmediateSqliteDriver} needs beyond Kysely's config. */
export interface ImmediateSqliteOptions {
  /** How long a statement waits for another connection's lock. */
  readonly busyTimeoutMs: number;
  /** Whether the connection has a transaction open. */
  readonly inTransaction: () => boolean;
}

/** Kysely's SQLite dialect with {@link ImmediateSqliteDriver}. */
export class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;
  readonly #options: ImmediateSqliteOptions;

  constructor(config: SqliteDialectConfig, options: ImmediateSqliteOptions) {
    super(config);
    this.#config = config;
    this.#options = options;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config, this.#options);
  }
}
