/**
 * A role of one tenant. `permissions` are `resource:action` strings (`*` allowed as a whole
 * resource or action); `inherits` are parent role ids: this role also gets their permissions.
 */
export interface RoleRecord {
  readonly id: string;
  readonly name: string;
  readonly permissions: readonly string[];
  readonly inherits: readonly string[];
}

/** A sub-organisation of a tenant; `parentId` null for a top-level entity. */
export interface EntityRecord {
  readonly id: string;
  readonly parentId: string | null;
}

/**
 * A role held by a user. `entityId` null means the whole tenant; otherwise the role applies at
 * that entity and its descendants only. `expiresAt` (epoch ms) null means no expiry; the
 * assignment grants while `now < expiresAt`.
 */
export interface AssignmentRecord {
  readonly userId: string;
  readonly roleId: string;
  readonly entityId: string | null;
  readonly expiresAt: number | null;
}

/** Everything the engine needs about one tenant, as loaded from the store. */
export interface TenantPolicyData {
  readonly tenantId: string;
  readonly revision: number;
  readonly users: readonly string[];
  readonly roles: readonly RoleRecord[];
  readonly entities: readonly EntityRecord[];
  readonly assignments: readonly AssignmentRecord[];
}

/** One incremental change to a tenant's policy, applied with `TenantPolicy#apply`. */
export type PolicyChange =
  | { readonly kind: 'user_added'; readonly userId: string }
  | { readonly kind: 'user_removed'; readonly userId: string }
  | { readonly kind: 'role_put'; readonly role: RoleRecord }
  | { readonly kind: 'role_deleted'; readonly roleId: string }
  | { readonly kind: 'entity_put'; readonly entity: EntityRecord }
  | { readonly kind: 'entity_deleted'; readonly entityId: string }
  | { readonly kind: 'assignment_added'; readonly assignment: AssignmentRecord }
  | {
      readonly kind: 'assignment_removed';
      readonly userId: string;
      readonly roleId: string;
      readonly entityId: string | null;
    };

/** The kinds of {@link PolicyChange}. */
export const POLICY_CHANGE_KINDS = [
  'user_added',
  'user_removed',
  'role_put',
  'role_deleted',
  'entity_put',
  'entity_deleted',
  'assignment_added',
  'assignment_removed',
] as const satisfies readonly PolicyChange['kind'][];

/**
 * Per-call options of a check. `entityId` absent or null: a tenant-wide check (only
 * tenant-wide assignments grant). `now`: epoch ms, from the caller's injected clock.
 */
export interface CheckOptions {
  readonly entityId?: string | null;
  readonly now: number;
}

/** Why a check was decided the way it was. */
export const DECISION_REASONS = [
  'granted',
  'unknown_user',
  'no_active_assignment',
  'no_matching_permission',
  'outside_entity',
] as const;

export type DecisionReason = (typeof DECISION_REASONS)[number];

/**
 * The outcome of a check. When granted, `roleId` is the assigned role that granted and
 * `permission` the held permission that matched (possibly a wildcard); both null when denied.
 * Decisions are shared frozen objects: compare fields, not identity.
 */
export interface Decision {
  readonly granted: boolean;
  readonly reason: DecisionReason;
  readonly roleId: string | null;
  readonly permission: string | null;
}

/** How one of the user's assignments fared in an `explain`. */
export const ASSIGNMENT_OUTCOMES = [
  'granted',
  'expired',
  'outside_entity',
  'no_matching_permission',
] as const;

export type AssignmentOutcome = (typeof ASSIGNMENT_OUTCOMES)[number];

/** One assignment of the user and why it did (`granted`) or did not grant. */
export interface ConsideredAssignment {
  readonly assignment: AssignmentRecord;
  readonly outcome: AssignmentOutcome;
}

/**
 * A decision with the path that made it: the deciding assignment, the role chain from the
 * assigned role to the role that holds the matching permission (inclusive), and every
 * assignment of the user with its outcome, in the order the engine tries them.
 */
export interface Explanation extends Decision {
  readonly assignment: AssignmentRecord | null;
  readonly roleChain: readonly string[];
  readonly considered: readonly ConsideredAssignment[];
}

/** One permission a user holds, and the assignment it comes through. */
export interface EffectivePermission {
  readonly permission: string;
  readonly roleId: string;
  readonly entityId: string | null;
  readonly expiresAt: number | null;
}

/** A parsed `resource:action` permission. */
export interface Permission {
  readonly resource: string;
  readonly action: string;
}
