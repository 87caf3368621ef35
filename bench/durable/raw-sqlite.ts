import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { securityEvent } from '../bus/security-event.js';
import { createTempDir } from './temp-dir.js';

/** Rows per transaction, as the issue states the ceiling. */
export const RAW_BATCH_ROWS = 1000;

/**
 * The table Warden's SQLite log appends to (sqlite-schema.ts), so the ceiling stores exactly
 * the same rows: the event's JSON text plus channel, lane, seq, appended-at and deadline.
 */
const SCHEMA = `
  CREATE TABLE events (
    channel_id INTEGER NOT NULL,
    lane INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    json TEXT NOT NULL,
    appended_at INTEGER NOT NULL,
    deadline INTEGER,
    PRIMARY KEY (channel_id, lane, seq)
  ) WITHOUT ROWID`;

export interface RawInsertRates {
  /** Rows/s building each event (createEvent + JSON.stringify) and inserting it: the ceiling. */
  readonly insertedPerSec: number;
  /** Rows/s inserting JSON built beforehand: SQLite alone. */
  readonly insertOnlyPerSec: number;
  readonly fileBytes: number;
}

/**
 * The raw ceiling: plain better-sqlite3 inserts in `RAW_BATCH_ROWS`-row transactions, with the
 * pragmas Warden's log opens the file with (WAL, synchronous=NORMAL, exclusive locking,
 * checkpoints every 10,000 WAL pages).
 * Two passes on two fresh files: building each event in the loop (the producer work Warden's
 * runs include), then inserting strings built beforehand.
 */
export function measureRawInserts(count: number): RawInsertRates {
  const built = insertRun(count, (seq) => JSON.stringify(securityEvent(seq)));
  const rows = Array.from({ length: count }, (_, seq) => JSON.stringify(securityEvent(seq)));
  const prebuilt = insertRun(count, (seq) => rows[seq] ?? '');
  return {
    insertedPerSec: built.perSec,
    insertOnlyPerSec: prebuilt.perSec,
    fileBytes: built.fileBytes,
  };
}

function insertRun(
  count: number,
  jsonOf: (seq: number) => string,
): { perSec: number; fileBytes: number } {
  const dir = createTempDir('warden-bench-raw-');
  const db = new BetterSqlite3(join(dir.path, 'raw.db'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('wal_autocheckpoint = 10000'); // as SqliteEventLog (WAL_AUTOCHECKPOINT_PAGES)
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec(SCHEMA);
    const insert = db.prepare(
      'INSERT INTO events (channel_id, lane, seq, json, appended_at, deadline) VALUES (?, ?, ?, ?, ?, ?)',
    );
    const insertBatch = db.transaction((from: number, to: number) => {
      const now = Date.now();
      for (let seq = from; seq < to; seq++) insert.run(1, 1, seq + 1, jsonOf(seq), now, null);
    });
    const start = performance.now();
    for (let from = 0; from < count; from += RAW_BATCH_ROWS)
      insertBatch(from, Math.min(count, from + RAW_BATCH_ROWS));
    const wallMs = performance.now() - start;
    return { perSec: (count / wallMs) * 1000, fileBytes: dir.sizeBytes() };
  } finally {
    db.close();
    dir.remove();
  }
}
