import { WardenError } from '../../shared/errors.js';
import type { ErrorCategory, ErrorDetails } from '../../shared/errors.js';

/** Stable codes raised by the audit log's integrity primitives. Never rename or reuse one. */
export const AUDIT_INTEGRITY_ERROR_CODES = {
  AUDIT_KEY_INVALID: 'AUDIT_KEY_INVALID',
  AUDIT_KEY_UNAVAILABLE: 'AUDIT_KEY_UNAVAILABLE',
  AUDIT_CHECKPOINT_INVALID: 'AUDIT_CHECKPOINT_INVALID',
  AUDIT_PROOF_INVALID: 'AUDIT_PROOF_INVALID',
} as const;

export type AuditIntegrityErrorCode =
  (typeof AUDIT_INTEGRITY_ERROR_CODES)[keyof typeof AUDIT_INTEGRITY_ERROR_CODES];

/** The category each code is always raised with (it decides the HTTP status). */
export const AUDIT_INTEGRITY_ERROR_CATEGORIES: Readonly<
  Record<AuditIntegrityErrorCode, ErrorCategory>
> = {
  AUDIT_KEY_INVALID: 'invalid_argument',
  AUDIT_KEY_UNAVAILABLE: 'failed_precondition',
  AUDIT_CHECKPOINT_INVALID: 'invalid_argument',
  AUDIT_PROOF_INVALID: 'invalid_argument',
};

/**
 * Every error the integrity primitives raise: a bad or unreadable signing key, a malformed
 * checkpoint, or a proof asked for or given with impossible sizes or hash lengths.
 * `details` never holds key material.
 */
export class AuditIntegrityError extends WardenError {
  declare readonly code: AuditIntegrityErrorCode;

  constructor(
    code: AuditIntegrityErrorCode,
    message: string,
    options: { readonly details?: ErrorDetails; readonly cause?: unknown } = {},
  ) {
    super(code, AUDIT_INTEGRITY_ERROR_CATEGORIES[code], message, options);
    this.name = 'AuditIntegrityError';
  }
}
