import type { Kysely } from 'kysely';

/**
 * RBAC's tables. Every row carries `tenant_id` and every query filters on it.
 * `entity_id` of a tenant-wide assignment is '' (not NULL) so it can be part of the
 * primary key on both dialects. Times are epoch milliseconds (BIGINT); PostgreSQL returns
 * them as strings, so rows are parsed (`Number`) at the store boundary.
 */
export interface RbacTables {
  rbac_tenants: {
    id: string;
    name: string;
    revision: number | string;
    created_at: number | string;
  };
  rbac_users: { tenant_id: string; id: string };
  rbac_entities: { tenant_id: string; id: string; parent_id: string | null };
  rbac_roles: { tenant_id: string; id: string; name: string };
  rbac_role_permissions: { tenant_id: string; role_id: string; permission: string };
  rbac_role_parents: { tenant_id: string; role_id: string; parent_id: string };
  rbac_assignments: {
    tenant_id: string;
    user_id: string;
    role_id: string;
    entity_id: string;
    expires_at: number | string | null;
    assigned_by: string;
    assigned_at: number | string;
  };
}

export type RbacDb = Kysely<RbacTables>;
