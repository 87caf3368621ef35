import { RbacError } from './errors.js';
import { isValidName, parsePermission } from './policy/index.js';
import type { PolicyChange, RoleRecord, TenantPolicy } from './policy/index.js';
import type { Authority } from './actor.js';
import type { ChangePlan, PlanBuilder } from './policy-writer.js';

/**
 * The administrative changes RBAC supports, each as a {@link PlanBuilder}: validate against
 * the tenant's current policy, say what authority the actor needs, and which audit event
 * records it. Pure: the writer runs them inside its transaction.
 */

export interface RoleInput {
  /** Default: a new UUID. */
  readonly id?: string;
  readonly name: string;
  readonly permissions?: readonly string[];
  readonly inherits?: readonly string[];
}

export interface AssignmentOptions {
  /** Scope the role to this entity and its descendants; default the whole tenant. */
  readonly entityId?: string | null;
  /** Epoch ms after which the assignment stops granting; default never. */
  readonly expiresAt?: number | null;
}

const MANAGE: Authority = Object.freeze({ action: 'manage', entityId: null, grants: [] });

function name(value: unknown, field: string): string {
  if (isValidName(value)) return value;
  throw new RbacError(
    'RBAC_NAME_INVALID',
    `${field} must be 1 to 128 characters without control characters`,
    {
      details: { field },
    },
  );
}

function notFound(kind: 'role' | 'user' | 'entity', id: string): RbacError {
  const code =
    kind === 'role'
      ? 'RBAC_ROLE_NOT_FOUND'
      : kind === 'user'
        ? 'RBAC_USER_NOT_FOUND'
        : 'RBAC_ENTITY_NOT_FOUND';
  return new RbacError(code, `${kind} '${id}' does not exist in this tenant`, {
    details: { [kind]: id },
  });
}

function requireRole(policy: TenantPolicy, roleId: string): RoleRecord {
  const role = policy.toData().roles.find((r) => r.id === roleId);
  if (role === undefined) throw notFound('role', roleId);
  return role;
}

function permissionList(values: unknown): string[] {
  if (values !== undefined && !Array.isArray(values)) {
    throw new RbacError('RBAC_PERMISSION_INVALID', 'permissions must be an array of strings');
  }
  const list = [...new Set((values ?? []) as readonly string[])];
  for (const permission of list) parsePermission(permission);
  return list;
}

function roleChange(
  policy: TenantPolicy,
  role: RoleRecord,
  grants: readonly string[],
  audit: ChangePlan['audit'],
): ChangePlan {
  for (const parent of role.inherits)
    if (!policy.hasRole(name(parent, 'inherits'))) throw notFound('role', parent);
  const clash = policy.toData().roles.find((r) => r.name === role.name && r.id !== role.id);
  if (clash !== undefined) {
    throw new RbacError('RBAC_ROLE_EXISTS', `a role named '${role.name}' already exists`, {
      details: { name: role.name },
    });
  }
  const cycle = policy.findCycle(role.id, role.inherits);
  if (cycle !== null) {
    throw new RbacError(
      'RBAC_ROLE_CYCLE',
      `role inheritance would form a cycle: ${cycle.join(' -> ')}`,
      {
        details: { cycle },
      },
    );
  }
  return { change: { kind: 'role_put', role }, authority: { ...MANAGE, grants }, audit };
}

/** Permissions a role would hand out: its own plus everything it inherits. */
function handedOut(
  policy: TenantPolicy,
  permissions: readonly string[],
  inherits: readonly string[],
): string[] {
  return [...new Set([...permissions, ...inherits.flatMap((p) => policy.rolePermissions(p))])];
}

