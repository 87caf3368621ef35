import { EVENT_ERROR_CODES, ValidationError } from './errors.js';
import type { ValidationIssue } from './errors.js';
import type { BaseEvent } from './schema.js';

/** Default and bounds for the encoded size of one event. */
export const DEFAULT_MAX_EVENT_SIZE_BYTES = 256 * 1024;

const MAX_ID_LENGTH = 128;
const MAX_NAME_LENGTH = 256;
const MAX_DATA_VERSION_LENGTH = 32;
const TYPE_PATTERN = /^[a-z][a-z0-9_-]*(?:\.[a-z0-9][a-z0-9_-]*)+$/;
const RFC3339_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:[Zz]|[+-](\d{2}):(\d{2}))$/;
const STRING_METADATA = [
  'user',
  'ip',
  'userAgent',
  'entityId',
  'tenantId',
  'sourceTenantId',
  'targetTenantId',
] as const;

/** An event that passed validation, with its JSON encoding (reused by durable logs). */
export interface ValidatedEvent {
  readonly event: BaseEvent;
  readonly json: string;
  readonly sizeBytes: number;
}

/**
 * Checks an event against the canonical schema and the size limit.
 *
 * @throws ValidationError `EVENT_INVALID` listing every failing field, or
 *   `EVENT_TOO_LARGE` when the UTF-8 JSON encoding exceeds `maxSizeBytes`.
 */
export function validateEvent(
  value: unknown,
  maxSizeBytes: number = DEFAULT_MAX_EVENT_SIZE_BYTES,
): ValidatedEvent {
  const issues = eventIssues(value);
  if (issues.length > 0)
    throw new ValidationError(EVENT_ERROR_CODES.EVENT_INVALID, 'invalid event', issues);
  const event = value as BaseEvent;
  let json: string;
  try {
    json = JSON.stringify(event);
  } catch (error) {
    throw new ValidationError(EVENT_ERROR_CODES.EVENT_INVALID, 'invalid event', [
      { path: '', reason: `is not JSON-serialisable (${(error as Error).message})` },
    ]);
  }
  const sizeBytes = Buffer.byteLength(json, 'utf8');
  if (sizeBytes > maxSizeBytes) {
    throw new ValidationError(EVENT_ERROR_CODES.EVENT_TOO_LARGE, 'event too large', [
      { path: '', reason: `encodes to ${sizeBytes} bytes, over the limit of ${maxSizeBytes}` },
    ]);
  }
  return { event, json, sizeBytes };
}

/** Every way `value` breaks the canonical schema; empty when it is a valid event. */
export function eventIssues(value: unknown): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  if (!isPlainObject(value)) {
    issues.push({ path: '', reason: 'must be an object' });
    return issues;
  }
  checkString(value, 'id', MAX_ID_LENGTH, issues);
  if (
    checkString(value, 'type', MAX_NAME_LENGTH, issues) &&
    !TYPE_PATTERN.test(value['type'] as string)
  ) {
    issues.push({
      path: 'type',
      reason: 'must be a dotted lowercase name such as "auth.login_failed"',
    });
  }
  checkString(value, 'source', MAX_NAME_LENGTH, issues);
  if (checkString(value, 'time', 64, issues) && !isRfc3339(value['time'] as string)) {
    issues.push({
      path: 'time',
      reason: 'must be an RFC 3339 timestamp such as "2025-05-22T10:00:00Z"',
    });
  }
  checkString(value, 'dataVersion', MAX_DATA_VERSION_LENGTH, issues);
  const correlationId = value['correlationId'];
  if (
    correlationId !== undefined &&
    (typeof correlationId !== 'string' || correlationId.length > MAX_ID_LENGTH)
  ) {
    issues.push({
      path: 'correlationId',
      reason: `must be a string of at most ${MAX_ID_LENGTH} characters`,
    });
  }
  const metadata = value['metadata'];
  if (metadata !== undefined) checkMetadata(metadata, issues);
  return issues;
}

function checkMetadata(metadata: unknown, issues: ValidationIssue[]): void {
  if (!isPlainObject(metadata)) {
    issues.push({ path: 'metadata', reason: 'must be an object' });
    return;
  }
  for (const key of STRING_METADATA) {
    const field = metadata[key];
    if (
      field !== undefined &&
      (typeof field !== 'string' || field.length === 0 || field.length > MAX_NAME_LENGTH)
    ) {
      issues.push({
        path: `metadata.${key}`,
        reason: `must be a non-empty string of at most ${MAX_NAME_LENGTH} characters`,
      });
    }
  }
  const crossTenant = metadata['crossTenant'];
  if (crossTenant !== undefined && typeof crossTenant !== 'boolean') {
    issues.push({ path: 'metadata.crossTenant', reason: 'must be a boolean' });
  }
}

function checkString(
  record: Record<string, unknown>,
  key: string,
  maxLength: number,
  issues: ValidationIssue[],
): boolean {
  const field = record[key];
  if (field === undefined) {
    issues.push({ path: key, reason: 'is required' });
    return false;
  }
  if (typeof field !== 'string') {
    issues.push({ path: key, reason: `must be a string, got ${typeName(field)}` });
    return false;
  }
  if (field.length === 0 || field.length > maxLength) {
    issues.push({ path: key, reason: `must be 1 to ${maxLength} characters, got ${field.length}` });
    return false;
  }
  return true;
}

/** True for an RFC 3339 date-time with a real calendar date and an offset. */
export function isRfc3339(text: string): boolean {
  const match = RFC3339_PATTERN.exec(text);
  if (!match) return false;
  const [, year, month, day, hour, minute, second, offsetHour, offsetMinute] = match.map(
    Number,
  ) as [number, number, number, number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return false;
  if (hour > 23 || minute > 59 || second > 60) return false; // 60: a leap second
  if (!Number.isNaN(offsetHour) && (offsetHour > 23 || offsetMinute > 59)) return false;
  return true;
}

function daysInMonth(year: number, month: number): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month, 0); // not Date.UTC, which reads years 0-99 as 1900-1999
  return date.getUTCDate();
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}
