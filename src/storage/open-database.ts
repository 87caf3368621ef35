import { systemClock } from '../shared/clock.js';
import { parseStorageConfig } from './config.js';
import type { Database, OpenDatabaseOptions, StorageConfig } from './contract.js';
import { openPostgresDatabase } from './postgres/postgres-database.js';
import { openSqliteDatabase } from './sqlite/sqlite-database.js';

/**
 * Opens Warden's database: validates `config`, connects, and fails at start rather than at
 * the first query. Modules then call `database.migrate(theirMigrations)`.
 *
 * @throws StorageError `STORAGE_CONFIG_INVALID` (every bad path listed),
 *   `STORAGE_UNREACHABLE`, `STORAGE_AUTH_FAILED` (PostgreSQL), `STORAGE_CORRUPT`,
 *   `STORAGE_READ_ONLY`, `STORAGE_BUSY` (SQLite).
 *
 * @example
 * const database = await openDatabase({ driver: 'sqlite', file: './data/warden.db' });
 * await database.migrate(rbacMigrations);
 * // …
 * await database.close();
 */
export async function openDatabase(
  config: StorageConfig,
  options: OpenDatabaseOptions = {},
): Promise<Database> {
  const checked = parseStorageConfig(config);
  const clock = options.clock ?? systemClock;
  switch (checked.driver) {
    case 'sqlite':
      return openSqliteDatabase(checked, clock);
    case 'postgres':
      return openPostgresDatabase(checked, clock);
    default: {
      const never: never = checked;
      throw new TypeError(`unknown driver ${String(never)}`);
    }
  }
}
