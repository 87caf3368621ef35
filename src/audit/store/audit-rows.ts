import type { Selectable } from 'kysely';
import { readEpochMs, readJson } from '../../storage/index.js';
import { AUDIT_OUTCOMES } from '../record.js';
import type { AuditOutcome, StoredAuditRecord } from '../record.js';
import type { AuditTables } from './audit-tables.js';
import type { CanonicalAuditRow } from '../integrity/canonical.js';
import type { InsertTable } from './audit-insert.js';

type RecordRow = Selectable<AuditTables['audit_records']>;

/** A stored row as the chain verifier reads it: the payload left as its canonical text. */
export function rowToChainRow(row: RecordRow): CanonicalAuditRow & { readonly hash: string } {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    action: row.action,
    actor: { userId: row.actor_user, ip: row.actor_ip, userAgent: row.actor_user_agent },
    target: { resource: row.target_resource, resourceId: row.target_resource_id },
    outcome: row.outcome as AuditOutcome,
    entityId: row.entity_id,
    correlationId: row.correlation_id,
    source: row.source,
    time: row.time,
    sourceEventId: row.source_event_id,
    sourceChannel: row.source_channel,
    payloadJson: row.payload,
    seq: readEpochMs(row.seq),
    prevHash: row.prev_hash,
    hash: row.hash,
    recordedAt: readEpochMs(row.recorded_at),
  };
}

/** A stored row back to the record it was written from (payload parsed, numbers checked). */
export function rowToRecord(row: RecordRow): StoredAuditRecord {
  const outcome: AuditOutcome = AUDIT_OUTCOMES.includes(row.outcome as AuditOutcome)
    ? (row.outcome as AuditOutcome)
    : 'unknown';
  return {
    id: row.id,
    tenantId: row.tenant_id,
    action: row.action,
    actor: { userId: row.actor_user, ip: row.actor_ip, userAgent: row.actor_user_agent },
    target: { resource: row.target_resource, resourceId: row.target_resource_id },
    outcome,
    entityId: row.entity_id,
    correlationId: row.correlation_id,
    source: row.source,
    time: row.time,
    sourceEventId: row.source_event_id,
    sourceChannel: row.source_channel,
    payload: readJson(row.payload),
    seq: readEpochMs(row.seq),
    prevHash: row.prev_hash,
    hash: row.hash,
    recordedAt: readEpochMs(row.recorded_at),
  };
}

/** The columns of `audit_records`, in the order {@link recordToValues} gives their values. */
export const RECORD_COLUMNS = [
  'tenant_id',
  'seq',
  'id',
  'source_event_id',
  'action',
  'actor_user',
  'actor_ip',
  'actor_user_agent',
  'target_resource',
  'target_resource_id',
  'outcome',
  'entity_id',
  'correlation_id',
  'source',
  'time',
  'time_ms',
  'source_channel',
  'payload',
  'prev_hash',
  'hash',
  'leaf_hash',
  'recorded_at',
] as const satisfies readonly (keyof AuditTables['audit_records'])[];

const BIGINT_COLUMNS: ReadonlySet<string> = new Set(['seq', 'time_ms', 'recorded_at']);

/** `audit_records` for the appender's inserts. */
export const RECORDS_TABLE: InsertTable = {
  name: 'audit_records',
  columns: RECORD_COLUMNS,
  pgTypes: RECORD_COLUMNS.map((c) => (BIGINT_COLUMNS.has(c) ? 'bigint' : 'text')),
};

/**
 * The row of a chained record as values in {@link RECORD_COLUMNS} order. `leafHash` is kept
 * with it so proofs never re-serialise; `payloadJson` is the canonical text the hashes cover,
 * so verify hashes the row without parsing it.
 */
export function recordToValues(
  record: StoredAuditRecord,
  hashes: { readonly leafHashHex: string; readonly payloadJson: string },
): unknown[] {
  return [
    record.tenantId,
    record.seq,
    record.id,
    record.sourceEventId,
    record.action,
    record.actor.userId,
    record.actor.ip,
    record.actor.userAgent,
    record.target.resource,
    record.target.resourceId,
    record.outcome,
    record.entityId,
    record.correlationId,
    record.source,
    record.time,
    timeMsOf(record.time, record.recordedAt),
    record.sourceChannel,
    hashes.payloadJson,
    record.prevHash,
    record.hash,
    hashes.leafHashHex,
    record.recordedAt,
  ];
}

/** The event time in epoch ms for range queries; a record with an unreadable time sorts by when it was stored. */
export function timeMsOf(time: string, fallback: number): number {
  const ms = Date.parse(time);
  return Number.isFinite(ms) ? ms : fallback;
}
