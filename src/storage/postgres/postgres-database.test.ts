import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { afterEach, expect, it, vi } from 'vitest';
import type { AnyKysely, Migration, MigrationSet } from '../contract.js';
import { StorageError } from '../errors.js';
import { openDatabase } from '../open-database.js';
import { describeEachDatabase } from '../testing.js';
import type { TestPostgresServer } from '../testing.js';

const servers: Server[] = [];
const sockets: Socket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(
    servers.splice(0).map(
      (server) =>
        new Promise<void>((resolve) =>
          server.close(() => {
            resolve();
          }),
        ),
    ),
  );
});

/** A port on 127.0.0.1 that nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
  return typeof address === 'object' && address !== null ? address.port : 0;
}

/** A server that accepts connections and never answers (a hung database). */
async function silentServer(): Promise<number> {
  const server = createServer((socket) => sockets.push(socket));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return typeof address === 'object' && address !== null ? address.port : 0;
}

async function openFailure(
  connectionString: string,
  connectTimeoutMs = 1000,
): Promise<StorageError> {
  const error: unknown = await openDatabase({
    driver: 'postgres',
    connectionString,
    connectTimeoutMs,
  }).then(
    async (database) => {
      await database.close();
      return undefined;
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StorageError);
  return error as StorageError;
}

function withCredentials(
  server: TestPostgresServer,
  user: string,
  password: string,
  database = 'postgres',
): string {
  return `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${server.host}:${server.port}/${database}`;
}

/** Resolves once another session waits for an advisory lock. */
async function someoneWaitsForAdvisoryLock(db: AnyKysely): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from pg_locks where locktype = 'advisory' and not granted`.execute(
      db,
    );
    if ((rows[0]?.n ?? 0) > 0) return;
  }
  throw new Error('no session ever waited for the migration lock');
}

describeEachDatabase(
  'PostgreSQL storage',
  (open, databases) => {
    const server = (): TestPostgresServer => databases.postgresServer()!;

    it('runs each migration once when two instances migrate at the same time', async () => {
      const [first, second, observer] = [await open(), await open(), await open()];
      const module = `race_${randomBytes(4).toString('hex')}`;
      const runs: number[] = [];
      let blockedOnce = false;
      const step = (version: number): Migration => ({
        version,
        name: `step_${version}`,
        up: async (db) => {
          runs.push(version);
          if (!blockedOnce) {
            blockedOnce = true; // hold the lock until the other instance queues behind it
            await someoneWaitsForAdvisoryLock(observer.kysely);
          }
          await db.schema.createTable(`${module}_${version}`).addColumn('id', 'text').execute();
        },
      });
      const set: MigrationSet = { module, migrations: [step(1), step(2)] };

      await Promise.all([first.migrate(set), second.migrate(set)]);

      expect(runs).toEqual([1, 2]);
    });

    it('keeps each schema to itself', async () => {
      const a = await databases.fresh();
      const b = await databases.fresh();
      await a.kysely.schema.createTable('only_in_a').addColumn('id', 'text').execute();

      const inB: unknown = await b.kysely
        .selectFrom('only_in_a')
        .selectAll()
        .execute()
        .catch((e: unknown) => e);

      expect(inB).toBeInstanceOf(Error);
      expect(await a.kysely.selectFrom('only_in_a').selectAll().execute()).toEqual([]);
    });

    it('fails a query whose connection the server kills with STORAGE_UNREACHABLE, then reconnects', async () => {
      const [database, admin] = [await open(), await open()];
      const token = `q_${randomBytes(6).toString('hex')}`;
      const running = sql`select pg_sleep(30), ${sql.lit(token)}`
        .execute(database.kysely)
        .catch((e: unknown) => e);
      const pid = await vi.waitFor(async () => {
        const { rows } = await sql<{ pid: number }>`
          select pid from pg_stat_activity
          where query like ${`%${token}%`} and pid <> pg_backend_pid()`.execute(admin.kysely);
        expect(rows).toHaveLength(1);
        return rows[0]!.pid;
      });

      await sql`select pg_terminate_backend(${pid})`.execute(admin.kysely);

      expect(await running).toMatchObject({ code: 'STORAGE_UNREACHABLE', category: 'unavailable' });
      // The dead connection may be handed out once more before its socket closes.
      const after = await vi.waitFor(() =>
        sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(database.kysely),
      );
      expect(after.rows[0]?.pid).not.toBe(pid);
    });

    it('survives the server closing its idle connections', async () => {
      const [database, admin] = [await open(), await open()];
      const before = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(
        database.kysely,
      );
      const pid = before.rows[0]!.pid;

      await sql`select pg_terminate_backend(${pid})`.execute(admin.kysely);

      // Without an 'error' listener on the pool the dropped idle connection would end the
      // process. A query may still meet the dead connection once, as STORAGE_UNREACHABLE.
      const failures: unknown[] = [];
      const after = await vi.waitFor(async () => {
        try {
          return await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(
            database.kysely,
          );
        } catch (error) {
          failures.push(error);
          throw error;
        }
      });
      expect(after.rows[0]?.pid).not.toBe(pid);
      for (const failure of failures)
        expect(failure).toMatchObject({ code: 'STORAGE_UNREACHABLE' });
    });

    it('fails fast with STORAGE_UNREACHABLE when nothing listens on the port', async () => {
      const port = await closedPort();
      const started = performance.now();

      const error = await openFailure(`postgres://warden:pw@127.0.0.1:${port}/warden`);

      expect(performance.now() - started).toBeLessThan(2000);
      expect(error).toMatchObject({ code: 'STORAGE_UNREACHABLE', category: 'unavailable' });
      expect(error.message).toContain(`127.0.0.1:${port}/warden`);
    });

    it('gives up on a server that never answers after connectTimeoutMs', async () => {
      const port = await silentServer();
      const started = performance.now();

      const error = await openFailure(`postgres://warden:pw@127.0.0.1:${port}/warden`, 200);

      expect(performance.now() - started).toBeLessThan(5000);
      expect(error.code).toBe('STORAGE_UNREACHABLE');
    });

    it('fails with STORAGE_AUTH_FAILED on a wrong password and never shows a password', async () => {
      const wrong = `wrong-${randomBytes(8).toString('hex')}`;

      const error = await openFailure(withCredentials(server(), server().user, wrong));

      expect(error).toMatchObject({ code: 'STORAGE_AUTH_FAILED', category: 'unavailable' });
      expect(error.details).toMatchObject({ dialect: 'postgres', driverCode: '28P01' });
      for (const secret of [wrong, server().password]) {
        expect(error.message).not.toContain(secret);
        expect(JSON.stringify(error)).not.toContain(secret);
      }
    });

    it('fails with STORAGE_AUTH_FAILED for an unknown user', async () => {
      const error = await openFailure(withCredentials(server(), 'nobody_here', 'pw'));

      expect(error.code).toBe('STORAGE_AUTH_FAILED');
    });

    it('fails with STORAGE_UNREACHABLE for a database that does not exist', async () => {
      const error = await openFailure(
        withCredentials(server(), server().user, server().password, 'no_such_db'),
      );

      expect(error).toMatchObject({
        code: 'STORAGE_UNREACHABLE',
        details: { driverCode: '3D000' },
      });
      expect(error.message).not.toContain(server().password);
    });
  },
  { dialects: ['postgres'] },
);
