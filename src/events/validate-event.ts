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

/** An event that passed validation. `json` is made on first use (durable logs need it, memory does not). */
export class ValidatedEvent {
  readonly event: BaseEvent;
  #json: string | undefined;

  constructor(event: BaseEvent, json?: string) {
    this.event = event;
    this.#json = json;
  }

  get json(): string {
    this.#json ??= JSON.stringify(this.event);
    return this.#json;
  }

  /** UTF-8 bytes of `json`. */
  get sizeBytes(): number {
    return Buffer.byteLength(this.json, 'utf8');
  }
}

/** JSON nesting deeper than this is refused (it is also how a cycle is caught). */
const MAX_DEPTH = 64;
/** A JSON-escaped UTF-16 unit takes at most six bytes (`\uXXXX`). */
const MAX_BYTES_PER_UNIT = 6;

class NotSerialisable extends Error {}

// eslint-disable-next-line @typescript-eslint/unbound-method
const hasOwnProperty = Object.prototype.hasOwnProperty;

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
  return new ValidatedEvent(value as BaseEvent, checkEvent(value, maxSizeBytes));
}

/**
 * `validateEvent` without the wrapper, for the emit path: returns the JSON encoding when it
 * had to be made to measure a large event, else undefined (most events never need it).
 * @throws ValidationError as `validateEvent`.
 */
export function checkEvent(value: unknown, maxSizeBytes: number): string | undefined {
  // The allocation-free check passes almost every event; the full list is made only to report.
  if (!isValidEvent(value)) {
    const issues = eventIssues(value);
    if (issues.length > 0)
      throw new ValidationError(EVENT_ERROR_CODES.EVENT_INVALID, 'invalid event', issues);
  }
  let bound: number;
  try {
    // An upper bound of the encoded size, without building the string: most events are far under the limit.
    bound = sizeBound(value, 0);
  } catch (error) {
    const reason = error instanceof NotSerialisable ? error.message : (error as Error).message;
    throw new ValidationError(EVENT_ERROR_CODES.EVENT_INVALID, 'invalid event', [
      { path: '', reason: `is not JSON-serialisable (${reason})` },
    ]);
  }
  if (bound <= maxSizeBytes) return undefined;
  const json = JSON.stringify(value);
  const sizeBytes = Buffer.byteLength(json, 'utf8');
  if (sizeBytes > maxSizeBytes) {
    throw new ValidationError(EVENT_ERROR_CODES.EVENT_TOO_LARGE, 'event too large', [
      { path: '', reason: `encodes to ${sizeBytes} bytes, over the limit of ${maxSizeBytes}` },
    ]);
  }
  return json;
}

/** At least the UTF-8 size of `JSON.stringify(value)`; throws NotSerialisable where stringify would throw. */
function sizeBound(value: unknown, depth: number): number {
  switch (typeof value) {
    case 'string':
      return value.length * MAX_BYTES_PER_UNIT + 2;
    case 'number':
      return 24;
    case 'boolean':
    case 'undefined':
    case 'function':
    case 'symbol':
      return 5;
    case 'bigint':
      throw new NotSerialisable('a BigInt cannot be encoded');
    case 'object':
      return objectSizeBound(value, depth);
  }
}

function objectSizeBound(value: object | null, depth: number): number {
  if (value === null) return 4;
  if (depth >= MAX_DEPTH)
    throw new NotSerialisable(`nested deeper than ${MAX_DEPTH} levels, or cyclic`);
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function')
    return sizeBound((toJSON as () => unknown).call(value), depth + 1);
  let size = 2;
  if (Array.isArray(value)) {
    for (const item of value as unknown[]) size += sizeBound(item, depth + 1) + 1;
    return size;
  }
  for (const key in value) {
    // hasOwnProperty.call inside for-in is folded away by V8 (Object.hasOwn is not): 2x faster.
    if (!hasOwnProperty.call(value, key)) continue;
    size +=
      key.length * MAX_BYTES_PER_UNIT +
      4 +
      sizeBound((value as Record<string, unknown>)[key], depth + 1);
  }
  return size;
}

/**
 * Whether `eventIssues(value)` is empty, without building it: property reads by name (each
 * site stays monomorphic), no issue objects, and the type and time checks cached for the
 * values seen last (events come in bursts of a few types).
 */
function isValidEvent(value: unknown): boolean {
  if (!isPlainObject(value)) return false;
  const { id, type, source, time, dataVersion, correlationId, metadata } = value;
  return (
    isBoundedString(id, MAX_ID_LENGTH) &&
    isBoundedString(type, MAX_NAME_LENGTH) &&
    isEventType(type) &&
    isBoundedString(source, MAX_NAME_LENGTH) &&
    isBoundedString(time, 64) &&
    isRfc3339(time) &&
    isBoundedString(dataVersion, MAX_DATA_VERSION_LENGTH) &&
    (correlationId === undefined ||
      (typeof correlationId === 'string' && correlationId.length <= MAX_ID_LENGTH)) &&
    (metadata === undefined || isValidMetadata(metadata))
  );
}

function isValidMetadata(metadata: unknown): boolean {
  if (!isPlainObject(metadata)) return false;
  const { user, ip, userAgent, entityId, tenantId, sourceTenantId, targetTenantId } = metadata;
  const crossTenant = metadata['crossTenant'];
  return (
    isOptionalName(user) &&
    isOptionalName(ip) &&
    isOptionalName(userAgent) &&
    isOptionalName(entityId) &&
    isOptionalName(tenantId) &&
    isOptionalName(sourceTenantId) &&
    isOptionalName(targetTenantId) &&
    (crossTenant === undefined || typeof crossTenant === 'boolean')
  );
}

function isBoundedString(field: unknown, maxLength: number): field is string {
  return typeof field === 'string' && field.length > 0 && field.length <= maxLength;
}

function isOptionalName(field: unknown): boolean {
  return field === undefined || isBoundedString(field, MAX_NAME_LENGTH);
}

/** Event types that passed the pattern, so a repeated type costs a set lookup, not a regex. */
const validTypes = new Set<string>();
const MAX_CACHED_TYPES = 1024;

function isEventType(type: string): boolean {
  if (validTypes.has(type)) return true;
  if (!TYPE_PATTERN.test(type)) return false;
  if (validTypes.size >= MAX_CACHED_TYPES) validTypes.clear();
  validTypes.add(type);
  return true;
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
  // Events made in a burst share their timestamp: remember the last one that passed.
  if (text === lastValidTime) return true;
  if (!checkRfc3339(text)) return false;
  lastValidTime = text;
  return true;
}

let lastValidTime = '';

function checkRfc3339(text: string): boolean {
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
