import { STORAGE_ERROR_CODES, StorageError } from '../errors.js';
import type { StorageErrorCode } from '../errors.js';

/** Node's errno codes for a server that cannot be reached at all. */
const NETWORK_ERRNOS: readonly string[] = [
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'EPIPE',
];

/** pg's own messages (plain `Error`s without a code) for a connection that failed or died. */
const CONNECTION_MESSAGES: readonly RegExp[] = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /connection error and is not queryable/i,
];

/** pg's message for a pool used after `end()` (the database was closed). */
const CLOSED_MESSAGES: readonly RegExp[] = [/cannot use a pool after calling end/i];

/** pg's messages when the server wants a password the client does not have. */
const AUTH_MESSAGES: readonly RegExp[] = [/^SASL: /, /password must be a string/i];

/** SQLSTATE codes by the storage code they become (classes 08 and 57P are prefix-matched below). */
const SQLSTATES: Readonly<Record<string, StorageErrorCode>> = {
  '23505': STORAGE_ERROR_CODES.STORAGE_CONFLICT,
  '23503': STORAGE_ERROR_CODES.STORAGE_REFERENCE_MISSING,
  '28P01': STORAGE_ERROR_CODES.STORAGE_AUTH_FAILED,
  '28000': STORAGE_ERROR_CODES.STORAGE_AUTH_FAILED,
  '3D000': STORAGE_ERROR_CODES.STORAGE_UNREACHABLE,
  '53300': STORAGE_ERROR_CODES.STORAGE_UNREACHABLE,
  '40001': STORAGE_ERROR_CODES.STORAGE_BUSY,
  '40P01': STORAGE_ERROR_CODES.STORAGE_BUSY,
  '55P03': STORAGE_ERROR_CODES.STORAGE_BUSY,
  '53100': STORAGE_ERROR_CODES.STORAGE_DISK_FULL,
  '25006': STORAGE_ERROR_CODES.STORAGE_READ_ONLY,
  XX001: STORAGE_ERROR_CODES.STORAGE_CORRUPT,
  XX002: STORAGE_ERROR_CODES.STORAGE_CORRUPT,
};

const WHAT: Readonly<Record<StorageErrorCode, string>> = {
  STORAGE_CONFIG_INVALID: 'invalid configuration',
  STORAGE_UNREACHABLE: 'cannot reach the PostgreSQL server or database',
  STORAGE_AUTH_FAILED: 'PostgreSQL refused the credentials',
  STORAGE_SCHEMA_TOO_NEW: 'the schema is newer than this Warden',
  STORAGE_MIGRATION_INVALID: 'invalid migrations',
  STORAGE_MIGRATION_FAILED: 'a migration failed',
  STORAGE_CONFLICT: 'a row with the same key exists',
  STORAGE_REFERENCE_MISSING: 'a referenced row is missing or still referenced',
  STORAGE_CORRUPT: 'PostgreSQL reports corrupt data',
  STORAGE_READ_ONLY: 'the PostgreSQL server accepts reads only',
  STORAGE_BUSY: 'the transaction lost a lock or serialisation conflict; retry it',
  STORAGE_DISK_FULL: "the PostgreSQL server's disk is full",
  STORAGE_CLOSED: 'the database is closed',
  STORAGE_QUERY_FAILED: 'the query failed',
};

interface PgErrorShape {
  readonly code?: unknown;
  readonly severity?: unknown;
  readonly message?: unknown;
  readonly constraint?: unknown;
  readonly table?: unknown;
}

function shapeOf(error: unknown): PgErrorShape {
  return typeof error === 'object' && error !== null ? error : {};
}

function sqlStateOf(error: unknown): string | undefined {
  const { code, severity } = shapeOf(error);
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && typeof severity === 'string'
    ? code
    : undefined;
}

function matches(error: unknown, patterns: readonly RegExp[]): boolean {
  const { message } = shapeOf(error);
  return typeof message === 'string' && patterns.some((p) => p.test(message));
}

function errnoOf(error: unknown): string | undefined {
  const { code } = shapeOf(error);
  return typeof code === 'string' && NETWORK_ERRNOS.includes(code) ? code : undefined;
}

/** True for errors from pg or from the socket under it. */
export function isPostgresDriverError(error: unknown): boolean {
  return (
    sqlStateOf(error) !== undefined ||
    errnoOf(error) !== undefined ||
    matches(error, CONNECTION_MESSAGES) ||
    matches(error, AUTH_MESSAGES) ||
    matches(error, CLOSED_MESSAGES)
  );
}

function classify(error: unknown): { code: StorageErrorCode; driverCode: string | undefined } {
  const sqlState = sqlStateOf(error);
  if (sqlState !== undefined) {
    const mapped =
      SQLSTATES[sqlState] ??
      (sqlState.startsWith('08') || sqlState.startsWith('57P')
        ? STORAGE_ERROR_CODES.STORAGE_UNREACHABLE
        : STORAGE_ERROR_CODES.STORAGE_QUERY_FAILED);
    return { code: mapped, driverCode: sqlState };
  }
  const errno = errnoOf(error);
  if (errno !== undefined)
    return { code: STORAGE_ERROR_CODES.STORAGE_UNREACHABLE, driverCode: errno };
  if (matches(error, AUTH_MESSAGES)) {
    return { code: STORAGE_ERROR_CODES.STORAGE_AUTH_FAILED, driverCode: undefined };
  }
  if (matches(error, CLOSED_MESSAGES)) {
    return { code: STORAGE_ERROR_CODES.STORAGE_CLOSED, driverCode: undefined };
  }
  if (matches(error, CONNECTION_MESSAGES)) {
    return { code: STORAGE_ERROR_CODES.STORAGE_UNREACHABLE, driverCode: undefined };
  }
  return { code: STORAGE_ERROR_CODES.STORAGE_QUERY_FAILED, driverCode: undefined };
}

/**
 * Translates a pg (or socket) error into a {@link StorageError}; a `StorageError` passes
 * through. `target` names the server without secrets (`127.0.0.1:5432/warden as app`).
 * Driver messages are left out of the message (they can quote row values); the driver's
 * error stays the `cause`.
 */
export function translatePostgresError(error: unknown, target?: string): StorageError {
  if (error instanceof StorageError) return error;
  const { code, driverCode } = classify(error);
  const { constraint, table } = shapeOf(error);
  const where = target === undefined ? 'PostgreSQL' : `PostgreSQL ${target}`;
  return new StorageError(code, `${WHAT[code]} (${where}${driverCode ? `, ${driverCode}` : ''})`, {
    cause: error,
    details: {
      dialect: 'postgres',
      ...(driverCode === undefined ? {} : { driverCode }),
      ...(target === undefined ? {} : { target }),
      ...(typeof constraint === 'string' ? { constraint } : {}),
      ...(typeof table === 'string' ? { table } : {}),
    },
  });
}
