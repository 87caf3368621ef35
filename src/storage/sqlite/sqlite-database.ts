import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Database as SqliteConnection } from 'better-sqlite3';
import { Kysely } from 'kysely';
import type { Clock } from '../../shared/clock.js';
import type { Database } from '../contract.js';
import { databaseClosed } from '../errors.js';
import { KyselyDatabase } from '../kysely-database.js';
import { noMigrationLock } from '../migrator.js';
import { TranslatingDialect } from '../translating-dialect.js';
import { retryWhileBusy } from './busy-wait.js';
import { ImmediateSqliteDialect } from './sqlite-dialect.js';
import { translateSqliteError } from './sqlite-errors.js';
import { StatementCache } from './statement-cache.js';

/** The SQLite part of a `StorageConfig`, already validated. */
export interface SqliteDatabaseConfig {
  readonly file: string;
  readonly busyTimeoutMs?: number;
}

const MEMORY = ':memory:';

async function openConnection(file: string, busyTimeoutMs: number): Promise<SqliteConnection> {
  if (file !== MEMORY) mkdirSync(dirname(file), { recursive: true });
  // No busy_timeout: SQLite would sleep the thread. Lock waits are retryWhileBusy's job.
  const connection = new BetterSqlite3(file, { timeout: 0 });
  try {
    await retryWhileBusy(() => {
      // The first statement reads the header: a file that is not a database fails here.
      connection.pragma('journal_mode = WAL');
      connection.pragma('foreign_keys = ON');
      connection.pragma('synchronous = NORMAL');
      // Take and release the write lock: a file the process may only read fails at open.
      connection.exec('BEGIN IMMEDIATE; ROLLBACK');
    }, busyTimeoutMs);
    return connection;
  } catch (error) {
    connection.close();
    throw error;
  }
}

/**
 * Opens (creating when missing) a SQLite database through Kysely: WAL, `foreign_keys=ON`,
 * `synchronous=NORMAL` (a commit survives a process crash; the last commits may be lost on
 * power loss), transactions with `BEGIN IMMEDIATE`, lock waits of up to `busyTimeoutMs`
 * (default 5000) that keep the event loop running. One connection: Kysely runs queries and
 * transactions one at a time.
 * @throws StorageError `STORAGE_CORRUPT` (not a database, damaged header), `STORAGE_READ_ONLY`
 *   (file or directory cannot be created or written), `STORAGE_BUSY` (locked past the timeout).
 */
export async function openSqliteDatabase(
  config: SqliteDatabaseConfig,
  clock: Clock,
): Promise<Database> {
  const busyTimeoutMs = config.busyTimeoutMs ?? 5000;
  let connection: SqliteConnection;
  try {
    connection = await openConnection(config.file, busyTimeoutMs);
  } catch (error) {
    throw translateSqliteError(error, config.file);
  }
  const label = `SQLite ${config.file}`;
  const statements = new StatementCache(connection);
  const dialect = new TranslatingDialect(
    new ImmediateSqliteDialect(
      { database: statements },
      {
        busyTimeoutMs,
        inTransaction: () => statements.inTransaction,
      },
    ),
    (error) => translateSqliteError(error, config.file),
    () => databaseClosed(label, 'sqlite'),
  );
  return new KyselyDatabase({
    dialect: 'sqlite',
    kysely: new Kysely<Record<string, never>>({ dialect }),
    clock,
    label,
    migrationLock: noMigrationLock,
    release: async () => {
      await dialect.close();
      if (connection.open) connection.close(); // when no query ever ran, the driver never took it
    },
  });
}
