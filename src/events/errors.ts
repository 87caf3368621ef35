import { WardenError } from '../shared/errors.js';
import type { ErrorDetails } from '../shared/errors.js';

/** Stable codes raised by the event bus. Never rename or reuse one. */
export const EVENT_ERROR_CODES = {
  EVENT_INVALID: 'EVENT_INVALID',
  EVENT_TOO_LARGE: 'EVENT_TOO_LARGE',
  BUS_BUFFER_FULL: 'BUS_BUFFER_FULL',
  BUS_CLOSED: 'BUS_CLOSED',
  BUS_CONFIG_INVALID: 'BUS_CONFIG_INVALID',
  BUS_CHANNEL_INVALID: 'BUS_CHANNEL_INVALID',
  BUS_CONSUMER_TAKEN: 'BUS_CONSUMER_TAKEN',
  BUS_OPTIONS_INVALID: 'BUS_OPTIONS_INVALID',
  EVENT_CLOUDEVENT_INVALID: 'EVENT_CLOUDEVENT_INVALID',
} as const;

/** One reason an input was rejected, with the path of the field that failed. */
export interface ValidationIssue {
  /** Dotted path of the failing field (`metadata.tenantId`); empty for the whole value. */
  readonly path: string;
  readonly reason: string;
}

/** An event, config or option failed validation. `issues` lists every failing field. */
export class ValidationError extends WardenError {
  readonly issues: readonly ValidationIssue[];

  constructor(code: string, what: string, issues: readonly ValidationIssue[]) {
    const summary = issues.map((i) => `${i.path || '(root)'}: ${i.reason}`).join('; ');
    super(code, 'invalid_argument', `${what}: ${summary}`, { details: { issues } });
    this.name = 'ValidationError';
    this.issues = Object.freeze([...issues]);
  }
}

/** A channel's buffer stayed full past the emit timeout; the event was not accepted. */
export class BackPressureError extends WardenError {
  readonly channel: string;

  constructor(channel: string, details: ErrorDetails) {
    super(
      EVENT_ERROR_CODES.BUS_BUFFER_FULL,
      'resource_exhausted',
      `channel '${channel}' is full: its slowest consumer lags ${String(details['retained'])} events (limit ${String(details['limit'])} for ${String(details['priority'])} priority)`,
      { details: { channel, ...details } },
    );
    this.name = 'BackPressureError';
    this.channel = channel;
  }
}

/** The bus was closed; it accepts no more events or subscriptions. */
export class BusClosedError extends WardenError {
  constructor() {
    super(EVENT_ERROR_CODES.BUS_CLOSED, 'unavailable', 'the event bus is closed');
    this.name = 'BusClosedError';
  }
}

/**
 * Thrown by a consumer to say the event can never succeed: it is dead-lettered at once,
 * without further attempts and without counting against the consumer's circuit breaker.
 */
export class PermanentFailure extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentFailure';
  }
}

/**
 * Thrown by a consumer to ask for the next attempt after `delayMs` instead of the
 * channel's backoff. It still counts as an attempt.
 */
export class RetryAfter extends Error {
  readonly delayMs: number;

  constructor(
    delayMs: number,
    message = `retry after ${delayMs} ms`,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'RetryAfter';
    this.delayMs = Number.isFinite(delayMs) && delayMs > 0 ? delayMs : 0;
  }
}

export function invalidOptions(what: string, issues: readonly ValidationIssue[]): ValidationError {
  return new ValidationError(EVENT_ERROR_CODES.BUS_OPTIONS_INVALID, what, issues);
}
