import type { CreateTableBuilder } from 'kysely';
import type { AnyKysely } from './contract.js';

/** The column every module table carries, first in every key and index. */
export const TENANT_COLUMN = 'tenant_id';

/**
 * Starts a `CREATE TABLE` whose first column is `tenant_id TEXT NOT NULL`. Put `tenant_id`
 * first in the primary key and in every index too, so each tenant's rows sit together and
 * every lookup is by tenant.
 *
 * @example
 * await tenantTable(db, 'rbac_roles')
 *   .addColumn('id', 'text', (c) => c.notNull())
 *   .addColumn('name', 'text', (c) => c.notNull())
 *   .addPrimaryKeyConstraint('rbac_roles_pk', ['tenant_id', 'id'])
 *   .execute();
 */
export function tenantTable(db: AnyKysely, table: string): CreateTableBuilder<string, 'tenant_id'> {
  return db.schema.createTable(table).addColumn(TENANT_COLUMN, 'text', (c) => c.notNull());
}

/** A query builder that can filter on `tenant_id` (select, update, delete). */
export interface TenantFilterable<Q> {
  where(column: 'tenant_id', operator: '=', value: string): Q;
}

/**
 * Adds `where tenant_id = ?` to a select, update or delete. It compiles only for tables that
 * have a `tenant_id` column, so a module cannot scope the wrong table by mistake.
 *
 * @example
 * const roles = await scopeToTenant(db.selectFrom('rbac_roles').selectAll(), tenantId).execute();
 */
export function scopeToTenant<Q extends TenantFilterable<Q>>(query: Q, tenantId: string): Q {
  return query.where(TENANT_COLUMN, '=', tenantId);
}

/** A row with `tenant_id` set, for inserts: `insertInto(t).values(tenantRow(tenantId, row))`. */
export function tenantRow<Row extends object>(
  tenantId: string,
  row: Row,
): Row & { readonly tenant_id: string } {
  return { ...row, tenant_id: tenantId };
}
