import { WardenError } from '../shared/errors.js';
import type { ErrorCategory, ErrorDetails } from '../shared/errors.js';

/** Stable codes raised by the tenancy layer. Never rename or reuse one. */
export const TENANCY_ERROR_CODES = {
  TENANCY_NO_CONTEXT: 'TENANCY_NO_CONTEXT',
  TENANCY_CONTEXT_INVALID: 'TENANCY_CONTEXT_INVALID',
  TENANCY_CROSS_TENANT_DENIED: 'TENANCY_CROSS_TENANT_DENIED',
  TENANCY_SOURCE_MISMATCH: 'TENANCY_SOURCE_MISMATCH',
} as const;

export type TenancyErrorCode = (typeof TENANCY_ERROR_CODES)[keyof typeof TENANCY_ERROR_CODES];

const CATEGORY: Readonly<Record<TenancyErrorCode, ErrorCategory>> = {
  TENANCY_NO_CONTEXT: 'failed_precondition',
  TENANCY_CONTEXT_INVALID: 'invalid_argument',
  TENANCY_CROSS_TENANT_DENIED: 'permission_denied',
  TENANCY_SOURCE_MISMATCH: 'permission_denied',
};

/** A tenancy rule was broken: no tenant in context, a malformed context, a refused cross-tenant event. */
export class TenancyError extends WardenError {
  constructor(code: TenancyErrorCode, message: string, details: ErrorDetails = {}) {
    super(code, CATEGORY[code], message, { details });
    this.name = 'TenancyError';
  }
}
