import BetterSqlite3 from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../shared/fake-clock.js';
import { EventBusService } from '../../bus.js';
import { range } from '../conformance-harness.js';
import type { TestEvent } from '../conformance-harness.js';
import { EventLogError } from '../errors.js';
import type { LogErrorCode } from '../errors.js';
import { SqliteEventLog } from './sqlite-event-log.js';
import { gate, openRestartHarness, randomName } from './sqlite-restart-harness.js';
import type { RestartHarness } from './sqlite-restart-harness.js';
import { SCHEMA_VERSION } from './sqlite-schema.js';

const dirs: string[] = [];
const harnesses: RestartHarness[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'warden-sqlite-open-'));
  dirs.push(dir);
  return dir;
}

afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.dispose();
  for (const dir of dirs.splice(0)) {
    chmodSync(dir, 0o700); // sub-directories made read-only below stay removable by the owner
    rmSync(dir, { recursive: true, force: true });
  }
});

const event = (n: number): TestEvent => ({
  id: `event-${n}`,
  type: 'test.happened',
  source: 'open-errors',
  time: '2025-05-22T10:00:00Z',
  dataVersion: '1.0',
  data: { n },
  metadata: { tenantId: 'tenant-a' },
});

/** Opens a bus on `file` and returns what `ready()` and a first `emit` fail with. */
async function openFailure(file: string): Promise<{ ready: unknown; emit: unknown }> {
  const clock = new FakeClock();
  const channel = randomName('ch');
  const log = new SqliteEventLog({ path: file, clock });
  const bus = new EventBusService(
    { channels: { [channel]: { bufferSize: 10, consumers: ['c'] } }, defaultConsumer: 'c' },
    { log, clock },
  );
  const ready = await bus.ready().then(
    () => undefined,
    (error: unknown) => error,
  );
  const emit = await bus.emit(channel, event(0)).then(
    () => undefined,
    (error: unknown) => error,
  );
  await bus.close();
  return { ready, emit };
}

function expectLogError(error: unknown, code: LogErrorCode, file: string): void {
  expect(error).toBeInstanceOf(EventLogError);
  expect(error).toMatchObject({ code });
  expect((error as EventLogError).message).toContain(file);
}

async function expectOpenFailure(file: string, code: LogErrorCode): Promise<void> {
  const { ready, emit } = await openFailure(file);
  expectLogError(ready, code, file);
  expectLogError(emit, code, file);
}

/** A real log file holding `count` events, closed. */
async function writtenLog(file: string, count: number): Promise<void> {
  const log = new SqliteEventLog({ path: file });
  const bus = new EventBusService(
    { channels: { events: { bufferSize: 10_000, consumers: ['c'] } }, defaultConsumer: 'c' },
    { log },
  );
  await Promise.all(range(count).map((n) => bus.emit('events', event(n))));
  await bus.close();
}

/** Deterministic bytes (a linear congruential generator), so a failure is reproducible. */
function seededBytes(length: number, seed: number): Buffer {
  const bytes = Buffer.alloc(length);
  let state = seed;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    bytes[i] = state >>> 24;
  }
  return bytes;
}

describe('SqliteEventLog open errors', () => {
  it('refuses a file from a newer schema with LOG_SCHEMA_UNSUPPORTED and leaves it untouched', async () => {
    const file = join(tempDir(), 'events.db');
    const db = new BetterSqlite3(file);
    db.exec("CREATE TABLE future (x TEXT); INSERT INTO future VALUES ('kept')");
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    const before = readFileSync(file);

    await expectOpenFailure(file, 'LOG_SCHEMA_UNSUPPORTED');

    expect(readFileSync(file).equals(before)).toBe(true);
  });

  it('refuses random bytes with LOG_FILE_CORRUPT and leaves the file as it was', async () => {
    const file = join(tempDir(), 'events.db');
    const bytes = seededBytes(16_384, 42);
    writeFileSync(file, bytes);

    await expectOpenFailure(file, 'LOG_FILE_CORRUPT');

    expect(readFileSync(file).equals(bytes)).toBe(true);
  });

  it('refuses a log whose header was overwritten with LOG_FILE_CORRUPT', async () => {
    const file = join(tempDir(), 'events.db');
    await writtenLog(file, 200);
    const bytes = readFileSync(file);
    bytes.write('NOT A DATABASE!!', 0, 'latin1');
    writeFileSync(file, bytes);

    await expectOpenFailure(file, 'LOG_FILE_CORRUPT');

    expect(readFileSync(file).equals(bytes)).toBe(true);
  });

  it('refuses a log with an overwritten page with LOG_FILE_CORRUPT', async () => {
    const file = join(tempDir(), 'events.db');
    await writtenLog(file, 2_000);
    const bytes = readFileSync(file);
    const pageSize = bytes.readUInt16BE(16); // the header's page size
    const lastPage = bytes.length / pageSize - 1;
    seededBytes(pageSize, 7).copy(bytes, lastPage * pageSize);
    writeFileSync(file, bytes);

    await expectOpenFailure(file, 'LOG_FILE_CORRUPT');

    expect(readFileSync(file).equals(bytes)).toBe(true);
  });

  it('fails with LOG_NOT_WRITABLE when the log directory cannot be created', async () => {
    // A path below a regular file fails for every user, root included (ENOTDIR).
    const blocker = join(tempDir(), 'not-a-directory');
    writeFileSync(blocker, 'keep me');
    const file = join(blocker, 'sub', 'events.db');

    await expectOpenFailure(file, 'LOG_NOT_WRITABLE');

    expect(readFileSync(blocker, 'utf8')).toBe('keep me');
  });

  it('fails with LOG_NOT_WRITABLE in a read-only directory', () => {
    // Root ignores permission bits. The child loads its modules first and only then drops to
    // an unprivileged user (when it runs as root), so the repository's own permissions do not
    // matter, while the open itself really is refused by the kernel.
    const dir = tempDir();
    chmodSync(dir, 0o755);
    const readOnly = join(dir, 'read-only');
    mkdirSync(readOnly, { mode: 0o555 });
    chmodSync(readOnly, 0o555);
    const file = join(readOnly, 'events.db');
    const logModule = pathToFileURL(join(import.meta.dirname, 'sqlite-event-log.ts')).href;
    const probe = `
      const { SqliteEventLog } = await import(${JSON.stringify(logModule)});
      const { default: Sqlite } = await import('better-sqlite3');
      new Sqlite(':memory:').close(); // loads the native addon while the files are still readable
      if (process.getuid() === 0) { process.setgid(65534); process.setuid(65534); }
      const error = await new SqliteEventLog({ path: process.argv[1] }).init().then(() => undefined, (e) => e);
      process.stdout.write(JSON.stringify({ name: error?.name, code: error?.code, message: error?.message }));`;
    const result = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '--eval', probe, file],
      { cwd: fileURLToPath(new URL('../../../..', import.meta.url)), encoding: 'utf8' },
    );

    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({
      name: 'EventLogError',
      code: 'LOG_NOT_WRITABLE',
      message: expect.stringContaining(file) as unknown,
    });
  });

  it('fails with LOG_FILE_LOCKED while another log has the file open, and the first keeps working', async () => {
    const h = await openRestartHarness({ bufferSize: 100, consumers: ['c'] });
    harnesses.push(h);
    const seen = h.record('c');

    await expectOpenFailure(h.file, 'LOG_FILE_LOCKED');
    await h.bus.emit(h.channel, h.event(1));
    await h.bus.drain();

    expect(seen).toEqual([1]);
  });
});

