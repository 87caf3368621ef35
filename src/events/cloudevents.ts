import { EVENT_ERROR_CODES, ValidationError } from './errors.js';
import type { ValidationIssue } from './errors.js';
import type { DomainEvent } from './schema.js';
import { eventIssues } from './validate-event.js';

/** A CloudEvents 1.0 event in structured JSON mode. */
export interface CloudEvent {
  readonly specversion: '1.0';
  readonly id: string;
  readonly source: string;
  readonly type: string;
  readonly time?: string;
  readonly datacontenttype?: string;
  readonly data?: unknown;
  readonly [extension: string]: unknown;
}

/**
 * Metadata fields carried as CloudEvents extension attributes (names must be lowercase
 * alphanumeric). Anything else in `metadata` travels as JSON in `wardenmetadata`.
 */
const METADATA_EXTENSIONS = {
  tenantId: 'tenantid',
  entityId: 'entityid',
  user: 'user',
  ip: 'ip',
  userAgent: 'useragent',
  crossTenant: 'crosstenant',
  sourceTenantId: 'sourcetenantid',
  targetTenantId: 'targettenantid',
} as const satisfies Record<string, string>;

const CONTEXT_ATTRIBUTES = new Set([
  'specversion',
  'id',
  'source',
  'type',
  'time',
  'datacontenttype',
  'data',
  'dataschema',
  'subject',
]);

/** Converts a canonical event to a structured-mode CloudEvent; `fromCloudEvent` reverses it exactly. */
export function toCloudEvent(event: DomainEvent<unknown>): CloudEvent {
  const out: Record<string, unknown> = {
    specversion: '1.0',
    id: event.id,
    source: event.source,
    type: event.type,
    time: event.time,
    datacontenttype: 'application/json',
    dataversion: event.dataVersion,
  };
  if (event.correlationId !== undefined) out['correlationid'] = event.correlationId;
  if ('data' in event) out['data'] = event.data;
  if (event.metadata !== undefined) {
    const rest: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(event.metadata)) {
      // Own keys only: a metadata key such as `valueOf` must not find Object.prototype's.
      const extension = Object.hasOwn(METADATA_EXTENSIONS, key)
        ? METADATA_EXTENSIONS[key as keyof typeof METADATA_EXTENSIONS]
        : undefined;
      if (extension !== undefined && (typeof value === 'string' || typeof value === 'boolean'))
        out[extension] = value;
      else if (value !== undefined) rest[key] = value;
    }
    if (Object.keys(rest).length > 0) out['wardenmetadata'] = JSON.stringify(rest);
    else if (Object.keys(event.metadata).length === 0) out['wardenmetadata'] = '{}';
  }
  return out as unknown as CloudEvent;
}

/**
 * Converts a structured-mode CloudEvent back to a canonical event.
 * @throws ValidationError `EVENT_CLOUDEVENT_INVALID` naming every bad attribute, or
 *   `EVENT_INVALID` when the result is not a canonical event.
 */
export function fromCloudEvent(value: unknown): DomainEvent<unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw cloudEventError([{ path: '', reason: 'must be an object' }]);
  }
  const cloud = value as Record<string, unknown>;
  const issues: ValidationIssue[] = [];
  if (cloud['specversion'] !== '1.0') issues.push({ path: 'specversion', reason: 'must be "1.0"' });
  for (const key of ['id', 'source', 'type']) {
    if (typeof cloud[key] !== 'string' || cloud[key] === '')
      issues.push({ path: key, reason: 'must be a non-empty string' });
  }
  const contentType = cloud['datacontenttype'];
  if (
    contentType !== undefined &&
    (typeof contentType !== 'string' || !/^application\/(.+\+)?json/.test(contentType))
  ) {
    issues.push({ path: 'datacontenttype', reason: 'must be a JSON media type' });
  }
  const rest = parseWardenMetadata(cloud['wardenmetadata'], issues);
  if (issues.length > 0) throw cloudEventError(issues);

  const event: DomainEvent<unknown> = {
    id: cloud['id'] as string,
    type: cloud['type'] as string,
    source: cloud['source'] as string,
    time: (cloud['time'] as string | undefined) ?? '',
    dataVersion: (cloud['dataversion'] as string | undefined) ?? '1.0',
    data: cloud['data'],
  };
  if (!('data' in cloud)) delete (event as Partial<DomainEvent<unknown>>).data;
  if (typeof cloud['correlationid'] === 'string') event.correlationId = cloud['correlationid'];
  const metadata: Record<string, unknown> = { ...rest };
  for (const [field, extension] of Object.entries(METADATA_EXTENSIONS)) {
    if (cloud[extension] !== undefined) metadata[field] = cloud[extension];
  }
  if (Object.keys(metadata).length > 0 || rest !== undefined) event.metadata = metadata;
  const eventProblems = eventIssues(event);
  if (eventProblems.length > 0)
    throw new ValidationError(
      EVENT_ERROR_CODES.EVENT_INVALID,
      'invalid event in CloudEvent',
      eventProblems,
    );
  return event;
}

/** Names of the extension attributes Warden writes, for docs and exporters. */
export function cloudEventExtensionNames(): string[] {
  return [
    'dataversion',
    'correlationid',
    ...Object.values(METADATA_EXTENSIONS),
    'wardenmetadata',
  ].filter((name) => !CONTEXT_ATTRIBUTES.has(name));
}

function parseWardenMetadata(
  value: unknown,
  issues: ValidationIssue[],
): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') {
    try {
      const parsed: unknown = JSON.parse(value);
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
        return parsed as Record<string, unknown>;
    } catch {
      // reported below
    }
  }
  issues.push({ path: 'wardenmetadata', reason: 'must be a JSON object encoded as a string' });
  return undefined;
}

function cloudEventError(issues: readonly ValidationIssue[]): ValidationError {
  return new ValidationError(
    EVENT_ERROR_CODES.EVENT_CLOUDEVENT_INVALID,
    'invalid CloudEvent',
    issues,
  );
}
