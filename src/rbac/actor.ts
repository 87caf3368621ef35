import { RbacError } from './errors.js';
import type { TenantPolicy } from './policy/index.js';

/**
 * The built-in principal for bootstrap and configuration loading: it is not checked
 * against RBAC. A symbol, so no user id from a request can pose as it. Events record it
 * as `system`.
 */
export const SYSTEM_ACTOR: unique symbol = Symbol('warden.system');

/** Who performs an administrative change: a user id of the tenant, or {@link SYSTEM_ACTOR}. */
export type Actor = string | typeof SYSTEM_ACTOR;

export function actorName(actor: Actor): string {
  return actor === SYSTEM_ACTOR ? 'system' : actor;
}

/** The administrative permissions: `rbac:assign` (role assignments) and `rbac:manage` (the rest). */
export const ADMIN_ACTIONS = ['assign', 'manage'] as const;
export type AdminAction = (typeof ADMIN_ACTIONS)[number];

/** What an administrative change requires of its actor. */
export interface Authority {
  readonly action: AdminAction;
  /** Where the actor must hold it: the assignment's entity, or null for the whole tenant. */
  readonly entityId: string | null;
  /** Permissions the change hands out; the actor must hold every one (no escalation). */
  readonly grants: readonly string[];
}

/**
 * Refuses a change its actor may not make: without `rbac:<action>` at the scope
 * (`RBAC_PERMISSION_DENIED`), or handing out permissions the actor does not hold there
 * (`RBAC_ESCALATION_DENIED`, `details.missing` lists them).
 */
export function authorize(
  policy: TenantPolicy,
  actor: Actor,
  authority: Authority,
  now: number,
): void {
  if (actor === SYSTEM_ACTOR) return;
  const options = { entityId: authority.entityId, now };
  if (!policy.check(actor, 'rbac', authority.action, options).granted) {
    throw new RbacError(
      'RBAC_PERMISSION_DENIED',
      `permission denied: rbac:${authority.action} is required for this change`,
      { details: { resource: 'rbac', action: authority.action, entityId: authority.entityId } },
    );
  }
  const missing = policy.missingPermissions(actor, authority.grants, options);
  if (missing.length > 0) {
    throw new RbacError(
      'RBAC_ESCALATION_DENIED',
      `refused: the change hands out permissions its actor does not hold (${missing.join(', ')})`,
      { details: { missing } },
    );
  }
}
