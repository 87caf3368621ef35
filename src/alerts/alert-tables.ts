/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run on the untyped Kysely the storage contract hands them. */
import type { Kysely } from 'kysely';
import { tenantTable } from '../storage/index.js';
import type { MigrationSet } from '../storage/index.js';

/**
 * The alert table. Every row carries `tenant_id`, first in the key and in every index, and
 * every query filters on it. Times are epoch ms (BIGINT; PostgreSQL returns strings, parsed
 * at the store boundary); JSON as TEXT.
 */
export interface AlertTables {
  warden_alerts: {
    tenant_id: string;
    id: string;
    rule_id: string;
    rule_kind: string;
    severity: string;
    title: string;
    description: string;
    group_key: string;
    group_json: string;
    event_ids_json: string;
    event_count: number;
    first_event_at: number | string;
    last_event_at: number | string;
    raised_at: number | string;
    status: string;
    acknowledged_by: string | null;
    acknowledged_at: number | string | null;
  };
}

const ID = 'varchar(128)';

async function createAlertTable(db: Kysely<any>): Promise<void> {
  await tenantTable(db, 'warden_alerts')
    .addColumn('id', ID, (c) => c.notNull())
    .addColumn('rule_id', ID, (c) => c.notNull())
    .addColumn('rule_kind', 'varchar(16)', (c) => c.notNull())
    .addColumn('severity', 'varchar(16)', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('group_key', 'text', (c) => c.notNull())
    .addColumn('group_json', 'text', (c) => c.notNull())
    .addColumn('event_ids_json', 'text', (c) => c.notNull())
    .addColumn('event_count', 'integer', (c) => c.notNull())
    .addColumn('first_event_at', 'bigint', (c) => c.notNull())
    .addColumn('last_event_at', 'bigint', (c) => c.notNull())
    .addColumn('raised_at', 'bigint', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('acknowledged_by', ID)
    .addColumn('acknowledged_at', 'bigint')
    .addPrimaryKeyConstraint('warden_alerts_pk', ['tenant_id', 'id'])
    .execute();
  // Listing is newest first per tenant, paged by (raised_at, id).
  await db.schema
    .createIndex('warden_alerts_by_time')
    .on('warden_alerts')
    .columns(['tenant_id', 'raised_at', 'id'])
    .execute();
}

/** The alert service's schema, applied with `database.migrate(alertMigrations)`. */
export const alertMigrations: MigrationSet = Object.freeze({
  module: 'alerts',
  migrations: Object.freeze([
    { version: 1, name: 'create_alert_table', up: (db: Kysely<any>) => createAlertTable(db) },
  ]),
});
