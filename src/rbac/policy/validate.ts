import { RbacError, RBAC_ERROR_CODES } from '../errors.js';
import { assertName, parsePermission } from './names.js';
import type { AssignmentRecord, EntityRecord, RoleRecord } from './types.js';

/**
 * Checks a role's own fields (ids, name, permission syntax) and returns a frozen copy with
 * duplicate permissions and parents removed. References are checked by the role graph.
 */
export function normaliseRole(role: RoleRecord): RoleRecord {
  assertName(role.id, 'role.id');
  assertName(role.name, 'role.name');
  for (const permission of role.permissions) parsePermission(permission);
  for (const parent of role.inherits) assertName(parent, 'role.inherits');
  return Object.freeze({
    id: role.id,
    name: role.name,
    permissions: Object.freeze([...new Set(role.permissions)]),
    inherits: Object.freeze([...new Set(role.inherits)]),
  });
}

/** Checks an entity's ids and returns a frozen copy. */
export function normaliseEntity(entity: EntityRecord): EntityRecord {
  assertName(entity.id, 'entity.id');
  if (entity.parentId !== null) assertName(entity.parentId, 'entity.parentId');
  return Object.freeze({ id: entity.id, parentId: entity.parentId });
}

/** Checks an assignment's ids and expiry and returns a frozen copy. */
export function normaliseAssignment(assignment: AssignmentRecord): AssignmentRecord {
  assertName(assignment.userId, 'assignment.userId');
  assertName(assignment.roleId, 'assignment.roleId');
  if (assignment.entityId !== null) assertName(assignment.entityId, 'assignment.entityId');
  const { expiresAt } = assignment;
  if (expiresAt !== null && (typeof expiresAt !== 'number' || !Number.isFinite(expiresAt))) {
    throw new RbacError(
      RBAC_ERROR_CODES.RBAC_EXPIRY_INVALID,
      'an assignment expiry is null or a finite epoch-milliseconds number',
    );
  }
  return Object.freeze({
    userId: assignment.userId,
    roleId: assignment.roleId,
    entityId: assignment.entityId,
    expiresAt,
  });
}

/** A not-found error for one of the tenant's ids. */
export function notFound(kind: 'role' | 'user' | 'entity', id: string, field: string): RbacError {
  const code = {
    role: RBAC_ERROR_CODES.RBAC_ROLE_NOT_FOUND,
    user: RBAC_ERROR_CODES.RBAC_USER_NOT_FOUND,
    entity: RBAC_ERROR_CODES.RBAC_ENTITY_NOT_FOUND,
  }[kind];
  return new RbacError(code, `${field}: ${kind} '${id}' does not exist in this tenant`, {
    details: { field, id },
  });
}
