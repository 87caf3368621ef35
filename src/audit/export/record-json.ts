import type { StoredAuditRecord } from '../record.js';

/** A stored record as exported: every field, in `StoredAuditRecord`'s order, and nothing else. */
export interface ExportedRecord {
  readonly id: string;
  readonly tenantId: string;
  readonly action: string;
  readonly actor: StoredAuditRecord['actor'];
  readonly target: StoredAuditRecord['target'];
  readonly outcome: StoredAuditRecord['outcome'];
  readonly entityId: string | null;
  readonly correlationId: string | null;
  readonly source: string;
  readonly time: string;
  readonly sourceEventId: string;
  readonly sourceChannel: string;
  readonly payload: unknown;
  readonly seq: number;
  readonly prevHash: string;
  readonly hash: string;
  readonly recordedAt: number;
}

/**
 * The exported form of a record: a fresh object with the schema's fields in a fixed order
 * (so two exports of a record are byte-identical) and no field the schema lacks.
 */
export function exportedRecord(record: StoredAuditRecord): ExportedRecord {
  const { actor, target } = record;
  return {
    id: record.id,
    tenantId: record.tenantId,
    action: record.action,
    actor: { userId: actor.userId, ip: actor.ip, userAgent: actor.userAgent },
    target: { resource: target.resource, resourceId: target.resourceId },
    outcome: record.outcome,
    entityId: record.entityId,
    correlationId: record.correlationId,
    source: record.source,
    time: record.time,
    sourceEventId: record.sourceEventId,
    sourceChannel: record.sourceChannel,
    payload: record.payload ?? null,
    seq: record.seq,
    prevHash: record.prevHash,
    hash: record.hash,
    recordedAt: record.recordedAt,
  };
}
