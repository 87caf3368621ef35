import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, inject } from 'vitest';
import { DIALECTS } from './contract.js';
import type { Database, Dialect, OpenDatabaseOptions, StorageConfig } from './contract.js';
import { openDatabase } from './open-database.js';

/** The throwaway PostgreSQL server of a test run (a superuser over TCP, password auth). */
export interface TestPostgresServer {
  /** `postgres://user:password@127.0.0.1:port/postgres` */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
}

declare module 'vitest' {
  interface ProvidedContext {
    /** Set by `test/support/postgres-global-setup.ts`: the server, or why it did not start. */
    wardenPostgres: TestPostgresServer | { readonly unavailable: string };
  }
}

/**
 * The storage of one `describeEachDatabase` suite on one dialect. Everything opened through
 * it is closed, and every file or schema it made removed, after the suite.
 */
export interface TestDatabases {
  readonly dialect: Dialect;
  /**
   * Opens the suite's storage (a temporary SQLite file, or a PostgreSQL schema of its own),
   * created empty on first use. Each call opens another `Database` on the same data, as a
   * second Warden instance would (on SQLite each waits for the other's write lock).
   */
  open(options?: OpenDatabaseOptions): Promise<Database>;
  /** Opens a new, empty storage of its own (for tests that need an empty database). */
  fresh(options?: OpenDatabaseOptions): Promise<Database>;
  /** The config `open()` uses (to reopen the storage, or hand it to a child process). */
  config(): StorageConfig;
  /** The config of a new, empty storage, without opening it. */
  freshConfig(): StorageConfig;
  /** The PostgreSQL server (`undefined` on SQLite), for tests of connection failures. */
  postgresServer(): TestPostgresServer | undefined;
}

/** Options of {@link describeEachDatabase}. */
export interface DescribeEachDatabaseOptions {
  /** The dialects to run on. Default both. */
  readonly dialects?: readonly Dialect[];
}

function randomSuffix(): string {
  return randomBytes(6).toString('hex');
}

/** The run's PostgreSQL server: from the global setup, or `WARDEN_TEST_POSTGRES_URL`. */
function postgresServer(): TestPostgresServer {
  const fromEnv = process.env['WARDEN_TEST_POSTGRES_URL'];
  if (fromEnv !== undefined && fromEnv !== '') {
    const url = new URL(fromEnv);
    return {
      url: fromEnv,
      host: url.hostname,
      port: Number(url.port || '5432'),
      user: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
    };
  }
  const provided = inject('wardenPostgres') as
    TestPostgresServer | { unavailable: string } | undefined;
  if (provided === undefined) {
    throw new Error(
      'no PostgreSQL for tests: add test/support/postgres-global-setup.ts to vitest globalSetup, or set WARDEN_TEST_POSTGRES_URL',
    );
  }
  if ('unavailable' in provided) {
    throw new Error(`the test PostgreSQL cluster did not start: ${provided.unavailable}`);
  }
  return provided;
}

abstract class BaseTestDatabases implements TestDatabases {
  abstract readonly dialect: Dialect;
  readonly #opened: Database[] = [];
  #suiteConfig: StorageConfig | undefined;

  async open(options?: OpenDatabaseOptions): Promise<Database> {
    return this.#track(await openDatabase(this.config(), options));
  }

  async fresh(options?: OpenDatabaseOptions): Promise<Database> {
    return this.#track(await openDatabase(this.freshConfig(), options));
  }

  config(): StorageConfig {
    this.#suiteConfig ??= this.freshConfig();
    return this.#suiteConfig;
  }

  abstract freshConfig(): StorageConfig;

  postgresServer(): TestPostgresServer | undefined {
    return undefined;
  }

  /** Closes everything opened; subclasses then remove what they made. */
  async dispose(): Promise<void> {
    await Promise.all(this.#opened.splice(0).map((database) => database.close()));
  }

  #track(database: Database): Database {
    this.#opened.push(database);
    return database;
  }
}

class SqliteTestDatabases extends BaseTestDatabases {
  readonly dialect = 'sqlite' as const;
  #dir: string | undefined;
  #files = 0;

  freshConfig(): StorageConfig {
    this.#dir ??= mkdtempSync(join(tmpdir(), 'warden-test-db-'));
    this.#files += 1;
    return { driver: 'sqlite', file: join(this.#dir, `db-${this.#files}.sqlite`) };
  }

  override async dispose(): Promise<void> {
    await super.dispose();
    if (this.#dir !== undefined) rmSync(this.#dir, { recursive: true, force: true });
  }
}

class PostgresTestDatabases extends BaseTestDatabases {
  readonly dialect = 'postgres' as const;
  readonly #schemas: string[] = [];
  #server: TestPostgresServer | undefined;

  override postgresServer(): TestPostgresServer {
    this.#server ??= postgresServer();
    return this.#server;
  }

  freshConfig(): StorageConfig {
    const schema = `warden_test_${randomSuffix()}`;
    this.#schemas.push(schema);
    // Small pools: many suites share one cluster.
    return { driver: 'postgres', connectionString: this.postgresServer().url, schema, poolSize: 3 };
  }

  override async dispose(): Promise<void> {
    await super.dispose();
    if (this.#schemas.length === 0) return;
    const admin = await openDatabase({
      driver: 'postgres',
      connectionString: this.postgresServer().url,
      poolSize: 1,
    });
    try {
      for (const schema of this.#schemas.splice(0)) {
        await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(admin.kysely);
      }
    } finally {
      await admin.close();
    }
  }
}

/**
 * Runs the same suite on SQLite and on PostgreSQL (`name [sqlite]`, `name [postgres]`).
 * `open()` opens the suite's own storage, created empty for the suite (a temporary file, or
 * a schema in the run's throwaway cluster); `databases.fresh()` gives a test an empty one.
 * Everything is closed and removed after the suite. Use random tenant ids per test: tests
 * of one suite share the suite's storage.
 *
 * @example
 * describeEachDatabase('role store', (open) => {
 *   it('finds a role by id', async () => {
 *     const database = await open();
 *     await database.migrate(rbacMigrations);
 *     // …
 *   });
 * });
 */
export function describeEachDatabase(
  name: string,
  suite: (open: () => Promise<Database>, databases: TestDatabases) => void,
  options: DescribeEachDatabaseOptions = {},
): void {
  for (const dialect of options.dialects ?? DIALECTS) {
    describe(`${name} [${dialect}]`, () => {
      const databases =
        dialect === 'sqlite' ? new SqliteTestDatabases() : new PostgresTestDatabases();
      afterAll(() => databases.dispose());
      suite(() => databases.open(), databases);
    });
  }
}
