import { WardenError } from '../shared/errors.js';
import type { ErrorCategory, ErrorDetails } from '../shared/errors.js';

/** Stable codes raised by RBAC. Never rename or reuse one. */
export const RBAC_ERROR_CODES = {
  RBAC_ROLE_CYCLE: 'RBAC_ROLE_CYCLE',
  RBAC_ENTITY_CYCLE: 'RBAC_ENTITY_CYCLE',
  RBAC_ENTITY_HAS_CHILDREN: 'RBAC_ENTITY_HAS_CHILDREN',
  RBAC_PERMISSION_INVALID: 'RBAC_PERMISSION_INVALID',
  RBAC_NAME_INVALID: 'RBAC_NAME_INVALID',
  RBAC_EXPIRY_INVALID: 'RBAC_EXPIRY_INVALID',
  RBAC_ROLE_NOT_FOUND: 'RBAC_ROLE_NOT_FOUND',
  RBAC_USER_NOT_FOUND: 'RBAC_USER_NOT_FOUND',
  RBAC_ENTITY_NOT_FOUND: 'RBAC_ENTITY_NOT_FOUND',
  RBAC_TENANT_NOT_FOUND: 'RBAC_TENANT_NOT_FOUND',
  RBAC_ESCALATION_DENIED: 'RBAC_ESCALATION_DENIED',
  RBAC_STALE_REVISION: 'RBAC_STALE_REVISION',
  RBAC_NO_TENANT_CONTEXT: 'RBAC_NO_TENANT_CONTEXT',
  RBAC_PERMISSION_DENIED: 'RBAC_PERMISSION_DENIED',
  RBAC_CONFIG_INVALID: 'RBAC_CONFIG_INVALID',
  RBAC_TENANT_EXISTS: 'RBAC_TENANT_EXISTS',
  RBAC_ROLE_EXISTS: 'RBAC_ROLE_EXISTS',
  RBAC_USER_EXISTS: 'RBAC_USER_EXISTS',
} as const;

export type RbacErrorCode = (typeof RBAC_ERROR_CODES)[keyof typeof RBAC_ERROR_CODES];

/** The category each code is always raised with (it decides the HTTP status). */
export const RBAC_ERROR_CATEGORIES: Readonly<Record<RbacErrorCode, ErrorCategory>> = {
  RBAC_ROLE_CYCLE: 'conflict',
  RBAC_ENTITY_CYCLE: 'conflict',
  RBAC_ENTITY_HAS_CHILDREN: 'conflict',
  RBAC_PERMISSION_INVALID: 'invalid_argument',
  RBAC_NAME_INVALID: 'invalid_argument',
  RBAC_EXPIRY_INVALID: 'invalid_argument',
  RBAC_ROLE_NOT_FOUND: 'not_found',
  RBAC_USER_NOT_FOUND: 'not_found',
  RBAC_ENTITY_NOT_FOUND: 'not_found',
  RBAC_TENANT_NOT_FOUND: 'not_found',
  RBAC_ESCALATION_DENIED: 'permission_denied',
  RBAC_STALE_REVISION: 'deadline_exceeded',
  RBAC_NO_TENANT_CONTEXT: 'failed_precondition',
  RBAC_PERMISSION_DENIED: 'permission_denied',
  RBAC_CONFIG_INVALID: 'invalid_argument',
  RBAC_TENANT_EXISTS: 'conflict',
  RBAC_ROLE_EXISTS: 'conflict',
  RBAC_USER_EXISTS: 'conflict',
};

/**
 * Every error RBAC raises. `code` is one of {@link RBAC_ERROR_CODES}; the category follows
 * from the code. `details` holds only ids of the caller's own tenant.
 */
export class RbacError extends WardenError {
  declare readonly code: RbacErrorCode;

  constructor(
    code: RbacErrorCode,
    message: string,
    options: { readonly details?: ErrorDetails; readonly cause?: unknown } = {},
  ) {
    super(code, RBAC_ERROR_CATEGORIES[code], message, options);
    this.name = 'RbacError';
  }
}
