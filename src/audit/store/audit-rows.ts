import type { Insertable, Selectable } from 'kysely';
import { readEpochMs, readJson } from '../../storage/index.js';
import { AUDIT_OUTCOMES } from '../record.js';
import type { AuditOutcome, StoredAuditRecord } from '../record.js';
import type { AuditTables } from './audit-tables.js';
import type { CanonicalAuditRow } from '../integrity/canonical.js';

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

/** The row of a chained record. `leafHash` is kept with it so proofs never re-serialise. */
export function recordToRow(
  record: StoredAuditRecord,
  hashes: { readonly leafHashHex: string; readonly payloadJson: string },
): Insertable<AuditTables['audit_records']> {
  return {
    tenant_id: record.tenantId,
    seq: record.seq,
    id: record.id,
    source_event_id: record.sourceEventId,
    action: record.action,
    actor_user: record.actor.userId,
    actor_ip: record.actor.ip,
    actor_user_agent: record.actor.userAgent,
    target_resource: record.target.resource,
    target_resource_id: record.target.resourceId,
    outcome: record.outcome,
    entity_id: record.entityId,
    correlation_id: record.correlationId,
    source: record.source,
    time: record.time,
    time_ms: timeMsOf(record.time, record.recordedAt),
    source_channel: record.sourceChannel,
    // The canonical text the hashes cover: verify hashes the row without parsing it.
    payload: hashes.payloadJson,
    prev_hash: record.prevHash,
    hash: record.hash,
    leaf_hash: hashes.leafHashHex,
    recorded_at: record.recordedAt,
  };
}

/** The event time in epoch ms for range queries; a record with an unreadable time sorts by when it was stored. */
export function timeMsOf(time: string, fallback: number): number {
  const ms = Date.parse(time);
  return Number.isFinite(ms) ? ms : fallback;
}
