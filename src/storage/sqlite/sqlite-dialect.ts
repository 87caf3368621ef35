import { CompiledQuery, SqliteDialect, SqliteDriver } from 'kysely';
import type { DatabaseConnection, Driver, SqliteDialectConfig } from 'kysely';

/**
 * Kysely's SQLite driver, but transactions start with `BEGIN IMMEDIATE`: the write lock is
 * taken (waiting up to `busy_timeout`) before the first read, so a transaction never fails
 * half-way with `SQLITE_BUSY_SNAPSHOT` because another process wrote to the file meanwhile.
 * And `destroy()` lets the running transaction finish instead of rolling it back.
 */
class ImmediateSqliteDriver extends SqliteDriver {
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

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }
}
