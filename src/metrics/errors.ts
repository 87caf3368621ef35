import { WardenError } from '../shared/errors.js';
import type { ErrorCategory, ErrorDetails } from '../shared/errors.js';

/** Stable codes raised by the metrics subsystem. Never rename or reuse one. */
export const METRICS_ERROR_CODES = {
  METRICS_CONFIG_INVALID: 'METRICS_CONFIG_INVALID',
} as const;

export type MetricsErrorCode = (typeof METRICS_ERROR_CODES)[keyof typeof METRICS_ERROR_CODES];

const CATEGORY: Readonly<Record<MetricsErrorCode, ErrorCategory>> = {
  METRICS_CONFIG_INVALID: 'invalid_argument',
};

/** A metrics configuration error; the message lists every problem. */
export class MetricsError extends WardenError {
  constructor(code: MetricsErrorCode, message: string, details: ErrorDetails = {}) {
    super(code, CATEGORY[code], message, { details });
    this.name = 'MetricsError';
  }
}
