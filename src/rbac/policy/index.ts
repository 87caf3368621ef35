/**
 * The in-memory RBAC policy engine: one {@link TenantPolicy} per tenant, loaded from the
 * store with `fromData` and kept current with `apply`.
 */
export { TenantPolicy } from './tenant-policy.js';
export { parsePermission, tryParsePermission, isValidName, MAX_NAME_LENGTH } from './names.js';
export { POLICY_CHANGE_KINDS, DECISION_REASONS, ASSIGNMENT_OUTCOMES } from './types.js';
export type {
  RoleRecord,
  EntityRecord,
  AssignmentRecord,
  TenantPolicyData,
  PolicyChange,
  CheckOptions,
  DecisionReason,
  Decision,
  AssignmentOutcome,
  ConsideredAssignment,
  Explanation,
  EffectivePermission,
  Permission,
} from './types.js';
