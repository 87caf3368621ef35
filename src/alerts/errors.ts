import { WardenError } from '../shared/errors.js';
import type { ErrorCategory, ErrorDetails } from '../shared/errors.js';

/** Stable codes raised by the alert service. Never rename or reuse one. */
export const ALERT_ERROR_CODES = {
  ALERT_RULE_INVALID: 'ALERT_RULE_INVALID',
  ALERT_CONFIG_INVALID: 'ALERT_CONFIG_INVALID',
  ALERT_NOT_FOUND: 'ALERT_NOT_FOUND',
  ALERT_QUERY_INVALID: 'ALERT_QUERY_INVALID',
  ALERT_NOTIFIER_FAILED: 'ALERT_NOTIFIER_FAILED',
} as const;

export type AlertErrorCode = (typeof ALERT_ERROR_CODES)[keyof typeof ALERT_ERROR_CODES];

/** The category each code is always raised with (it decides the HTTP status). */
export const ALERT_ERROR_CATEGORIES: Readonly<Record<AlertErrorCode, ErrorCategory>> = {
  ALERT_RULE_INVALID: 'invalid_argument',
  ALERT_CONFIG_INVALID: 'invalid_argument',
  ALERT_NOT_FOUND: 'not_found',
  ALERT_QUERY_INVALID: 'invalid_argument',
  ALERT_NOTIFIER_FAILED: 'unavailable',
};

/** One reason a rule or config was rejected, with the dotted path of the bad field. */
export interface AlertIssue {
  readonly path: string;
  readonly reason: string;
}

/**
 * Every error the alert service raises. `details` never holds webhook secrets, URLs'
 * credentials or another tenant's ids.
 */
export class AlertError extends WardenError {
  declare readonly code: AlertErrorCode;

  constructor(
    code: AlertErrorCode,
    message: string,
    options: { readonly details?: ErrorDetails; readonly cause?: unknown } = {},
  ) {
    super(code, ALERT_ERROR_CATEGORIES[code], message, options);
    this.name = 'AlertError';
  }
}

/** An `AlertError` listing every bad path (`ALERT_RULE_INVALID`, `ALERT_CONFIG_INVALID`, `ALERT_QUERY_INVALID`). */
export function issuesError(
  code: AlertErrorCode,
  what: string,
  issues: readonly AlertIssue[],
): AlertError {
  const summary = issues.map((i) => `${i.path || '(root)'}: ${i.reason}`).join('; ');
  return new AlertError(code, `${what}: ${summary}`, { details: { issues: [...issues] } });
}
