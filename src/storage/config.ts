import type { StorageConfig } from './contract.js';
import { STORAGE_DRIVERS } from './contract.js';
import { invalidStorageConfig, redactConnectionString } from './errors.js';
import type { StorageConfigIssue } from './errors.js';

/** PostgreSQL identifiers Warden accepts for `schema`: unquoted, lower case, at most 63 bytes. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

const SQLITE_KEYS: readonly string[] = ['driver', 'file', 'busyTimeoutMs'];
const POSTGRES_KEYS: readonly string[] = [
  'driver',
  'connectionString',
  'poolSize',
  'schema',
  'connectTimeoutMs',
];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkPositiveInteger(
  input: Record<string, unknown>,
  key: string,
  issues: StorageConfigIssue[],
): void {
  const value = input[key];
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    issues.push({ path: key, reason: 'must be a positive integer' });
  }
}

function checkUnknownKeys(
  input: Record<string, unknown>,
  known: readonly string[],
  issues: StorageConfigIssue[],
): void {
  for (const key of Object.keys(input)) {
    if (!known.includes(key)) issues.push({ path: key, reason: 'is not a known option' });
  }
}

function checkSqlite(input: Record<string, unknown>, issues: StorageConfigIssue[]): void {
  const file = input['file'];
  if (typeof file !== 'string' || file.trim() === '') {
    issues.push({ path: 'file', reason: "must be a non-empty path or ':memory:'" });
  } else if (file.includes('\0')) {
    issues.push({ path: 'file', reason: 'must not contain a NUL character' });
  }
  checkPositiveInteger(input, 'busyTimeoutMs', issues);
  checkUnknownKeys(input, SQLITE_KEYS, issues);
}

function checkConnectionString(value: unknown, issues: StorageConfigIssue[]): void {
  if (typeof value !== 'string' || value.trim() === '') {
    issues.push({ path: 'connectionString', reason: 'must be a postgres:// URL' });
    return;
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    issues.push({
      path: 'connectionString',
      reason: `is not a URL (${redactConnectionString(value)})`,
    });
    return;
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    issues.push({
      path: 'connectionString',
      reason: `must start with postgres:// or postgresql://, not ${url.protocol}//`,
    });
  } else if (url.hostname === '' && !url.searchParams.has('host')) {
    issues.push({ path: 'connectionString', reason: 'names no host' });
  }
}

function checkPostgres(input: Record<string, unknown>, issues: StorageConfigIssue[]): void {
  checkConnectionString(input['connectionString'], issues);
  checkPositiveInteger(input, 'poolSize', issues);
  checkPositiveInteger(input, 'connectTimeoutMs', issues);
  const schema = input['schema'];
  if (schema !== undefined && (typeof schema !== 'string' || !SCHEMA_NAME.test(schema))) {
    issues.push({
      path: 'schema',
      reason: 'must be 1 to 63 lower-case letters, digits or "_", not starting with a digit',
    });
  }
  checkUnknownKeys(input, POSTGRES_KEYS, issues);
}

/**
 * Checks a storage configuration from any source (file, environment, code) and returns a
 * frozen copy.
 * @throws StorageError `STORAGE_CONFIG_INVALID` listing every bad path (`details.issues`):
 *   unknown driver, empty file, a connection string that is not a postgres URL, a pool
 *   size or timeout that is not a positive integer, a bad schema name, unknown keys.
 */
export function parseStorageConfig(input: unknown): StorageConfig {
  if (!isRecord(input)) throw invalidStorageConfig([{ path: '', reason: 'must be an object' }]);
  const issues: StorageConfigIssue[] = [];
  const driver = input['driver'];
  if (driver === 'sqlite') checkSqlite(input, issues);
  else if (driver === 'postgres') checkPostgres(input, issues);
  else issues.push({ path: 'driver', reason: `must be one of ${STORAGE_DRIVERS.join(', ')}` });
  if (issues.length > 0) throw invalidStorageConfig(issues);
  return Object.freeze({ ...input }) as StorageConfig;
}
