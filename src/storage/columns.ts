import type { Kysely } from 'kysely';
import type { Database } from './contract.js';
import { STORAGE_ERROR_CODES, StorageError } from './errors.js';

/*
 * Portable column conventions (docs/storage.md): ids TEXT; timestamps BIGINT epoch
 * milliseconds; booleans INTEGER 0/1; JSON as TEXT. The readers below parse a database
 * row's `unknown` cell on both dialects and fail with `STORAGE_CORRUPT` on anything else.
 */

function corrupt(kind: string, value: unknown): StorageError {
  return new StorageError(
    STORAGE_ERROR_CODES.STORAGE_CORRUPT,
    `a stored ${kind} is unreadable (got ${typeof value})`,
    { details: { kind, type: typeof value } },
  );
}

/** The module's table types on the untyped Kysely instance: `withTables<RbacTables>(db)`. */
export function withTables<Tables>(database: Database): Kysely<Tables> {
  return database.kysely as Kysely<Tables>;
}

/**
 * Reads an epoch-milliseconds BIGINT cell: a number on both dialects (pg's int8 is parsed
 * per pool), also accepting a numeric string or a bigint from raw drivers.
 * @throws StorageError `STORAGE_CORRUPT` when the cell is not a safe integer.
 */
export function readEpochMs(value: unknown): number {
  const n = typeof value === 'string' || typeof value === 'bigint' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw corrupt('timestamp', value);
  return n;
}

/** Reads a nullable epoch-ms cell (`expires_at`). */
export function readOptionalEpochMs(value: unknown): number | undefined {
  return value === null || value === undefined ? undefined : readEpochMs(value);
}

/** Writes a boolean as INTEGER 0/1 (SQLite has no boolean type; one query fits both). */
export function writeBoolean(value: boolean): 0 | 1 {
  return value ? 1 : 0;
}

/**
 * Reads an INTEGER 0/1 cell (also a real boolean, should a module use one on PostgreSQL).
 * @throws StorageError `STORAGE_CORRUPT` for anything else.
 */
export function readBoolean(value: unknown): boolean {
  if (value === 1 || value === true || value === '1') return true;
  if (value === 0 || value === false || value === '0') return false;
  throw corrupt('boolean', value);
}

/** Writes JSON into a TEXT column. */
export function writeJson(value: unknown): string {
  return JSON.stringify(value);
}

/**
 * Reads a TEXT JSON cell (an already-parsed object from a PostgreSQL json column is
 * accepted too). Returns `unknown`: parse it further at the module's boundary.
 * @throws StorageError `STORAGE_CORRUPT` when the text is not JSON.
 */
export function readJson(value: unknown): unknown {
  if (typeof value !== 'string') {
    if (typeof value === 'object' && value !== null) return value;
    throw corrupt('JSON document', value);
  }
  try {
    return JSON.parse(value) as unknown;
  } catch (error) {
    throw new StorageError(
      STORAGE_ERROR_CODES.STORAGE_CORRUPT,
      'a stored JSON document is unreadable',
      {
        cause: error,
        details: { kind: 'JSON document' },
      },
    );
  }
}
