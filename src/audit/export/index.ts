export { toNdjson } from './ndjson.js';
export { toCsv, csvCell, CSV_COLUMNS, CSV_PROOF_COLUMNS, CSV_CHECKPOINT_ACTION } from './csv.js';
export {
  toCloudEventsJson,
  toAuditCloudEvent,
  checkpointCloudEvent,
  CLOUDEVENT_CHECKPOINT_TYPE,
  CLOUDEVENT_CHECKPOINT_SOURCE,
} from './cloudevents.js';
export type { AuditCloudEvent } from './cloudevents.js';
export { toOcsf, toOcsfEvent, OCSF_VERSION } from './ocsf.js';
export type { OcsfEvent } from './ocsf.js';
export { ocsfClassOf } from './ocsf-classes.js';
export type { OcsfClassification } from './ocsf-classes.js';
export { exportedRecord } from './record-json.js';
export type { ExportedRecord } from './record-json.js';
export { EXPORT_CHUNK_CHARS } from './export-options.js';
export type {
  AuditRecordSource,
  ExportInclusionProof,
  ExportOptions,
  ExportProofs,
} from './export-options.js';
