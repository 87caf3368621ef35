import type { EntityTree } from './entity-tree.js';
import { DENIED, grantAt } from './permission-index.js';
import type { PermissionIndex, PermissionTable } from './permission-index.js';
import type { RoleGraph } from './role-graph.js';
import type { AssignmentRecord, Decision } from './types.js';

/**
 * A user's active assignments compiled against role closures: the indexes of tenant-wide
 * roles and, per scoping entity, of entity-scoped roles, each list in assignment order.
 * Valid while `validFrom <= now < validUntil`: the latest expiry it left out and the
 * earliest expiry it relied on, so no cached answer outlives an expiry.
 */
export interface CompiledUser {
  // Field order is layout: a warm check across many users is bound by memory latency, so
  // what it reads (validity, the first tenant-wide indexes inline, `scoped`) comes first,
  // in one cache line where possible, and no array is read for up to three roles.
  readonly validFrom: number;
  readonly validUntil: number;
  readonly t0: PermissionIndex | null;
  readonly t1: PermissionIndex | null;
  readonly scoped: ReadonlyMap<string, readonly PermissionIndex[]> | null;
  readonly t2: PermissionIndex | null;
  readonly tenantWide: readonly PermissionIndex[];
  /** Every entity-scoped index, flat: for the denial reason without iterating the map. */
  readonly allScoped: readonly PermissionIndex[];
}

/** True when an assignment grants at `now` (an expiry is exclusive). */
export function isActive(assignment: AssignmentRecord, now: number): boolean {
  return assignment.expiresAt === null || now < assignment.expiresAt;
}

/** Compiles a user's assignments as of `now`. */
export function compileUser(
  assignments: readonly AssignmentRecord[],
  roles: RoleGraph,
  now: number,
): CompiledUser {
  let validFrom = -Infinity;
  let validUntil = Infinity;
  const tenantWide: PermissionIndex[] = [];
  let scoped: Map<string, PermissionIndex[]> | null = null;
  const allScoped: PermissionIndex[] = [];
  for (const assignment of assignments) {
    const { expiresAt } = assignment;
    if (expiresAt !== null && now >= expiresAt) {
      validFrom = Math.max(validFrom, expiresAt);
      continue;
    }
    if (expiresAt !== null) validUntil = Math.min(validUntil, expiresAt);
    const closure = roles.closure(assignment.roleId);
    if (closure === undefined) continue;
    if (assignment.entityId === null) {
      tenantWide.push(closure.index);
      continue;
    }
    allScoped.push(closure.index);
    scoped ??= new Map();
    const list = scoped.get(assignment.entityId);
    if (list === undefined) scoped.set(assignment.entityId, [closure.index]);
    else list.push(closure.index);
  }
  const [t0 = null, t1 = null, t2 = null] = tenantWide;
  return { validFrom, validUntil, t0, t1, scoped, t2, tenantWide, allScoped };
}

/** What a check reads besides the user: the tenant's tree and pair table, and a buffer. */
export interface CheckContext {
  readonly entities: EntityTree;
  readonly table: PermissionTable;
  /** The resolved ids of the request being decided (reused: a check allocates nothing). */
  readonly ids: Int32Array;
}

/**
 * Decides a check against a compiled user: tenant-wide roles first, then roles scoped at
 * the entity, then at each ancestor upwards. Allocates nothing.
 */
export function decide(
  user: CompiledUser,
  context: CheckContext,
  resource: string,
  action: string,
  entityId: string | null,
): Decision {
  if (user.t0 === null && user.scoped === null) return DENIED.no_active_assignment;
  const { entities, ids } = context;
  context.table.resolve(resource, action, ids);
  // An entity the tenant does not have is outside every assignment, tenant-wide ones too.
  const known = entityId === null || entities.has(entityId);
  if (known) {
    const grant = tenantWideGrant(user, ids);
    if (grant !== null) return grant;
  }
  const { scoped } = user;
  if (scoped === null) return known ? DENIED.no_matching_permission : outside(user, ids);
  if (entityId !== null && known) {
    for (let at: string | null | undefined = entityId; at != null; at = entities.parentOf(at)) {
      const list = scoped.get(at);
      if (list === undefined) continue;
      const grant = firstGrant(list, ids);
      if (grant !== null) return grant;
    }
  }
  return outside(user, ids);
}

function tenantWideGrant(user: CompiledUser, ids: Int32Array): Decision | null {
  const { t0, t1, t2 } = user;
  if (t0 === null) return null;
  const grant = grantAt(t0, ids) ?? (t1 === null ? null : grantAt(t1, ids));
  if (grant !== null || t1 === null || t2 === null) return grant;
  return grantAt(t2, ids) ?? firstGrant(user.tenantWide, ids, 3);
}

function firstGrant(
  indexes: readonly PermissionIndex[],
  ids: Int32Array,
  from = 0,
): Decision | null {
  for (let i = from; i < indexes.length; i++) {
    const grant = grantAt(indexes[i] as PermissionIndex, ids);
    if (grant !== null) return grant;
  }
  return null;
}

// Nothing in scope granted: say whether an assignment elsewhere holds the permission.
function outside(user: CompiledUser, ids: Int32Array): Decision {
  if (firstGrant(user.tenantWide, ids) !== null) return DENIED.outside_entity;
  if (firstGrant(user.allScoped, ids) !== null) return DENIED.outside_entity;
  return DENIED.no_matching_permission;
}
