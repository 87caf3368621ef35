/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run on the untyped Kysely the storage contract hands them. */
import type { Kysely } from 'kysely';
import type { MigrationSet } from '../../storage/index.js';

const ID = 'varchar(128)';
const PERMISSION = 'varchar(257)';

async function createTables(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('rbac_tenants')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('name', ID, (c) => c.notNull())
    .addColumn('revision', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('rbac_users')
    .addColumn('tenant_id', ID, (c) => c.notNull().references('rbac_tenants.id'))
    .addColumn('id', ID, (c) => c.notNull())
    .addPrimaryKeyConstraint('rbac_users_pk', ['tenant_id', 'id'])
    .execute();
  await db.schema
    .createTable('rbac_entities')
    .addColumn('tenant_id', ID, (c) => c.notNull().references('rbac_tenants.id'))
    .addColumn('id', ID, (c) => c.notNull())
    .addColumn('parent_id', ID)
    .addPrimaryKeyConstraint('rbac_entities_pk', ['tenant_id', 'id'])
    .execute();
  await db.schema
    .createTable('rbac_roles')
    .addColumn('tenant_id', ID, (c) => c.notNull().references('rbac_tenants.id'))
    .addColumn('id', ID, (c) => c.notNull())
    .addColumn('name', ID, (c) => c.notNull())
    .addPrimaryKeyConstraint('rbac_roles_pk', ['tenant_id', 'id'])
    .addUniqueConstraint('rbac_roles_name_unique', ['tenant_id', 'name'])
    .execute();
  await db.schema
    .createTable('rbac_role_permissions')
    .addColumn('tenant_id', ID, (c) => c.notNull())
    .addColumn('role_id', ID, (c) => c.notNull())
    .addColumn('permission', PERMISSION, (c) => c.notNull())
    .addPrimaryKeyConstraint('rbac_role_permissions_pk', ['tenant_id', 'role_id', 'permission'])
    .execute();
  await db.schema
    .createTable('rbac_role_parents')
    .addColumn('tenant_id', ID, (c) => c.notNull())
    .addColumn('role_id', ID, (c) => c.notNull())
    .addColumn('parent_id', ID, (c) => c.notNull())
    .addPrimaryKeyConstraint('rbac_role_parents_pk', ['tenant_id', 'role_id', 'parent_id'])
    .execute();
  await db.schema
    .createTable('rbac_assignments')
    .addColumn('tenant_id', ID, (c) => c.notNull())
    .addColumn('user_id', ID, (c) => c.notNull())
    .addColumn('role_id', ID, (c) => c.notNull())
    .addColumn('entity_id', ID, (c) => c.notNull())
    .addColumn('expires_at', 'bigint')
    .addColumn('assigned_by', ID, (c) => c.notNull())
    .addColumn('assigned_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('rbac_assignments_pk', [
      'tenant_id',
      'user_id',
      'role_id',
      'entity_id',
    ])
    .execute();
  // "Who holds role R" walks assignments by role.
  await db.schema
    .createIndex('rbac_assignments_by_role')
    .on('rbac_assignments')
    .columns(['tenant_id', 'role_id'])
    .execute();
}

/** RBAC's schema, applied with `database.migrate(rbacMigrations)`. */
export const rbacMigrations: MigrationSet = Object.freeze({
  module: 'rbac',
  migrations: Object.freeze([
    { version: 1, name: 'create_rbac_tables', up: (db: Kysely<any>) => createTables(db) },
  ]),
});
