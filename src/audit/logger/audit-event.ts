import type { BaseEvent, DomainEvent } from '../../events/index.js';
import type { AuditActor, AuditRecord, AuditTarget } from '../record.js';
import { AUDIT_OUTCOMES } from '../record.js';
import { fieldOf, objectOf } from './fields.js';

/** The channel audit records travel on. */
export const AUDIT_CHANNEL = 'audit';
/** The type of the event carrying one audit record as its `data`. */
export const AUDIT_RECORD_EVENT_TYPE = 'audit.record';
/** The `source` of audit record events, and the consumer name of `AuditLogger`. */
export const AUDIT_LOGGER_NAME = 'audit-logger';

/** The canonical event carrying `record` on the `audit` channel. */
export type AuditRecordEvent = DomainEvent<AuditRecord>;

/**
 * Wraps a record in a canonical event: type `audit.record`, source `audit-logger`, metadata
 * `tenantId` (always), `correlationId` and `entityId` (when the record has them).
 */
export function toAuditEvent(record: AuditRecord, id: string, time: string): AuditRecordEvent {
  const metadata: Record<string, string> = { tenantId: record.tenantId };
  if (record.correlationId !== null) metadata['correlationId'] = record.correlationId;
  if (record.entityId !== null) metadata['entityId'] = record.entityId;
  const event: AuditRecordEvent = {
    id,
    type: AUDIT_RECORD_EVENT_TYPE,
    source: AUDIT_LOGGER_NAME,
    time,
    dataVersion: '1.0',
    data: record,
    metadata,
  };
  if (record.correlationId !== null) event.correlationId = record.correlationId;
  return event;
}

/**
 * The record an `audit.record` event carries, or null when the event is of another type, its
 * `data` is not a well-formed record, or its `metadata.tenantId` differs from the record's
 * (a consumer must never file a record under a tenant other than the one it was emitted for).
 */
export function auditRecordOf(event: BaseEvent): AuditRecord | null {
  if (event.type !== AUDIT_RECORD_EVENT_TYPE) return null;
  const { data, metadata } = event as { data?: unknown; metadata?: unknown };
  if (!isAuditRecord(data)) return null;
  return fieldOf(metadata, 'tenantId') === data.tenantId ? data : null;
}

/** Whether `value` has every field of an `AuditRecord` with the right type. */
export function isAuditRecord(value: unknown): value is AuditRecord {
  const record = objectOf(value);
  if (record === null) return false;
  const strings = ['id', 'tenantId', 'action', 'source', 'time', 'sourceEventId', 'sourceChannel'];
  return (
    strings.every((key) => typeof record[key] === 'string') &&
    (AUDIT_OUTCOMES as readonly unknown[]).includes(record['outcome']) &&
    isNullableString(record['entityId']) &&
    isNullableString(record['correlationId']) &&
    isActor(record['actor']) &&
    isTarget(record['target']) &&
    'payload' in record
  );
}

function isActor(value: unknown): value is AuditActor {
  return ['userId', 'ip', 'userAgent'].every((key) => isNullableString(fieldOf(value, key)));
}

function isTarget(value: unknown): value is AuditTarget {
  return ['resource', 'resourceId'].every((key) => isNullableString(fieldOf(value, key)));
}

function isNullableString(value: unknown): value is string | null {
  return value === null || typeof value === 'string';
}
