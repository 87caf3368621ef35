import { WardenError } from '../shared/errors.js';
import type { ErrorCategory, ErrorDetails } from '../shared/errors.js';

/** Stable codes raised by the storage layer, the same on SQLite and PostgreSQL. Never rename or reuse one. */
export const STORAGE_ERROR_CODES = {
  STORAGE_CONFIG_INVALID: 'STORAGE_CONFIG_INVALID',
  STORAGE_UNREACHABLE: 'STORAGE_UNREACHABLE',
  STORAGE_AUTH_FAILED: 'STORAGE_AUTH_FAILED',
  STORAGE_SCHEMA_TOO_NEW: 'STORAGE_SCHEMA_TOO_NEW',
  STORAGE_MIGRATION_INVALID: 'STORAGE_MIGRATION_INVALID',
  STORAGE_MIGRATION_FAILED: 'STORAGE_MIGRATION_FAILED',
  STORAGE_CONFLICT: 'STORAGE_CONFLICT',
  STORAGE_REFERENCE_MISSING: 'STORAGE_REFERENCE_MISSING',
  STORAGE_CORRUPT: 'STORAGE_CORRUPT',
  STORAGE_READ_ONLY: 'STORAGE_READ_ONLY',
  STORAGE_BUSY: 'STORAGE_BUSY',
  STORAGE_DISK_FULL: 'STORAGE_DISK_FULL',
  STORAGE_CLOSED: 'STORAGE_CLOSED',
  STORAGE_QUERY_FAILED: 'STORAGE_QUERY_FAILED',
} as const;

export type StorageErrorCode = (typeof STORAGE_ERROR_CODES)[keyof typeof STORAGE_ERROR_CODES];

/**
 * The category each code is always raised with. `STORAGE_AUTH_FAILED` is `unavailable`, not
 * `unauthenticated`: Warden's own database credentials being wrong is a server fault, and a
 * client of Warden's API must not be told to log in again (HTTP 503, not 401).
 */
export const STORAGE_ERROR_CATEGORIES: Readonly<Record<StorageErrorCode, ErrorCategory>> =
  Object.freeze({
    STORAGE_CONFIG_INVALID: 'invalid_argument',
    STORAGE_UNREACHABLE: 'unavailable',
    STORAGE_AUTH_FAILED: 'unavailable',
    STORAGE_SCHEMA_TOO_NEW: 'failed_precondition',
    STORAGE_MIGRATION_INVALID: 'invalid_argument',
    STORAGE_MIGRATION_FAILED: 'internal',
    STORAGE_CONFLICT: 'conflict',
    STORAGE_REFERENCE_MISSING: 'failed_precondition',
    STORAGE_CORRUPT: 'internal',
    STORAGE_READ_ONLY: 'failed_precondition',
    STORAGE_BUSY: 'unavailable',
    STORAGE_DISK_FULL: 'resource_exhausted',
    STORAGE_CLOSED: 'unavailable',
    STORAGE_QUERY_FAILED: 'internal',
  });

/** One bad field of a storage configuration, with its dotted path (`poolSize`). */
export interface StorageConfigIssue {
  readonly path: string;
  readonly reason: string;
}

/**
 * A storage failure, translated from the driver's own error so that both dialects fail
 * the same way. `details` hold `dialect` and, where one exists, the driver's code
 * (`driverCode`: a SQLSTATE such as `23505`, or `SQLITE_CONSTRAINT_UNIQUE`). Messages and
 * details never hold a password; the driver's error is the `cause` (for logs only).
 */
export class StorageError extends WardenError {
  override readonly code: StorageErrorCode;

  constructor(
    code: StorageErrorCode,
    message: string,
    options: { readonly cause?: unknown; readonly details?: ErrorDetails } = {},
  ) {
    super(code, STORAGE_ERROR_CATEGORIES[code], message, options);
    this.name = 'StorageError';
    this.code = code;
  }
}

/** True when `value` is a {@link StorageError}, optionally with one of `codes`. */
export function isStorageError(
  value: unknown,
  ...codes: readonly StorageErrorCode[]
): value is StorageError {
  return value instanceof StorageError && (codes.length === 0 || codes.includes(value.code));
}

/** The error for work asked of a closed database; `label` names it without secrets. */
export function databaseClosed(label: string, dialect: string): StorageError {
  return new StorageError(STORAGE_ERROR_CODES.STORAGE_CLOSED, `the database (${label}) is closed`, {
    details: { dialect },
  });
}

/** The configuration error, listing every bad path (`details.issues`). */
export function invalidStorageConfig(issues: readonly StorageConfigIssue[]): StorageError {
  const summary = issues.map((i) => `${i.path || '(root)'}: ${i.reason}`).join('; ');
  return new StorageError(
    STORAGE_ERROR_CODES.STORAGE_CONFIG_INVALID,
    `invalid storage configuration: ${summary}`,
    { details: { issues: Object.freeze(issues.map((i) => Object.freeze({ ...i }))) } },
  );
}

/**
 * The connection string with any password replaced by `***`, for messages and logs.
 * Strings that do not parse as URLs lose everything between `//` and `@`.
 */
export function redactConnectionString(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    if (url.password !== '') url.password = '***';
    for (const key of [...url.searchParams.keys()]) {
      if (/pass|secret|key/i.test(key)) url.searchParams.set(key, '***');
    }
    return url.toString();
  } catch {
    return connectionString.replace(/\/\/[^@/]*@/, '//***@');
  }
}