describe('SqliteEventLog disk full', () => {
  it('rejects the whole batch with LOG_DISK_FULL, stores none of it, and recovers when space returns', async () => {
    const h = await openRestartHarness({ bufferSize: 100, consumers: ['c'] });
    harnesses.push(h);
    await h.bus.emit(h.channel, h.event(0));
    const seen = h.record('c');
    await h.bus.drain();
    await h.restart(); // the consumer's position is written; only appends write from here on
    const pages = h.log.db.pragma('page_count', { simple: true }) as number;
    h.log.db.pragma(`max_page_count = ${pages}`);
    const padded = (n: number) => ({ ...h.event(n), data: { n, padding: 'x'.repeat(20_000) } });

    const failed = await Promise.all([
      ...range(10).map((n) => h.bus.emit(h.channel, padded(n + 1)).catch((e: unknown) => e)),
      h.bus
        .emitWithGuarantee(h.channel, h.event(11), { idempotencyKey: 'once' })
        .catch((e: unknown) => e),
    ]);
    const storedWhileFull = h.log.db.prepare('SELECT COUNT(*) FROM events').pluck().get();
    h.log.db.pragma(`max_page_count = ${pages * 100}`);
    await h.bus.emit(h.channel, padded(12));
    await h.bus.emitWithGuarantee(h.channel, h.event(13), { idempotencyKey: 'once' });
    const again = h.record('c');
    await h.bus.drain();

    expect(failed).toHaveLength(11);
    for (const error of failed) expectLogError(error, 'LOG_DISK_FULL', h.file);
    expect(storedWhileFull).toBe(1);
    expect(seen).toEqual([0]);
    expect(again).toEqual([12, 13]);
  });

  it('survives a full disk while writing acknowledgements, and writes them once space returns', async () => {
    const h = await openRestartHarness(
      { bufferSize: 10_000, consumers: ['c'] },
      { log: { ackFlushMs: 0 } },
    );
    harnesses.push(h);
    const blocker = gate();
    const seen: number[] = [];
    h.bus.subscribe(
      h.channel,
      async (e: TestEvent) => {
        if (e.data.n === 0) await blocker.wait;
        seen.push(e.data.n);
      },
      { consumer: 'c', maxConcurrency: 2, batchSize: 5_000 },
    );
    await h.bus.emit(h.channel, h.event(0, 'blocked'));
    await Promise.all(range(3_000).map((n) => h.bus.emit(h.channel, h.event(n + 1, 'flowing'))));
    const pages = h.log.db.pragma('page_count', { simple: true }) as number;
    h.log.db.pragma(`max_page_count = ${pages}`);
    // Acks above the blocked event's watermark need new rows: the background write fails.
    await h.until(() => h.log.lastWriteError !== undefined, 'a failed acknowledgement write');
    expect(h.log.lastWriteError?.code).toBe('LOG_DISK_FULL');
    h.log.db.pragma(`max_page_count = ${pages * 100}`);
    // Delivery goes on while acks cannot be written; the bus spreads it over event-loop turns.
    await h.until(() => seen.length === 3_000, 'every flowing event');
    await h.until(() => h.log.lastWriteError === undefined, 'the acknowledgements to be written');
    expect(seen).toHaveLength(3_000);
    await h.restart({ abandonRunningHandlers: true });
    const again = h.record('c');
    await h.until(() => again.length > 0, 'redelivery of the blocked event');
    await h.bus.drain();
    expect(again).toEqual([0]); // only the event that was never acknowledged comes back
    blocker.open();
  });
});
