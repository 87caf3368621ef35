import { describe, expect, it } from 'vitest';
import { STORAGE_ERROR_CATEGORIES, StorageError } from './errors.js';
import type { StorageErrorCode } from './errors.js';
import { isDriverError, translateStorageError } from './translate-error.js';

/** A driver error as better-sqlite3 raises it. */
function sqliteError(code: string): Error {
  return Object.assign(new Error(`sqlite says ${code}`), { name: 'SqliteError', code });
}

/** A server error as pg raises it. */
function pgError(code: string): Error {
  return Object.assign(new Error(`server says ${code}`), { code, severity: 'ERROR' });
}

describe('translateStorageError', () => {
  it.each<[string, StorageErrorCode]>([
    ['SQLITE_CONSTRAINT_UNIQUE', 'STORAGE_CONFLICT'],
    ['SQLITE_CONSTRAINT_PRIMARYKEY', 'STORAGE_CONFLICT'],
    ['SQLITE_CONSTRAINT_FOREIGNKEY', 'STORAGE_REFERENCE_MISSING'],
    ['SQLITE_NOTADB', 'STORAGE_CORRUPT'],
    ['SQLITE_CORRUPT', 'STORAGE_CORRUPT'],
    ['SQLITE_READONLY', 'STORAGE_READ_ONLY'],
    ['SQLITE_CANTOPEN', 'STORAGE_READ_ONLY'],
    ['EACCES', 'STORAGE_READ_ONLY'],
    ['SQLITE_BUSY', 'STORAGE_BUSY'],
    ['SQLITE_FULL', 'STORAGE_DISK_FULL'],
    ['SQLITE_ERROR', 'STORAGE_QUERY_FAILED'],
    ['SQLITE_CONSTRAINT_CHECK', 'STORAGE_QUERY_FAILED'],
  ])('maps SQLite %s to %s', (driverCode, code) => {
    const error = translateStorageError(sqliteError(driverCode), 'sqlite');
    expect(error).toMatchObject({ code, category: STORAGE_ERROR_CATEGORIES[code] });
    expect(error.details).toEqual({ dialect: 'sqlite', driverCode });
  });

  it.each<[string, StorageErrorCode]>([
    ['23505', 'STORAGE_CONFLICT'],
    ['23503', 'STORAGE_REFERENCE_MISSING'],
    ['28P01', 'STORAGE_AUTH_FAILED'],
    ['28000', 'STORAGE_AUTH_FAILED'],
    ['3D000', 'STORAGE_UNREACHABLE'],
    ['57P01', 'STORAGE_UNREACHABLE'],
    ['08006', 'STORAGE_UNREACHABLE'],
    ['53300', 'STORAGE_UNREACHABLE'],
    ['40001', 'STORAGE_BUSY'],
    ['40P01', 'STORAGE_BUSY'],
    ['53100', 'STORAGE_DISK_FULL'],
    ['25006', 'STORAGE_READ_ONLY'],
    ['XX001', 'STORAGE_CORRUPT'],
    ['42P01', 'STORAGE_QUERY_FAILED'],
  ])('maps PostgreSQL SQLSTATE %s to %s', (driverCode, code) => {
    const error = translateStorageError(pgError(driverCode), 'postgres');
    expect(error).toMatchObject({ code, details: { dialect: 'postgres', driverCode } });
  });

  it('maps socket failures and pg connection messages to STORAGE_UNREACHABLE', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(translateStorageError(refused, 'postgres').code).toBe('STORAGE_UNREACHABLE');
    const timeout = new Error('Connection terminated due to connection timeout');
    expect(translateStorageError(timeout, 'postgres').code).toBe('STORAGE_UNREACHABLE');
  });

  it('maps a use after close to STORAGE_CLOSED on both dialects', () => {
    const sqlite = new TypeError('The database connection is not open');
    const pg = new Error('Cannot use a pool after calling end on the pool');
    expect(translateStorageError(sqlite, 'sqlite').code).toBe('STORAGE_CLOSED');
    expect(translateStorageError(pg, 'postgres').code).toBe('STORAGE_CLOSED');
  });

  it('keeps the driver error as the cause and out of the message', () => {
    const driver = pgError('23505');
    const error = translateStorageError(driver, 'postgres');
    expect(error.cause).toBe(driver);
    expect(error.message).not.toContain('server says');
  });

  it('passes a StorageError through unchanged', () => {
    const error = new StorageError('STORAGE_BUSY', 'busy');
    expect(translateStorageError(error, 'sqlite')).toBe(error);
    expect(translateStorageError(error, 'postgres')).toBe(error);
  });

  it('wraps anything else as STORAGE_QUERY_FAILED', () => {
    expect(translateStorageError('weird', 'sqlite').code).toBe('STORAGE_QUERY_FAILED');
    expect(translateStorageError(new Error('odd'), 'postgres').code).toBe('STORAGE_QUERY_FAILED');
  });

  it('tells driver errors from application errors', () => {
    expect(isDriverError(sqliteError('SQLITE_BUSY'), 'sqlite')).toBe(true);
    expect(isDriverError(pgError('23505'), 'postgres')).toBe(true);
    expect(isDriverError(new Error('mine'), 'sqlite')).toBe(false);
    expect(isDriverError(Object.assign(new Error('mine'), { code: 'E_MINE' }), 'postgres')).toBe(
      false,
    );
  });
});
