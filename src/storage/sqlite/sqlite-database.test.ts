import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import type { Database } from '../contract.js';
import { StorageError } from '../errors.js';
import type { StorageErrorCode } from '../errors.js';
import { openDatabase } from '../open-database.js';

const dirs: string[] = [];
const opened: Database[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'warden-sqlite-storage-'));
  dirs.push(dir);
  return dir;
}

afterEach(async () => {
  await Promise.all(opened.splice(0).map((database) => database.close()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function openSqlite(file: string, busyTimeoutMs?: number): Promise<Database> {
  const database = await openDatabase({
    driver: 'sqlite',
    file,
    ...(busyTimeoutMs === undefined ? {} : { busyTimeoutMs }),
  });
  opened.push(database);
  return database;
}

async function expectOpenFailure(file: string, code: StorageErrorCode): Promise<StorageError> {
  const error: unknown = await openSqlite(file).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StorageError);
  expect(error).toMatchObject({ code, details: { dialect: 'sqlite', file } });
  expect((error as StorageError).message).toContain(file);
  return error as StorageError;
}

/** Starts a transaction on `database` that inserts `id` and stays open until released. */
function holdTransaction(
  database: Database,
  id: string,
): { inside: Promise<void>; release: () => void; done: Promise<void> } {
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let entered: () => void = () => undefined;
  const inside = new Promise<void>((resolve) => {
    entered = resolve;
  });
  const done = database.transaction(async (trx) => {
    await trx.insertInto('rows').values({ id }).execute();
    entered();
    await gate;
  });
  return { inside, release, done };
}

async function pragma(database: Database, name: string): Promise<unknown> {
  const { rows } = await sql
    .raw<Record<string, unknown>>(`pragma ${name}`)
    .execute(database.kysely);
  return Object.values(rows[0] ?? {})[0];
}

describe('SQLite storage', () => {
  it('opens with WAL, foreign keys on and synchronous NORMAL', async () => {
    const database = await openSqlite(join(tempDir(), 'nested', 'dir', 'warden.db'));

    expect(await pragma(database, 'journal_mode')).toBe('wal');
    expect(await pragma(database, 'foreign_keys')).toBe(1);
    expect(await pragma(database, 'synchronous')).toBe(1);
  });

  it('keeps what was committed across a reopen', async () => {
    const file = join(tempDir(), 'warden.db');
    const first = await openSqlite(file);
    await first.kysely.schema.createTable('kept').addColumn('id', 'text').execute();
    await first.kysely.insertInto('kept').values({ id: 'a' }).execute();
    await first.close();

    const second = await openSqlite(file);

    expect(await second.kysely.selectFrom('kept').selectAll().execute()).toEqual([{ id: 'a' }]);
  });

  it('fails with STORAGE_CORRUPT on a file that is not a database, and leaves it alone', async () => {
    const file = join(tempDir(), 'notes.txt');
    const text = 'these are my notes, not a database. '.repeat(200);
    writeFileSync(file, text);

    await expectOpenFailure(file, 'STORAGE_CORRUPT');

    expect(readFileSync(file, 'utf8')).toBe(text);
  });

  it('fails with STORAGE_READ_ONLY when the directory cannot be created', async () => {
    // A path below a regular file fails for every user, root included (ENOTDIR).
    const blocker = join(tempDir(), 'not-a-directory');
    writeFileSync(blocker, 'keep me');

    await expectOpenFailure(join(blocker, 'sub', 'warden.db'), 'STORAGE_READ_ONLY');

    expect(readFileSync(blocker, 'utf8')).toBe('keep me');
  });

  it('fails with STORAGE_READ_ONLY on a file the process may only read', async () => {
    const dir = tempDir();
    const file = join(dir, 'warden.db');
    const seed = await openSqlite(file);
    await seed.kysely.schema.createTable('t').addColumn('id', 'text').execute();
    await seed.close();
    chmodSync(dir, 0o755);
    chmodSync(file, 0o444);
    // Root ignores permission bits: the child loads its modules, then drops to `nobody`.
    const moduleUrl = pathToFileURL(join(import.meta.dirname, '..', 'open-database.ts')).href;
    const probe = `
      const { openDatabase } = await import(${JSON.stringify(moduleUrl)});
      const { default: Sqlite } = await import('better-sqlite3');
      new Sqlite(':memory:').close();
      if (process.getuid() === 0) { process.setgid(65534); process.setuid(65534); }
      const error = await openDatabase({ driver: 'sqlite', file: process.argv[1] }).then((d) => d.close(), (e) => e);
      process.stdout.write(JSON.stringify({ name: error?.name, code: error?.code, message: error?.message }));`;

    const result = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '--eval', probe, file],
      { cwd: fileURLToPath(new URL('../../..', import.meta.url)), encoding: 'utf8' },
    );

    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({
      name: 'StorageError',
      code: 'STORAGE_READ_ONLY',
      message: expect.stringContaining(file) as unknown,
    });
  });

  it("lets a second connection wait for the first one's transaction without blocking the event loop", async () => {
    const file = join(tempDir(), 'shared.db');
    const [first, second] = [await openSqlite(file), await openSqlite(file)];
    await first.kysely.schema.createTable('rows').addColumn('id', 'text').execute();
    const held = holdTransaction(first, 'first');
    await held.inside;

    const started = performance.now();
    const waiting = second.transaction(async (trx) => {
      await trx.insertInto('rows').values({ id: 'second' }).execute();
    });
    // The second transaction's BEGIN runs in this turn's microtasks; the release comes in the
    // next turn of the loop, which a thread-blocking lock wait would hold up.
    setImmediate(held.release);
    await Promise.all([held.done, waiting]);

    // A thread-blocking wait (SQLite's busy_timeout) would hold the loop for the whole timeout.
    expect(performance.now() - started).toBeLessThan(1000);

    const rows = await first.kysely.selectFrom('rows').select('id').orderBy('id').execute();
    expect(rows).toEqual([{ id: 'first' }, { id: 'second' }]);
  });

  it('fails with STORAGE_BUSY once the lock stays taken past busyTimeoutMs', async () => {
    const file = join(tempDir(), 'shared.db');
    const first = await openSqlite(file);
    const second = await openSqlite(file, 50);
    await first.kysely.schema.createTable('rows').addColumn('id', 'text').execute();
    const held = holdTransaction(first, 'first');
    await held.inside;

    const error: unknown = await second.kysely
      .insertInto('rows')
      .values({ id: 'second' })
      .execute()
      .catch((e: unknown) => e);
    held.release();
    await held.done;

    expect(error).toMatchObject({ code: 'STORAGE_BUSY', category: 'unavailable' });
    expect(await first.kysely.selectFrom('rows').select('id').execute()).toEqual([{ id: 'first' }]);
  });

  it('opens while another connection holds the write lock, once it lets go', async () => {
    const file = join(tempDir(), 'shared.db');
    const first = await openSqlite(file);
    await first.kysely.schema.createTable('rows').addColumn('id', 'text').execute();
    const held = holdTransaction(first, 'first');
    await held.inside;

    const opening = openSqlite(file);
    held.release();
    const second = await opening;
    await held.done;

    expect(await second.kysely.selectFrom('rows').select('id').execute()).toEqual([
      { id: 'first' },
    ]);
  });

  it('fails a write with STORAGE_DISK_FULL when the file cannot grow, and writes again after', async () => {
    const database = await openSqlite(join(tempDir(), 'full.db'));
    await database.kysely.schema.createTable('blobs').addColumn('body', 'text').execute();
    const pages = await pragma(database, 'page_count');
    // A file that may not grow past its size stands in for a full disk.
    await sql.raw(`pragma max_page_count = ${String(pages)}`).execute(database.kysely);
    const body = 'x'.repeat(64 * 1024);

    const error: unknown = await database
      .transaction((trx) => trx.insertInto('blobs').values({ body }).execute())
      .catch((e: unknown) => e);
    await sql.raw('pragma max_page_count = 1000000').execute(database.kysely);
    await database.kysely.insertInto('blobs').values({ body }).execute();

    expect(error).toMatchObject({ code: 'STORAGE_DISK_FULL', category: 'resource_exhausted' });
    expect(await database.kysely.selectFrom('blobs').select('body').execute()).toHaveLength(1);
  });

  it('opens a private in-memory database', async () => {
    const a = await openSqlite(':memory:');
    const b = await openSqlite(':memory:');
    await a.kysely.schema.createTable('mine').addColumn('id', 'text').execute();

    const inB: unknown = await b.kysely
      .selectFrom('mine')
      .selectAll()
      .execute()
      .catch((e: unknown) => e);

    expect(inB).toBeInstanceOf(Error);
  });
});
