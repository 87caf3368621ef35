import type { Kysely, Transaction } from 'kysely';
import type { Clock } from '../shared/clock.js';

/**
 * Kysely over tables the storage layer does not know. Each module narrows it to its own
 * table types: `withTables<RbacTables>(database)` or `database.kysely as Kysely<RbacTables>`.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- untyped on purpose; modules narrow it
export type AnyKysely = Kysely<any>;

/** A transaction over tables the storage layer does not know (see {@link AnyKysely}). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- untyped on purpose; modules narrow it
export type AnyTransaction = Transaction<any>;

/** The SQL dialects Warden's storage runs on. */
export const DIALECTS = ['sqlite', 'postgres'] as const;

/** One of {@link DIALECTS}. */
export type Dialect = (typeof DIALECTS)[number];

/** The storage drivers a {@link StorageConfig} can name (one per dialect). */
export const STORAGE_DRIVERS = DIALECTS;

/**
 * Where Warden keeps its tables. Validated at the boundary by `openDatabase`
 * (`STORAGE_CONFIG_INVALID` lists every bad path).
 *
 * - `sqlite`: one file, created with its directory when missing; `':memory:'` for a
 *   private in-memory database (gone at `close()`). `busyTimeoutMs` (default 5000) is how
 *   long a statement waits (asynchronously) for another connection's lock before
 *   `STORAGE_BUSY`.
 * - `postgres`: a `postgres://` or `postgresql://` URL. `poolSize` (default 10) is the
 *   most connections held; `schema` (default the server's `search_path`, normally
 *   `public`) is created when missing and used for every table; `connectTimeoutMs`
 *   (default 5000) bounds each connection attempt before `STORAGE_UNREACHABLE`.
 */
export type StorageConfig =
  | {
      readonly driver: 'sqlite';
      readonly file: string;
      readonly busyTimeoutMs?: number;
    }
  | {
      readonly driver: 'postgres';
      readonly connectionString: string;
      readonly poolSize?: number;
      readonly schema?: string;
      readonly connectTimeoutMs?: number;
    };

/** Options of `openDatabase` that are not configuration. */
export interface OpenDatabaseOptions {
  /** Stamps `applied_at` in `warden_migrations`. Default the system clock. */
  readonly clock?: Clock;
}

/**
 * One step of a module's schema. Versions are 1, 2, 3 … per module, gapless, in order.
 * A shipped migration is never edited: add the next one.
 */
export interface Migration {
  /** 1-based, gapless within the module's set. */
  readonly version: number;
  /** A short label for logs and `warden_migrations` (`create_roles`). */
  readonly name: string;
  /**
   * Applies the step. Runs inside the transaction that records the new version, so a
   * failure leaves the schema and the version row as they were. Use portable Kysely
   * schema calls; branch on `dialect` only where the dialects truly differ.
   */
  up(db: AnyKysely, dialect: Dialect): Promise<void>;
}

/** A module's migrations, applied in order by {@link Database.migrate}. */
export interface MigrationSet {
  /** The module that owns the tables (`rbac`, `audit`): its row in `warden_migrations`. */
  readonly module: string;
  readonly migrations: readonly Migration[];
}

/**
 * An open SQLite or PostgreSQL database with one typed query path (Kysely) over both.
 * Tenant scoping is the modules' job: every table has `tenant_id` and every query filters
 * on it (see `tenant.ts` for the helpers).
 */
export interface Database {
  readonly dialect: Dialect;
  /** Untyped; a module narrows it: `withTables<RbacTables>(database)`. */
  readonly kysely: AnyKysely;
  /**
   * Brings the module's tables to its newest migration. Idempotent. Pending migrations
   * apply in order, all in one transaction with the module's row in `warden_migrations`.
   * Concurrent callers serialise (an advisory lock on PostgreSQL, the write lock on
   * SQLite), so each migration runs once.
   * @throws StorageError `STORAGE_MIGRATION_INVALID` (versions not 1..n, empty names),
   *   `STORAGE_SCHEMA_TOO_NEW` (the database holds a newer version than the set knows;
   *   nothing is changed), `STORAGE_MIGRATION_FAILED` (a step threw; rolled back).
   */
  migrate(set: MigrationSet): Promise<void>;
  /**
   * Runs `fn` in one transaction: committed when it resolves, rolled back when it throws.
   * Driver errors come out translated (`STORAGE_CONFLICT` …); anything else `fn` throws
   * comes out unchanged. On SQLite transactions run one at a time.
   */
  transaction<T>(fn: (trx: AnyTransaction) => Promise<T>): Promise<T>;
  /** Closes the connections; idempotent. Later calls fail with `STORAGE_CLOSED`. */
  close(): Promise<void>;
}
