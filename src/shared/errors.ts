/**
 * The closed set of error categories. Each maps to one HTTP status in the
 * server's error handler, so callers can branch on the category without
 * knowing every code.
 */
export const ERROR_CATEGORIES = [
  'invalid_argument',
  'unauthenticated',
  'permission_denied',
  'not_found',
  'conflict',
  'failed_precondition',
  'resource_exhausted',
  'internal',
  'unavailable',
  'deadline_exceeded',
] as const;

export type ErrorCategory = (typeof ERROR_CATEGORIES)[number];

/** Data attached to an error that is safe to show a client: no secrets, no other tenant's ids. */
export type ErrorDetails = Readonly<Record<string, unknown>>;

export interface WardenErrorOptions {
  readonly details?: ErrorDetails;
  readonly cause?: unknown;
}

/**
 * Base of every error Warden raises. `code` is stable (`AREA_THING_PROBLEM`) and is
 * never renamed or reused once shipped; `message` is for people and may change.
 */
export class WardenError extends Error {
  readonly code: string;
  readonly category: ErrorCategory;
  readonly details: ErrorDetails;

  constructor(
    code: string,
    category: ErrorCategory,
    message: string,
    options: WardenErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'WardenError';
    this.code = code;
    this.category = category;
    this.details = Object.freeze({ ...options.details });
  }

  /** The serialisable view of the error (what an API returns). */
  toJSON(): { code: string; category: ErrorCategory; message: string; details: ErrorDetails } {
    return {
      code: this.code,
      category: this.category,
      message: this.message,
      details: this.details,
    };
  }
}

export function isWardenError(value: unknown): value is WardenError {
  return value instanceof WardenError;
}

/** Describes any thrown value in one line, for logs and dead-letter records. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  if (typeof error === 'string') return error;
  try {
    const text = JSON.stringify(error) as string | undefined; // undefined for functions and symbols
    return text ?? String(error);
  } catch {
    return String(error);
  }
}
