import type { StoredAuditRecord } from '../record.js';
import { coalesce } from './export-options.js';
import type { AuditRecordSource, ExportOptions } from './export-options.js';
import { jsonLines } from './ndjson.js';
import { ocsfClassOf, ocsfSeverityOf, ocsfStatusOf } from './ocsf-classes.js';
import type { OcsfClassification } from './ocsf-classes.js';

/** The OCSF schema version the events follow. */
export const OCSF_VERSION = '1.1.0';

/** An OCSF 1.1.0 event (the attributes Warden fills; see docs/audit.md, "OCSF"). */
export type OcsfEvent = Record<string, unknown> & {
  readonly class_uid: number;
  readonly category_uid: number;
  readonly activity_id: number;
  readonly type_uid: number;
  readonly severity_id: number;
  readonly status_id: number;
  readonly time: number;
  readonly metadata: Readonly<Record<string, unknown>>;
};

/**
 * One record as an OCSF event: class by `ocsfClassOf`, `type_uid` = class_uid × 100 +
 * activity_id, `time` in epoch ms (the source event's time), `actor.user.uid`, `src_endpoint.ip`,
 * `metadata` with the product, `uid` = record id, `tenant_uid`, `correlation_uid`, and
 * `unmapped` = `{ payload, warden }` (the payload, and the chain fields an auditor needs).
 */
export function toOcsfEvent(record: StoredAuditRecord): OcsfEvent {
  const kind = ocsfClassOf(record);
  const [status_id, status] = ocsfStatusOf(record.outcome);
  const [severity_id, severity] = ocsfSeverityOf(record);
  const parsed = Date.parse(record.time);
  return {
    class_uid: kind.classUid,
    class_name: kind.className,
    category_uid: kind.categoryUid,
    category_name: kind.categoryName,
    activity_id: kind.activityId,
    activity_name: kind.activityName,
    type_uid: kind.classUid * 100 + kind.activityId,
    type_name: `${kind.className}: ${kind.activityName}`,
    severity_id,
    severity,
    status_id,
    status,
    time: Number.isFinite(parsed) ? parsed : record.recordedAt,
    message: `${record.action} ${record.outcome}`,
    actor: actorOf(record),
    ...endpointFields(record),
    ...classFields(record, kind),
    metadata: metadataOf(record),
    unmapped: unmappedOf(record),
  };
}

function actorOf(record: StoredAuditRecord): Record<string, unknown> {
  const userId = record.actor.userId;
  return userId === null ? { app_name: record.source } : { user: { uid: userId } };
}

function endpointFields(record: StoredAuditRecord): Record<string, unknown> {
  const { ip, userAgent } = record.actor;
  return {
    ...(ip === null ? {} : { src_endpoint: { ip } }),
    ...(userAgent === null ? {} : { http_request: { user_agent: userAgent } }),
  };
}

/** The attributes each class requires or recommends beyond the base event. */
function classFields(record: StoredAuditRecord, kind: OcsfClassification): Record<string, unknown> {
  const { actor, target } = record;
  switch (kind.classUid) {
    case 3002:
      return {
        user: { uid: actor.userId },
        service: { name: 'Warden' },
        ...(target.resourceId === null ? {} : { session: { uid: target.resourceId } }),
      };
    case 3001:
      return { user: { uid: target.resourceId ?? actor.userId } };
    case 3005:
      return {
        user: { uid: payloadText(record, 'targetUserId') },
        privileges: target.resourceId === null ? [] : [target.resourceId],
      };
    default:
      return {
        api: { operation: record.action, service: { name: record.source } },
        ...(target.resource === null
          ? {}
          : { resources: [{ type: target.resource, uid: target.resourceId }] }),
      };
  }
}

function payloadText(record: StoredAuditRecord, key: string): string | null {
  const { payload } = record;
  if (typeof payload !== 'object' || payload === null) return null;
  const value = (payload as Record<string, unknown>)[key];
  return typeof value === 'string' ? value : null;
}

function metadataOf(record: StoredAuditRecord): Record<string, unknown> {
  return {
    version: OCSF_VERSION,
    product: { name: 'Warden', vendor_name: 'Warden' },
    uid: record.id,
    tenant_uid: record.tenantId,
    ...(record.correlationId === null ? {} : { correlation_uid: record.correlationId }),
    original_time: record.time,
    logged_time: record.recordedAt,
    sequence: record.seq,
  };
}

function unmappedOf(record: StoredAuditRecord): Record<string, unknown> {
  return {
    payload: record.payload ?? null,
    warden: {
      action: record.action,
      outcome: record.outcome,
      target: { resource: record.target.resource, resource_id: record.target.resourceId },
      entity_id: record.entityId,
      source: record.source,
      source_channel: record.sourceChannel,
      source_event_id: record.sourceEventId,
      seq: record.seq,
      prev_hash: record.prevHash,
      hash: record.hash,
    },
  };
}

/**
 * Streams records as NDJSON of OCSF 1.1.0 events (`toOcsfEvent`), one record at a time. With
 * `options.proofs`, each line has `warden_proof` and a `{"warden_checkpoint": ...}` line ends
 * the export, as in `toNdjson`.
 */
export function toOcsf(
  records: AuditRecordSource,
  options: ExportOptions = {},
): AsyncGenerator<string> {
  return coalesce(jsonLines(records, toOcsfEvent, options));
}
