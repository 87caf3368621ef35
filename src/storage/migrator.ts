import { sql } from 'kysely';
import type { Clock } from '../shared/clock.js';
import type { AnyKysely, AnyTransaction, Dialect, Migration, MigrationSet } from './contract.js';
import { STORAGE_ERROR_CODES, StorageError } from './errors.js';

/** The table holding one row per module: the newest migration version applied. */
export const MIGRATIONS_TABLE = 'warden_migrations';

/** Module names: they become rows, and often table prefixes, so keep them plain. */
const MODULE_NAME = /^[a-z][a-z0-9_]{0,62}$/;

interface MigrationRow {
  readonly version: number | string;
}

function invalid(set: MigrationSet, reason: string): StorageError {
  return new StorageError(
    STORAGE_ERROR_CODES.STORAGE_MIGRATION_INVALID,
    `migrations of module ${JSON.stringify(set.module)} are invalid: ${reason}`,
    { details: { module: set.module, reason } },
  );
}

/**
 * Checks that a set's versions run 1, 2, 3 … in order without gaps and that every step has
 * a name and an `up` function.
 * @throws StorageError `STORAGE_MIGRATION_INVALID`
 */
export function validateMigrationSet(set: MigrationSet): void {
  if (typeof set.module !== 'string' || !MODULE_NAME.test(set.module)) {
    throw invalid(set, 'the module name must be lower-case letters, digits or "_"');
  }
  set.migrations.forEach((migration: Migration, index) => {
    if (migration.version !== index + 1) {
      throw invalid(
        set,
        `migration #${index + 1} has version ${String(migration.version)}; versions must run 1, 2, 3 … in order without gaps`,
      );
    }
    if (typeof migration.name !== 'string' || migration.name.trim() === '') {
      throw invalid(set, `migration ${migration.version} has no name`);
    }
    if (typeof migration.up !== 'function') {
      throw invalid(set, `migration ${migration.version} has no up function`);
    }
  });
}

async function ensureMigrationsTable(db: AnyKysely): Promise<void> {
  await db.schema
    .createTable(MIGRATIONS_TABLE)
    .ifNotExists()
    .addColumn('module', 'text', (c) => c.primaryKey())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('applied_at', 'bigint', (c) => c.notNull())
    .execute();
}

/**
 * Reads the module's stored version, first writing its row (version 0 when new) so that the
 * transaction holds the write lock before it reads: on SQLite two processes migrating the
 * same file then queue on `busy_timeout` instead of failing to upgrade a read lock.
 */
async function lockedVersion(trx: AnyTransaction, module: string, now: number): Promise<number> {
  await trx
    .insertInto(MIGRATIONS_TABLE)
    .values({ module, version: 0, name: '', applied_at: now })
    .onConflict((oc) => oc.column('module').doNothing())
    .execute();
  const row = (await trx
    .selectFrom(MIGRATIONS_TABLE)
    .select('version')
    .where('module', '=', module)
    .executeTakeFirstOrThrow()) as MigrationRow;
  return Number(row.version);
}

async function applyStep(
  trx: AnyTransaction,
  dialect: Dialect,
  set: MigrationSet,
  migration: Migration,
  now: number,
): Promise<void> {
  try {
    await migration.up(trx, dialect);
  } catch (error) {
    const detail = error instanceof StorageError ? ` (${error.code})` : '';
    throw new StorageError(
      STORAGE_ERROR_CODES.STORAGE_MIGRATION_FAILED,
      `migration ${set.module} ${migration.version} (${migration.name}) failed${detail}; nothing of it was applied`,
      {
        cause: error,
        details: { module: set.module, version: migration.version, name: migration.name },
      },
    );
  }
  await trx
    .updateTable(MIGRATIONS_TABLE)
    .set({ version: migration.version, name: migration.name, applied_at: now })
    .where('module', '=', set.module)
    .execute();
}

/** How a dialect serialises concurrent migrators inside the migration transaction. */
export type MigrationLock = (trx: AnyTransaction) => Promise<void>;

/** Takes no lock beyond the write lock that `lockedVersion` takes (SQLite). */
export const noMigrationLock: MigrationLock = async () => {};

/** A transaction-scoped PostgreSQL advisory lock, one per schema. */
export const postgresMigrationLock: MigrationLock = async (trx) => {
  await sql`select pg_advisory_xact_lock(hashtext(${MIGRATIONS_TABLE} || ':' || current_schema()))`.execute(
    trx,
  );
};

/**
 * Applies a module's pending migrations in one transaction (see `Database.migrate`).
 * Only validation happens outside the transaction.
 */
export async function runMigrations(
  db: AnyKysely,
  dialect: Dialect,
  set: MigrationSet,
  clock: Clock,
  lock: MigrationLock,
): Promise<void> {
  validateMigrationSet(set);
  const latest = set.migrations.length;
  await db.transaction().execute(async (trx) => {
    await lock(trx);
    await ensureMigrationsTable(trx);
    const stored = await lockedVersion(trx, set.module, clock.now());
    if (stored > latest) {
      throw new StorageError(
        STORAGE_ERROR_CODES.STORAGE_SCHEMA_TOO_NEW,
        `the database holds ${set.module} schema version ${stored}; this Warden knows up to ${latest}. Upgrade Warden or use another database.`,
        { details: { module: set.module, storedVersion: stored, knownVersion: latest } },
      );
    }
    for (const migration of set.migrations.slice(stored)) {
      await applyStep(trx, dialect, set, migration, clock.now());
    }
  });
}
