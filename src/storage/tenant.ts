import type {
  CreateTableBuilder,
  DeleteQueryBuilder,
  SelectQueryBuilder,
  UpdateQueryBuilder,
} from 'kysely';
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

/** The tables of `DB` that have a `tenant_id` column. */
export type TenantTables<DB> = {
  [T in keyof DB]: DB[T] extends { tenant_id: unknown } ? T : never;
}[keyof DB];

interface Filterable {
  where(column: string, operator: '=', value: string): unknown;
}

/**
 * Adds `where tenant_id = ?` to a select, update or delete on one table. It compiles only for
 * tables that have a `tenant_id` column, so a module cannot scope the wrong table by mistake.
 * With joins the bare column is ambiguous: filter each table (`'roles.tenant_id'`) yourself.
 *
 * @example
 * const roles = await scopeToTenant(db.selectFrom('rbac_roles').selectAll(), tenantId).execute();
 */
export function scopeToTenant<DB, TB extends TenantTables<DB>, O>(
  query: SelectQueryBuilder<DB, TB, O>,
  tenantId: string,
): SelectQueryBuilder<DB, TB, O>;
export function scopeToTenant<DB, UT extends keyof DB, TB extends TenantTables<DB>, O>(
  query: UpdateQueryBuilder<DB, UT, TB, O>,
  tenantId: string,
): UpdateQueryBuilder<DB, UT, TB, O>;
export function scopeToTenant<DB, TB extends TenantTables<DB>, O>(
  query: DeleteQueryBuilder<DB, TB, O>,
  tenantId: string,
): DeleteQueryBuilder<DB, TB, O>;
export function scopeToTenant(query: Filterable, tenantId: string): unknown {
  return query.where(TENANT_COLUMN, '=', tenantId);
}

/** A row with `tenant_id` set, for inserts: `insertInto(t).values(tenantRow(tenantId, row))`. */
export function tenantRow<Row extends object>(
  tenantId: string,
  row: Row,
): Row & { readonly tenant_id: string } {
  return { ...row, tenant_id: tenantId };
}
