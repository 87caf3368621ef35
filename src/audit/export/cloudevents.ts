import { createHash } from 'node:crypto';
import type { StoredAuditRecord } from '../record.js';
import { coalesce } from './export-options.js';
import type { AuditRecordSource, ExportInclusionProof, ExportOptions } from './export-options.js';
import { exportedRecord } from './record-json.js';
import type { ExportedRecord } from './record-json.js';

/** `type` of the last element of an export with proofs, whose `data` is the checkpoint. */
export const CLOUDEVENT_CHECKPOINT_TYPE = 'warden.audit.checkpoint';
/** `source` of that element. */
export const CLOUDEVENT_CHECKPOINT_SOURCE = 'warden/audit';

/** An audit record as a CloudEvents 1.0 structured-mode event. */
export interface AuditCloudEvent {
  readonly specversion: '1.0';
  /** The record's id. */
  readonly id: string;
  /** The component that produced the source event (`rbac-service`). */
  readonly source: string;
  /** The record's action (`rbac.permission_check`). */
  readonly type: string;
  /** The source event's time (RFC 3339). */
  readonly time: string;
  readonly datacontenttype: 'application/json';
  readonly data: ExportedRecord;
  readonly tenantid: string;
  readonly correlationid?: string;
  readonly entityid?: string;
  /** The record's place in its tenant's chain. */
  readonly auditseq: number;
  readonly audithash: string;
  /** With proofs: the record's leaf index. */
  readonly wardenproofindex?: number;
  /** With proofs: the sibling hashes, hex, comma-separated (extension values are scalars). */
  readonly wardenproof?: string;
}

/**
 * The CloudEvent of one record. Extension attribute names are lowercase alphanumeric, as
 * CloudEvents 1.0 requires: `tenantid`, `correlationid` and `entityid` (absent when null),
 * `auditseq`, `audithash`, and with a proof `wardenproofindex` and `wardenproof`.
 */
export function toAuditCloudEvent(
  record: StoredAuditRecord,
  proof?: ExportInclusionProof | null,
): AuditCloudEvent {
  return {
    specversion: '1.0',
    id: record.id,
    source: record.source,
    type: record.action,
    time: record.time,
    datacontenttype: 'application/json',
    data: exportedRecord(record),
    tenantid: record.tenantId,
    ...(record.correlationId === null ? {} : { correlationid: record.correlationId }),
    ...(record.entityId === null ? {} : { entityid: record.entityId }),
    auditseq: record.seq,
    audithash: record.hash,
    ...(proof === undefined || proof === null
      ? {}
      : { wardenproofindex: proof.leafIndex, wardenproof: proof.proof.join(',') }),
  };
}

/** The element that closes an export with proofs: its id is derived from the checkpoint. */
export function checkpointCloudEvent(checkpoint: unknown): Record<string, unknown> {
  const json = JSON.stringify(checkpoint) as string | undefined;
  const digest = createHash('sha256')
    .update(json ?? 'null')
    .digest('hex');
  return {
    specversion: '1.0',
    id: `checkpoint-${digest.slice(0, 32)}`,
    source: CLOUDEVENT_CHECKPOINT_SOURCE,
    type: CLOUDEVENT_CHECKPOINT_TYPE,
    datacontenttype: 'application/json',
    data: checkpoint ?? null,
  };
}

async function* elements(
  records: AuditRecordSource,
  options: ExportOptions,
): AsyncGenerator<string> {
  const { proofs } = options;
  let separator = '';
  yield '[\n';
  for await (const record of records) {
    const proof = proofs === undefined ? undefined : await proofs.proofs(record);
    yield separator + JSON.stringify(toAuditCloudEvent(record, proof));
    separator = ',\n';
  }
  if (proofs !== undefined) {
    yield separator + JSON.stringify(checkpointCloudEvent(proofs.checkpoint));
    separator = ',\n';
  }
  yield separator === '' ? ']\n' : '\n]\n';
}

/**
 * Streams records as a JSON array of CloudEvents 1.0 (structured mode, batch format
 * `application/cloudevents-batch+json`), element by element: the array is never built in memory.
 * With `options.proofs`, each element carries its proof and a last element of type
 * `warden.audit.checkpoint` carries the checkpoint.
 */
export function toCloudEventsJson(
  records: AuditRecordSource,
  options: ExportOptions = {},
): AsyncGenerator<string> {
  return coalesce(elements(records, options));
}
