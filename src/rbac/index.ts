export { RbacService } from './rbac-service.js';
export type { CheckPermissionOptions } from './rbac-service.js';
export type { RbacServiceConfig, RbacObserver, CheckObservation } from './rbac-service-config.js';
export { RbacEventProducerImpl, RBAC_CHANNEL } from './rbac-event-producer.js';
export type {
  RbacEventProducer,
  PermissionCheckData,
  RoleChangeData,
  PermissionChangeData,
} from './rbac-event-producer.js';
export { SYSTEM_ACTOR, ADMIN_ACTIONS } from './actor.js';
export type { Actor, AdminAction } from './actor.js';
export type { RoleInput, AssignmentOptions } from './change-plans.js';
export { TENANT_ADMIN_ROLE } from './create-tenant.js';
export type { CreateTenantOptions } from './create-tenant.js';
export { DECISION_LOG_MODES } from './decision-log.js';
export type { DecisionLogConfig, DecisionLogMode } from './decision-log.js';
export { rbacMigrations } from './store/rbac-migrations.js';
export { RbacError, RBAC_ERROR_CODES, RBAC_ERROR_CATEGORIES } from './errors.js';
export type { RbacErrorCode } from './errors.js';
export {
  TenantPolicy,
  parsePermission,
  tryParsePermission,
  isValidName as isValidRbacName,
  MAX_NAME_LENGTH,
  DECISION_REASONS,
  POLICY_CHANGE_KINDS,
  ASSIGNMENT_OUTCOMES,
} from './policy/index.js';
export type {
  RoleRecord,
  EntityRecord,
  AssignmentRecord,
  TenantPolicyData,
  PolicyChange,
  Decision,
  DecisionReason,
  Explanation,
  EffectivePermission,
  CheckOptions,
  AssignmentOutcome,
  ConsideredAssignment,
  Permission,
} from './policy/index.js';
