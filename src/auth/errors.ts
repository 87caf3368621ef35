import { WardenError } from '../shared/errors.js';
import type { ErrorCategory, ErrorDetails } from '../shared/errors.js';

/** Stable codes raised by the authentication service. Never rename or reuse one. */
export const AUTH_ERROR_CODES = {
  AUTH_INVALID_CREDENTIALS: 'AUTH_INVALID_CREDENTIALS',
  AUTH_ACCOUNT_LOCKED: 'AUTH_ACCOUNT_LOCKED',
  AUTH_ACCOUNT_DISABLED: 'AUTH_ACCOUNT_DISABLED',
  AUTH_TOKEN_EXPIRED: 'AUTH_TOKEN_EXPIRED',
  AUTH_TOKEN_INVALID: 'AUTH_TOKEN_INVALID',
  AUTH_TOKEN_REVOKED: 'AUTH_TOKEN_REVOKED',
  AUTH_REFRESH_REUSED: 'AUTH_REFRESH_REUSED',
  AUTH_MFA_REQUIRED: 'AUTH_MFA_REQUIRED',
  AUTH_MFA_INVALID: 'AUTH_MFA_INVALID',
  AUTH_MFA_NOT_ENROLLED: 'AUTH_MFA_NOT_ENROLLED',
  AUTH_PASSWORD_POLICY: 'AUTH_PASSWORD_POLICY',
  AUTH_RATE_LIMITED: 'AUTH_RATE_LIMITED',
  AUTH_CONFIG_INVALID: 'AUTH_CONFIG_INVALID',
  AUTH_INPUT_INVALID: 'AUTH_INPUT_INVALID',
  AUTH_USER_EXISTS: 'AUTH_USER_EXISTS',
  AUTH_USER_NOT_FOUND: 'AUTH_USER_NOT_FOUND',
  AUTH_KEY_UNAVAILABLE: 'AUTH_KEY_UNAVAILABLE',
  AUTH_NOT_INITIALISED: 'AUTH_NOT_INITIALISED',
} as const;

export type AuthErrorCode = (typeof AUTH_ERROR_CODES)[keyof typeof AUTH_ERROR_CODES];

/** The category each code is always raised with (it decides the HTTP status). */
export const AUTH_ERROR_CATEGORIES: Readonly<Record<AuthErrorCode, ErrorCategory>> = {
  AUTH_INVALID_CREDENTIALS: 'unauthenticated',
  AUTH_ACCOUNT_LOCKED: 'unauthenticated',
  AUTH_ACCOUNT_DISABLED: 'unauthenticated',
  AUTH_TOKEN_EXPIRED: 'unauthenticated',
  AUTH_TOKEN_INVALID: 'unauthenticated',
  AUTH_TOKEN_REVOKED: 'unauthenticated',
  AUTH_REFRESH_REUSED: 'unauthenticated',
  AUTH_MFA_REQUIRED: 'unauthenticated',
  AUTH_MFA_INVALID: 'unauthenticated',
  AUTH_MFA_NOT_ENROLLED: 'failed_precondition',
  AUTH_PASSWORD_POLICY: 'invalid_argument',
  AUTH_RATE_LIMITED: 'resource_exhausted',
  AUTH_CONFIG_INVALID: 'invalid_argument',
  AUTH_INPUT_INVALID: 'invalid_argument',
  AUTH_USER_EXISTS: 'conflict',
  AUTH_USER_NOT_FOUND: 'not_found',
  AUTH_KEY_UNAVAILABLE: 'unavailable',
  AUTH_NOT_INITIALISED: 'failed_precondition',
};

/**
 * Every error the authentication service raises. `code` is one of {@link AUTH_ERROR_CODES};
 * the category follows from the code. Messages and `details` never hold passwords, tokens,
 * secrets or codes, and a login failure says the same for an unknown user as for a wrong
 * password.
 */
export class AuthError extends WardenError {
  declare readonly code: AuthErrorCode;

  constructor(
    code: AuthErrorCode,
    message: string,
    options: { readonly details?: ErrorDetails; readonly cause?: unknown } = {},
  ) {
    super(code, AUTH_ERROR_CATEGORIES[code], message, options);
    this.name = 'AuthError';
  }
}

/** The one message of every failed credential check (no user enumeration by message). */
export const INVALID_CREDENTIALS_MESSAGE = 'invalid username or password';

export function invalidCredentials(): AuthError {
  return new AuthError('AUTH_INVALID_CREDENTIALS', INVALID_CREDENTIALS_MESSAGE);
}

export function inputInvalid(field: string, reason: string): AuthError {
  return new AuthError('AUTH_INPUT_INVALID', `invalid ${field}: ${reason}`, {
    details: { field, reason },
  });
}