export const plans = {
  createRole(input: RoleInput, newId: () => string): PlanBuilder {
    return (policy) => {
      const role: RoleRecord = {
        id: name(input.id ?? newId(), 'id'),
        name: name(input.name, 'name'),
        permissions: permissionList(input.permissions),
        inherits: [...new Set(input.inherits ?? [])],
      };
      if (policy.hasRole(role.id)) {
        throw new RbacError('RBAC_ROLE_EXISTS', `role '${role.id}' already exists`, {
          details: { role: role.id },
        });
      }
      return roleChange(
        policy,
        role,
        handedOut(policy, role.permissions, role.inherits),
        (events, by, revision) =>
          events.logPermissionChange(by, 'created', role.id, undefined, {
            revision,
            name: role.name,
            permissions: role.permissions,
            inherits: role.inherits,
          }),
      );
    };
  },

  updateRole(roleId: string, update: Partial<Omit<RoleInput, 'id'>>): PlanBuilder {
    return (policy) => {
      const old = requireRole(policy, roleId);
      const role: RoleRecord = {
        id: roleId,
        name: update.name === undefined ? old.name : name(update.name, 'name'),
        permissions:
          update.permissions === undefined
            ? [...old.permissions]
            : permissionList(update.permissions),
        inherits: update.inherits === undefined ? [...old.inherits] : [...new Set(update.inherits)],
      };
      const before = new Set(policy.rolePermissions(roleId));
      const grants = handedOut(policy, role.permissions, role.inherits).filter(
        (p) => !before.has(p),
      );
      return roleChange(policy, role, grants, (events, by, revision) =>
        events.logPermissionChange(by, 'updated', roleId, undefined, {
          revision,
          name: role.name,
          permissions: role.permissions,
          inherits: role.inherits,
        }),
      );
    };
  },

  grantPermission(roleId: string, permission: string): PlanBuilder {
    return (policy) => {
      parsePermission(permission);
      const old = requireRole(policy, roleId);
      const role = { ...old, permissions: [...new Set([...old.permissions, permission])] };
      return roleChange(policy, role, [permission], (events, by, revision) =>
        events.logPermissionChange(by, 'assigned', roleId, permission, { revision }),
      );
    };
  },

  revokePermission(roleId: string, permission: string): PlanBuilder {
    return (policy) => {
      parsePermission(permission);
      const old = requireRole(policy, roleId);
      const role = { ...old, permissions: old.permissions.filter((p) => p !== permission) };
      return roleChange(policy, role, [], (events, by, revision) =>
        events.logPermissionChange(by, 'revoked', roleId, permission, { revision }),
      );
    };
  },

  deleteRole(roleId: string): PlanBuilder {
    return (policy) => {
      if (!policy.hasRole(roleId)) throw notFound('role', roleId);
      return {
        change: { kind: 'role_deleted', roleId },
        authority: MANAGE,
        audit: (events, by, revision) =>
          events.logPermissionChange(by, 'deleted', roleId, undefined, { revision }),
      };
    };
  },

  addUser(userId: string): PlanBuilder {
    return (policy) => {
      name(userId, 'userId');
      if (policy.hasUser(userId)) {
        throw new RbacError('RBAC_USER_EXISTS', `user '${userId}' already exists in this tenant`, {
          details: { user: userId },
        });
      }
      return memberChange({ kind: 'user_added', userId }, 'created', { userId });
    };
  },

  removeUser(userId: string): PlanBuilder {
    return (policy) => {
      if (!policy.hasUser(userId)) throw notFound('user', userId);
      return memberChange({ kind: 'user_removed', userId }, 'deleted', { userId });
    };
  },

  putEntity(entityId: string, parentId: string | null): PlanBuilder {
    return (policy) => {
      name(entityId, 'entityId');
      if (parentId !== null) {
        if (!policy.hasEntity(name(parentId, 'parentId'))) throw notFound('entity', parentId);
        if (
          parentId === entityId ||
          (policy.hasEntity(entityId) && policy.isWithin(parentId, entityId))
        ) {
          throw new RbacError(
            'RBAC_ENTITY_CYCLE',
            `entity '${entityId}' cannot move under its own descendant '${parentId}'`,
            {
              details: { cycle: [entityId, parentId, entityId] },
            },
          );
        }
      }
      const changeType = policy.hasEntity(entityId) ? 'updated' : 'created';
      return memberChange({ kind: 'entity_put', entity: { id: entityId, parentId } }, changeType, {
        entityId,
        parentId,
      });
    };
  },

  deleteEntity(entityId: string): PlanBuilder {
    return (policy) => {
      if (!policy.hasEntity(entityId)) throw notFound('entity', entityId);
      if (policy.toData().entities.some((e) => e.parentId === entityId)) {
        throw new RbacError(
          'RBAC_ENTITY_HAS_CHILDREN',
          `entity '${entityId}' has sub-entities; move or delete them first`,
          {
            details: { entityId },
          },
        );
      }
      return memberChange({ kind: 'entity_deleted', entityId }, 'deleted', { entityId });
    };
  },

  assignRole(userId: string, roleId: string, options: AssignmentOptions, now: number): PlanBuilder {
    return (policy) => {
      const entityId = options.entityId ?? null;
      const expiresAt = options.expiresAt ?? null;
      if (!policy.hasUser(userId)) throw notFound('user', userId);
      if (!policy.hasRole(roleId)) throw notFound('role', roleId);
      if (entityId !== null && !policy.hasEntity(entityId)) throw notFound('entity', entityId);
      if (expiresAt !== null && (!Number.isSafeInteger(expiresAt) || expiresAt <= now)) {
        throw new RbacError(
          'RBAC_EXPIRY_INVALID',
          'expiresAt must be an integer epoch-ms time in the future',
          {
            details: { expiresAt },
          },
        );
      }
      return {
        change: { kind: 'assignment_added', assignment: { userId, roleId, entityId, expiresAt } },
        authority: { action: 'assign', entityId, grants: policy.rolePermissions(roleId) },
        audit: (events, by, revision) =>
          events.logRoleChange(userId, by, 'assigned', roleId, { revision, entityId, expiresAt }),
      };
    };
  },

  removeRole(userId: string, roleId: string, entityId: string | null): PlanBuilder {
    return (policy) => {
      if (!policy.hasUser(userId)) throw notFound('user', userId);
      if (!policy.hasRole(roleId)) throw notFound('role', roleId);
      return {
        change: { kind: 'assignment_removed', userId, roleId, entityId },
        authority: { action: 'assign', entityId, grants: [] },
        audit: (events, by, revision) =>
          events.logRoleChange(userId, by, 'removed', roleId, { revision, entityId }),
      };
    };
  },
};

function memberChange(
  change: PolicyChange,
  changeType: 'created' | 'updated' | 'deleted',
  details: Record<string, unknown>,
): ChangePlan {
  return {
    change,
    authority: MANAGE,
    audit: (events, by, revision) =>
      events.logPermissionChange(by, changeType, undefined, undefined, { revision, ...details }),
  };
}
