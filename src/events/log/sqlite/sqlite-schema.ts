import type { Database } from 'better-sqlite3';
import { EventLogError, LOG_ERROR_CODES } from '../errors.js';

/** The schema version this code writes; a file with a newer one is refused. */
export const SCHEMA_VERSION = 1;

/** Migrations by target version. Each runs in one transaction with the version bump. */
const MIGRATIONS: Readonly<Record<number, string>> = {
  1: `
    CREATE TABLE channels (
      id INTEGER PRIMARY KEY,
      name TEXT NOT NULL UNIQUE
    );
    -- Lanes are priorities (0 high, 1 normal, 2 low); seq increases across a channel's lanes.
    CREATE TABLE events (
      channel_id INTEGER NOT NULL,
      lane INTEGER NOT NULL,
      seq INTEGER NOT NULL,
      json TEXT NOT NULL,
      appended_at INTEGER NOT NULL,
      deadline INTEGER,
      PRIMARY KEY (channel_id, lane, seq)
    ) WITHOUT ROWID;
    -- Every seq <= acked_seq in the lane is acknowledged by the consumer.
    CREATE TABLE consumers (
      channel_id INTEGER NOT NULL,
      name TEXT NOT NULL,
      lane INTEGER NOT NULL,
      acked_seq INTEGER NOT NULL,
      PRIMARY KEY (channel_id, name, lane)
    ) WITHOUT ROWID;
    -- Acknowledgements above a consumer's watermark (out of order, with concurrent delivery).
    CREATE TABLE acks (
      channel_id INTEGER NOT NULL,
      name TEXT NOT NULL,
      lane INTEGER NOT NULL,
      seq INTEGER NOT NULL,
      PRIMARY KEY (channel_id, name, lane, seq)
    ) WITHOUT ROWID;
    CREATE TABLE idempotency_keys (
      channel_id INTEGER NOT NULL,
      key TEXT NOT NULL,
      expires_at INTEGER NOT NULL,
      PRIMARY KEY (channel_id, key)
    ) WITHOUT ROWID;
    CREATE TABLE dead_letters (
      id TEXT PRIMARY KEY,
      channel_id INTEGER NOT NULL,
      consumer TEXT NOT NULL,
      reason TEXT NOT NULL,
      dead_lettered_at INTEGER NOT NULL,
      record TEXT NOT NULL
    );
    CREATE INDEX dead_letters_by_consumer ON dead_letters (channel_id, consumer, dead_lettered_at);
    CREATE INDEX dead_letters_by_time ON dead_letters (channel_id, dead_lettered_at);
    -- Dead letters handed back to their consumer, delivered before its lanes.
    CREATE TABLE replays (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      channel_id INTEGER NOT NULL,
      consumer TEXT NOT NULL,
      priority TEXT NOT NULL,
      json TEXT NOT NULL
    );
    CREATE INDEX replays_by_consumer ON replays (channel_id, consumer, id);
  `,
};

/**
 * Brings a freshly opened database to `SCHEMA_VERSION`.
 * @throws EventLogError `LOG_SCHEMA_UNSUPPORTED` when the file was written by a newer Warden.
 */
export function migrate(db: Database, file: string): void {
  const version = assertSupportedSchema(db, file);
  for (let target = version + 1; target <= SCHEMA_VERSION; target++) {
    const sql = MIGRATIONS[target];
    if (sql === undefined) throw new Error(`missing migration to schema version ${target}`);
    db.transaction(() => {
      db.exec(sql);
      db.pragma(`user_version = ${target}`);
    })();
  }
}

/**
 * Reads the file's schema version without writing anything.
 * @throws EventLogError `LOG_SCHEMA_UNSUPPORTED` when the file was written by a newer Warden.
 */
export function assertSupportedSchema(db: Database, file: string): number {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    throw new EventLogError(
      LOG_ERROR_CODES.LOG_SCHEMA_UNSUPPORTED,
      `event log ${file} has schema version ${version}; this Warden reads up to ${SCHEMA_VERSION}. Upgrade Warden or use another data directory.`,
      { details: { file, version, supported: SCHEMA_VERSION } },
    );
  }
  return version;
}

/** Node's errno codes for a location the process may not create or write files in. */
const NOT_WRITABLE_ERRNOS: readonly string[] = ['EACCES', 'EPERM', 'EROFS', 'ENOTDIR'];

/** Translates a SQLite failure into the log's stable codes. */
export function translateSqliteError(error: unknown, file: string, doing: string): EventLogError {
  if (error instanceof EventLogError) return error;
  const code = (error as { code?: unknown }).code;
  const sqliteCode = typeof code === 'string' ? code : '';
  const details = { file, sqliteCode };
  const say = (what: string) => `${what} (${doing} ${file})`;
  if (sqliteCode === 'SQLITE_FULL' || sqliteCode === 'ENOSPC') {
    return new EventLogError(
      LOG_ERROR_CODES.LOG_DISK_FULL,
      say('the disk holding the event log is full'),
      { cause: error, details },
    );
  }
  if (sqliteCode === 'SQLITE_NOTADB' || sqliteCode.startsWith('SQLITE_CORRUPT')) {
    return new EventLogError(
      LOG_ERROR_CODES.LOG_FILE_CORRUPT,
      say('the event log file is not a valid Warden database or is corrupt'),
      {
        cause: error,
        details,
      },
    );
  }
  if (
    sqliteCode.startsWith('SQLITE_READONLY') ||
    sqliteCode.startsWith('SQLITE_CANTOPEN') ||
    sqliteCode === 'SQLITE_PERM' ||
    NOT_WRITABLE_ERRNOS.includes(sqliteCode)
  ) {
    return new EventLogError(
      LOG_ERROR_CODES.LOG_NOT_WRITABLE,
      say('the event log cannot be opened for writing'),
      { cause: error, details },
    );
  }
  if (sqliteCode.startsWith('SQLITE_BUSY') || sqliteCode.startsWith('SQLITE_LOCKED')) {
    return new EventLogError(
      LOG_ERROR_CODES.LOG_FILE_LOCKED,
      say('the event log is in use by another process'),
      { cause: error, details },
    );
  }
  return new EventLogError(
    LOG_ERROR_CODES.LOG_IO_FAILED,
    say(`event log storage failed: ${(error as Error).message}`),
    {
      cause: error,
      details,
    },
  );
}
