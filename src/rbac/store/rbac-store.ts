import type { Kysely } from 'kysely';
import type {
  AssignmentRecord,
  PolicyChange,
  RoleRecord,
  TenantPolicyData,
} from '../policy/index.js';
import { readEpochMs } from '../../storage/index.js';
import type { RbacTables } from './rbac-tables.js';

type Db = Kysely<RbacTables>;

/** Who made a change and when, stored with assignments. */
export interface ChangeStamp {
  readonly actor: string;
  readonly at: number;
}

/**
 * Reads and writes one tenant's RBAC rows. Stateless: every call takes the connection or
 * transaction to run on, so the service can read, validate and write in one transaction.
 * Every statement filters on `tenant_id`.
 */
export const rbacStore = {
  async tenantRevision(db: Db, tenantId: string): Promise<number | null> {
    const row = await db
      .selectFrom('rbac_tenants')
      .select('revision')
      .where('id', '=', tenantId)
      .executeTakeFirst();
    return row === undefined ? null : readEpochMs(row.revision);
  },

  /** Everything the engine needs about one tenant, or null when the tenant does not exist. */
  async loadTenant(db: Db, tenantId: string): Promise<TenantPolicyData | null> {
    const revision = await rbacStore.tenantRevision(db, tenantId);
    if (revision === null) return null;
    const [users, entities, roles, permissions, parents, assignments] = await Promise.all([
      db.selectFrom('rbac_users').select('id').where('tenant_id', '=', tenantId).execute(),
      db
        .selectFrom('rbac_entities')
        .select(['id', 'parent_id'])
        .where('tenant_id', '=', tenantId)
        .execute(),
      db
        .selectFrom('rbac_roles')
        .select(['id', 'name'])
        .where('tenant_id', '=', tenantId)
        .execute(),
      db
        .selectFrom('rbac_role_permissions')
        .select(['role_id', 'permission'])
        .where('tenant_id', '=', tenantId)
        .execute(),
      db
        .selectFrom('rbac_role_parents')
        .select(['role_id', 'parent_id'])
        .where('tenant_id', '=', tenantId)
        .execute(),
      db
        .selectFrom('rbac_assignments')
        .select(['user_id', 'role_id', 'entity_id', 'expires_at'])
        .where('tenant_id', '=', tenantId)
        .execute(),
    ]);
    const permissionsOf = groupBy(
      permissions,
      (r) => r.role_id,
      (r) => r.permission,
    );
    const parentsOf = groupBy(
      parents,
      (r) => r.role_id,
      (r) => r.parent_id,
    );
    return {
      tenantId,
      revision,
      users: users.map((u) => u.id),
      entities: entities.map((e) => ({ id: e.id, parentId: e.parent_id })),
      roles: roles.map((r): RoleRecord => ({
        id: r.id,
        name: r.name,
        permissions: (permissionsOf.get(r.id) ?? []).sort(),
        inherits: (parentsOf.get(r.id) ?? []).sort(),
      })),
      assignments: assignments.map((a): AssignmentRecord => ({
        userId: a.user_id,
        roleId: a.role_id,
        entityId: a.entity_id === '' ? null : a.entity_id,
        expiresAt: a.expires_at === null ? null : readEpochMs(a.expires_at),
      })),
    };
  },

  async createTenant(db: Db, tenantId: string, name: string, at: number): Promise<void> {
    await db
      .insertInto('rbac_tenants')
      .values({ id: tenantId, name, revision: 1, created_at: at })
      .execute();
  },

  /**
   * Takes the tenant's next revision. On PostgreSQL the row lock serialises writers of
   * one tenant until commit, so a change is validated against the state it applies to.
   */
  async nextRevision(db: Db, tenantId: string): Promise<number | null> {
    const row = await db
      .updateTable('rbac_tenants')
      .set((eb) => ({ revision: eb('revision', '+', 1) }))
      .where('id', '=', tenantId)
      .returning('revision')
      .executeTakeFirst();
    return row === undefined ? null : readEpochMs(row.revision);
  },

  /** Writes one change. The service has validated it against the tenant's current policy. */
  async write(db: Db, tenantId: string, change: PolicyChange, stamp: ChangeStamp): Promise<void> {
    switch (change.kind) {
      case 'user_added':
        await db
          .insertInto('rbac_users')
          .values({ tenant_id: tenantId, id: change.userId })
          .execute();
        return;
      case 'user_removed':
        await deleteWhere(db, 'rbac_assignments', tenantId, 'user_id', change.userId);
        await deleteWhere(db, 'rbac_users', tenantId, 'id', change.userId);
        return;
      case 'role_put':
        await putRole(db, tenantId, change.role);
        return;
      case 'role_deleted':
        await deleteWhere(db, 'rbac_assignments', tenantId, 'role_id', change.roleId);
        await deleteWhere(db, 'rbac_role_parents', tenantId, 'parent_id', change.roleId);
        await deleteWhere(db, 'rbac_role_parents', tenantId, 'role_id', change.roleId);
        await deleteWhere(db, 'rbac_role_permissions', tenantId, 'role_id', change.roleId);
        await deleteWhere(db, 'rbac_roles', tenantId, 'id', change.roleId);
        return;
      case 'entity_put':
        await db
          .deleteFrom('rbac_entities')
          .where('tenant_id', '=', tenantId)
          .where('id', '=', change.entity.id)
          .execute();
        await db
          .insertInto('rbac_entities')
          .values({ tenant_id: tenantId, id: change.entity.id, parent_id: change.entity.parentId })
          .execute();
        return;
      case 'entity_deleted':
        await deleteWhere(db, 'rbac_assignments', tenantId, 'entity_id', change.entityId);
        await deleteWhere(db, 'rbac_entities', tenantId, 'id', change.entityId);
        return;
      case 'assignment_added':
        await putAssignment(db, tenantId, change.assignment, stamp);
        return;
      case 'assignment_removed':
        await db
          .deleteFrom('rbac_assignments')
          .where('tenant_id', '=', tenantId)
          .where('user_id', '=', change.userId)
          .where('role_id', '=', change.roleId)
          .where('entity_id', '=', change.entityId ?? '')
          .execute();
        return;
      default: {
        const unknown: never = change;
        throw new Error(`unknown change ${String(unknown)}`);
      }
    }
  },
};

