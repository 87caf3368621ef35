import { STORAGE_ERROR_CODES, StorageError } from '../errors.js';
import type { StorageErrorCode } from '../errors.js';

/** Node's errno codes for a location the process may not create or write files in. */
const NOT_WRITABLE_ERRNOS: readonly string[] = ['EACCES', 'EPERM', 'EROFS', 'ENOTDIR', 'EISDIR'];

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

/** True for better-sqlite3's `SqliteError` and the file system errors met while opening a file. */
export function isSqliteDriverError(error: unknown): boolean {
  const code = codeOf(error);
  return (
    code.startsWith('SQLITE_') ||
    NOT_WRITABLE_ERRNOS.includes(code) ||
    code === 'ENOSPC' ||
    (error instanceof Error && /database connection is not open/i.test(error.message))
  );
}

function classify(code: string, message: string): { code: StorageErrorCode; what: string } {
  if (/database connection is not open/i.test(message)) {
    return { code: STORAGE_ERROR_CODES.STORAGE_CLOSED, what: 'the database is closed' };
  }
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    return { code: STORAGE_ERROR_CODES.STORAGE_CONFLICT, what: 'a row with the same key exists' };
  }
  if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
    return {
      code: STORAGE_ERROR_CODES.STORAGE_REFERENCE_MISSING,
      what: 'a referenced row is missing or still referenced',
    };
  }
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
    return {
      code: STORAGE_ERROR_CODES.STORAGE_CORRUPT,
      what: 'the file is not a SQLite database or is corrupt',
    };
  }
  if (
    code.startsWith('SQLITE_READONLY') ||
    code.startsWith('SQLITE_CANTOPEN') ||
    code === 'SQLITE_PERM' ||
    NOT_WRITABLE_ERRNOS.includes(code)
  ) {
    return {
      code: STORAGE_ERROR_CODES.STORAGE_READ_ONLY,
      what: 'the database file or its directory cannot be created or written',
    };
  }
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return {
      code: STORAGE_ERROR_CODES.STORAGE_BUSY,
      what: 'the database stayed locked by another connection past the busy timeout',
    };
  }
  if (code === 'SQLITE_FULL' || code === 'ENOSPC') {
    return { code: STORAGE_ERROR_CODES.STORAGE_DISK_FULL, what: 'the disk is full' };
  }
  return { code: STORAGE_ERROR_CODES.STORAGE_QUERY_FAILED, what: 'the query failed' };
}

/**
 * Translates a better-sqlite3 (or file system) error into a {@link StorageError};
 * a `StorageError` passes through. `file` names the database in the message.
 */
export function translateSqliteError(error: unknown, file?: string): StorageError {
  if (error instanceof StorageError) return error;
  const driverCode = codeOf(error);
  const { code, what } = classify(driverCode, error instanceof Error ? error.message : '');
  const where = file === undefined ? 'SQLite' : `SQLite ${file}`;
  return new StorageError(code, `${what} (${where}${driverCode ? `, ${driverCode}` : ''})`, {
    cause: error,
    details: {
      dialect: 'sqlite',
      ...(driverCode ? { driverCode } : {}),
      ...(file === undefined ? {} : { file }),
    },
  });
}
