/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run on the untyped Kysely the storage contract hands them. */
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { Dialect, MigrationSet } from '../../storage/index.js';

const ID = 'varchar(128)';
const TEXT_SHORT = 'varchar(256)';
const HASH = 'varchar(64)';

/**
 * `audit_records` and its indexes. `withoutRowid` (SQLite, migration 2) stores the rows in the
 * primary key's B-tree, `(tenant_id, seq)`: a tenant's records are contiguous (verify and
 * proofs read them sequentially instead of one page per record) and each append updates one
 * B-tree fewer.
 */
async function createRecords(
  db: Kysely<any>,
  table = 'audit_records',
  withoutRowid = false,
): Promise<void> {
  let create = db.schema
    .createTable(table)
    .addColumn('tenant_id', ID, (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('id', ID, (c) => c.notNull())
    .addColumn('source_event_id', ID, (c) => c.notNull())
    .addColumn('action', TEXT_SHORT, (c) => c.notNull())
    .addColumn('actor_user', TEXT_SHORT)
    .addColumn('actor_ip', TEXT_SHORT)
    .addColumn('actor_user_agent', 'text')
    .addColumn('target_resource', TEXT_SHORT)
    .addColumn('target_resource_id', TEXT_SHORT)
    .addColumn('outcome', 'varchar(16)', (c) => c.notNull())
    .addColumn('entity_id', ID)
    .addColumn('correlation_id', TEXT_SHORT)
    .addColumn('source', TEXT_SHORT, (c) => c.notNull())
    .addColumn('time', 'varchar(64)', (c) => c.notNull())
    .addColumn('time_ms', 'bigint', (c) => c.notNull())
    .addColumn('source_channel', 'varchar(64)', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('prev_hash', HASH, (c) => c.notNull())
    .addColumn('hash', HASH, (c) => c.notNull())
    .addColumn('leaf_hash', HASH, (c) => c.notNull())
    .addColumn('recorded_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('audit_records_pk', ['tenant_id', 'seq'])
    .addUniqueConstraint('audit_records_source_event', ['tenant_id', 'source_event_id']);
  if (withoutRowid) create = create.modifyEnd(sql`WITHOUT ROWID`);
  await create.execute();
}

async function createRecordIndexes(db: Kysely<any>): Promise<void> {
  // Indexes for the selective dashboard filters (type, actor, correlation), each led by the
  // tenant and ending in the sort key, so a filtered newest-first page is an index range scan.
  // Outcome, target and entity filter rows of the time index instead: every index costs each
  // append a B-tree insert, and those filters are rarely selective on their own.
  const indexes: [string, string[]][] = [
    ['audit_records_time', ['tenant_id', 'time_ms', 'seq']],
    ['audit_records_action', ['tenant_id', 'action', 'time_ms', 'seq']],
    ['audit_records_actor', ['tenant_id', 'actor_user', 'time_ms', 'seq']],
    ['audit_records_correlation', ['tenant_id', 'correlation_id', 'seq']],
  ];
  for (const [name, columns] of indexes) {
    await db.schema.createIndex(name).on('audit_records').columns(columns).execute();
  }
}

async function createSideTables(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('audit_heads')
    .addColumn('tenant_id', ID, (c) => c.primaryKey())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('hash', HASH, (c) => c.notNull())
    .addColumn('frontier', 'text', (c) => c.notNull())
    .addColumn('first_seq', 'bigint', (c) => c.notNull())
    .addColumn('pending', 'bigint', (c) => c.notNull())
    .addColumn('last_checkpoint_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('audit_tree_nodes')
    .addColumn('tenant_id', ID, (c) => c.notNull())
    .addColumn('level', 'integer', (c) => c.notNull())
    .addColumn('idx', 'bigint', (c) => c.notNull())
    .addColumn('hash', HASH, (c) => c.notNull())
    .addPrimaryKeyConstraint('audit_tree_nodes_pk', ['tenant_id', 'level', 'idx'])
    .execute();
  await db.schema
    .createTable('audit_checkpoints')
    .addColumn('tenant_id', ID, (c) => c.notNull())
    .addColumn('tree_size', 'bigint', (c) => c.notNull())
    .addColumn('root_hash', HASH, (c) => c.notNull())
    .addColumn('last_seq', 'bigint', (c) => c.notNull())
    .addColumn('last_hash', HASH, (c) => c.notNull())
    .addColumn('time', 'varchar(64)', (c) => c.notNull())
    .addColumn('key_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('signature', 'text', (c) => c.notNull())
    .addColumn('kind', 'varchar(16)', (c) => c.notNull())
    .addColumn('frontier', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('audit_checkpoints_pk', ['tenant_id', 'tree_size'])
    .execute();
}

async function appendOnlySqlite(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('audit_gate')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('retention_open', 'integer', (c) => c.notNull())
    .execute();
  await sql`INSERT INTO audit_gate (id, retention_open) VALUES (1, 0)`.execute(db);
  await appendOnlyTriggersSqlite(db);
}

async function appendOnlyTriggersSqlite(db: Kysely<any>): Promise<void> {
  await sql`CREATE TRIGGER audit_records_no_update BEFORE UPDATE ON audit_records
    BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END`.execute(db);
  await sql`CREATE TRIGGER audit_records_no_delete BEFORE DELETE ON audit_records
    WHEN (SELECT retention_open FROM audit_gate WHERE id = 1) = 0
    BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END`.execute(db);
}

async function appendOnlyPostgres(db: Kysely<any>): Promise<void> {
  // Only the retention job, inside its own transaction, sets warden.audit_retention = on.
  await sql`CREATE FUNCTION audit_records_append_only() RETURNS trigger AS $$
    BEGIN
      IF TG_OP = 'DELETE' AND current_setting('warden.audit_retention', true) = 'on' THEN
        RETURN OLD;
      END IF;
      RAISE EXCEPTION 'audit records are append-only' USING ERRCODE = 'insufficient_privilege';
    END $$ LANGUAGE plpgsql`.execute(db);
  await sql`CREATE TRIGGER audit_records_append_only BEFORE UPDATE OR DELETE ON audit_records
    FOR EACH ROW EXECUTE FUNCTION audit_records_append_only()`.execute(db);
  await sql`CREATE TRIGGER audit_records_no_truncate BEFORE TRUNCATE ON audit_records
    FOR EACH STATEMENT EXECUTE FUNCTION audit_records_append_only()`.execute(db);
}

/**
 * Copies `audit_records` into a WITHOUT ROWID table of the same columns (inside the
 * migration's transaction), then puts back its indexes and append-only triggers. Dropping the
 * old table fires no DELETE trigger.
 */
async function rebuildRecordsWithoutRowid(db: Kysely<any>): Promise<void> {
  await createRecords(db, 'audit_records_v2', true);
  await sql`INSERT INTO audit_records_v2 SELECT * FROM audit_records ORDER BY tenant_id, seq`.execute(
    db,
  );
  await sql`DROP TABLE audit_records`.execute(db);
  await sql`ALTER TABLE audit_records_v2 RENAME TO audit_records`.execute(db);
  await createRecordIndexes(db);
  await appendOnlyTriggersSqlite(db);
}

/** The audit store's schema, applied with `database.migrate(auditMigrations)`. */
export const auditMigrations: MigrationSet = Object.freeze({
  module: 'audit',
  migrations: Object.freeze([
    {
      version: 1,
      name: 'create_audit_tables',
      up: async (db: Kysely<any>, dialect: Dialect) => {
        await createRecords(db);
        await createRecordIndexes(db);
        await createSideTables(db);
        await (dialect === 'sqlite' ? appendOnlySqlite(db) : appendOnlyPostgres(db));
      },
    },
    {
      version: 2,
      name: 'audit_records_without_rowid',
      up: async (db: Kysely<any>, dialect: Dialect) => {
        // PostgreSQL has no clustered tables; its heap stays as it is.
        if (dialect === 'sqlite') await rebuildRecordsWithoutRowid(db);
      },
    },
  ]),
});