type TenantTable = Exclude<keyof RbacTables, 'rbac_tenants'>;

async function deleteWhere(
  db: Db,
  table: TenantTable,
  tenantId: string,
  column: 'id' | 'user_id' | 'role_id' | 'parent_id' | 'entity_id',
  value: string,
): Promise<void> {
  // The table/column pairs are fixed by the callers above; Kysely cannot type a union here.
  const anyDb = db as unknown as Kysely<
    Record<string, { tenant_id: string } & Record<string, string>>
  >;
  await anyDb
    .deleteFrom(table)
    .where('tenant_id', '=', tenantId)
    .where(column, '=', value)
    .execute();
}

async function putRole(db: Db, tenantId: string, role: RoleRecord): Promise<void> {
  await deleteWhere(db, 'rbac_role_permissions', tenantId, 'role_id', role.id);
  await deleteWhere(db, 'rbac_role_parents', tenantId, 'role_id', role.id);
  await deleteWhere(db, 'rbac_roles', tenantId, 'id', role.id);
  await db
    .insertInto('rbac_roles')
    .values({ tenant_id: tenantId, id: role.id, name: role.name })
    .execute();
  if (role.permissions.length > 0) {
    await db
      .insertInto('rbac_role_permissions')
      .values(
        role.permissions.map((permission) => ({
          tenant_id: tenantId,
          role_id: role.id,
          permission,
        })),
      )
      .execute();
  }
  if (role.inherits.length > 0) {
    await db
      .insertInto('rbac_role_parents')
      .values(
        role.inherits.map((parent_id) => ({ tenant_id: tenantId, role_id: role.id, parent_id })),
      )
      .execute();
  }
}

async function putAssignment(
  db: Db,
  tenantId: string,
  assignment: AssignmentRecord,
  stamp: ChangeStamp,
): Promise<void> {
  const key = {
    tenant_id: tenantId,
    user_id: assignment.userId,
    role_id: assignment.roleId,
    entity_id: assignment.entityId ?? '',
  };
  // Re-assigning replaces the expiry: delete then insert works the same on both dialects.
  await db
    .deleteFrom('rbac_assignments')
    .where('tenant_id', '=', key.tenant_id)
    .where('user_id', '=', key.user_id)
    .where('role_id', '=', key.role_id)
    .where('entity_id', '=', key.entity_id)
    .execute();
  await db
    .insertInto('rbac_assignments')
    .values({
      ...key,
      expires_at: assignment.expiresAt,
      assigned_by: stamp.actor,
      assigned_at: stamp.at,
    })
    .execute();
}

function groupBy<R>(
  rows: readonly R[],
  key: (row: R) => string,
  value: (row: R) => string,
): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const row of rows) {
    const k = key(row);
    const list = groups.get(k);
    if (list === undefined) groups.set(k, [value(row)]);
    else list.push(value(row));
  }
  return groups;
}
