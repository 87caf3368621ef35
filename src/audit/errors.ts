import { WardenError } from '../shared/errors.js';
import type { ErrorCategory, ErrorDetails } from '../shared/errors.js';

/** Stable codes raised by the audit store and its queries. Never rename or reuse one. */
export const AUDIT_ERROR_CODES = {
  AUDIT_QUERY_INVALID: 'AUDIT_QUERY_INVALID',
  AUDIT_CURSOR_INVALID: 'AUDIT_CURSOR_INVALID',
  AUDIT_CONFIG_INVALID: 'AUDIT_CONFIG_INVALID',
  AUDIT_RECORD_INVALID: 'AUDIT_RECORD_INVALID',
  AUDIT_NOT_PLATFORM_OPERATOR: 'AUDIT_NOT_PLATFORM_OPERATOR',
} as const;

export type AuditErrorCode = (typeof AUDIT_ERROR_CODES)[keyof typeof AUDIT_ERROR_CODES];

const CATEGORY: Readonly<Record<AuditErrorCode, ErrorCategory>> = {
  AUDIT_QUERY_INVALID: 'invalid_argument',
  AUDIT_CURSOR_INVALID: 'invalid_argument',
  AUDIT_CONFIG_INVALID: 'invalid_argument',
  AUDIT_RECORD_INVALID: 'invalid_argument',
  AUDIT_NOT_PLATFORM_OPERATOR: 'permission_denied',
};

/** An audit store or query error; `details` never holds another tenant's data. */
export class AuditError extends WardenError {
  constructor(code: AuditErrorCode, message: string, details: ErrorDetails = {}) {
    super(code, CATEGORY[code], message, { details });
    this.name = 'AuditError';
  }
}
