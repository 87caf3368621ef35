import { WardenError } from '../../shared/errors.js';
import type { ErrorCategory } from '../../shared/errors.js';

/** Stable codes raised by event log backends. Every backend fails with these, whatever its driver says. */
export const LOG_ERROR_CODES = {
  LOG_SCHEMA_UNSUPPORTED: 'LOG_SCHEMA_UNSUPPORTED',
  LOG_FILE_CORRUPT: 'LOG_FILE_CORRUPT',
  LOG_DISK_FULL: 'LOG_DISK_FULL',
  LOG_NOT_WRITABLE: 'LOG_NOT_WRITABLE',
  LOG_FILE_LOCKED: 'LOG_FILE_LOCKED',
  LOG_IO_FAILED: 'LOG_IO_FAILED',
  LOG_CLOSED: 'LOG_CLOSED',
  LOG_UNREACHABLE: 'LOG_UNREACHABLE',
  LOG_PUBLISH_TIMEOUT: 'LOG_PUBLISH_TIMEOUT',
} as const;

export type LogErrorCode = (typeof LOG_ERROR_CODES)[keyof typeof LOG_ERROR_CODES];

const CATEGORY: Readonly<Record<LogErrorCode, ErrorCategory>> = {
  LOG_SCHEMA_UNSUPPORTED: 'failed_precondition',
  LOG_FILE_CORRUPT: 'internal',
  LOG_DISK_FULL: 'resource_exhausted',
  LOG_NOT_WRITABLE: 'failed_precondition',
  LOG_FILE_LOCKED: 'unavailable',
  LOG_IO_FAILED: 'unavailable',
  LOG_CLOSED: 'unavailable',
  LOG_UNREACHABLE: 'unavailable',
  LOG_PUBLISH_TIMEOUT: 'deadline_exceeded',
};

/** A storage failure of an event log, translated from the driver's error. */
export class EventLogError extends WardenError {
  constructor(
    code: LogErrorCode,
    message: string,
    options: { cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(code, CATEGORY[code], message, options);
    this.name = 'EventLogError';
  }
}
