import type { Dialect } from './contract.js';
import type { StorageError } from './errors.js';
import { isPostgresDriverError, translatePostgresError } from './postgres/postgres-errors.js';
import { isSqliteDriverError, translateSqliteError } from './sqlite/sqlite-errors.js';

/**
 * Translates a driver error from `dialect` into a {@link StorageError}, so modules branch on
 * one code whatever the database: a unique violation is `STORAGE_CONFLICT` on SQLite
 * (`SQLITE_CONSTRAINT_UNIQUE`, `…_PRIMARYKEY`) and PostgreSQL (`23505`) alike. A
 * `StorageError` passes through; an error the driver did not raise becomes
 * `STORAGE_QUERY_FAILED` with it as `cause`.
 *
 * `Database.transaction` and `migrate` already translate; call this around queries run
 * directly on `database.kysely`.
 *
 * @example
 * try { await db.kysely.insertInto('roles').values(row).execute(); }
 * catch (error) { throw translateStorageError(error, db.dialect); }
 */
export function translateStorageError(error: unknown, dialect: Dialect): StorageError {
  switch (dialect) {
    case 'sqlite':
      return translateSqliteError(error);
    case 'postgres':
      return translatePostgresError(error);
    default: {
      const never: never = dialect;
      throw new TypeError(`unknown dialect ${String(never)}`);
    }
  }
}

/** True when `error` came from `dialect`'s driver (and so needs {@link translateStorageError}). */
export function isDriverError(error: unknown, dialect: Dialect): boolean {
  return dialect === 'sqlite' ? isSqliteDriverError(error) : isPostgresDriverError(error);
}
