export { AUDIT_OUTCOMES, PLATFORM_TENANT_ID } from './record.js';
export type {
  AuditRecord,
  StoredAuditRecord,
  AuditActor,
  AuditTarget,
  AuditOutcome,
} from './record.js';
export { AuditStore } from './store/audit-store.js';
export type { AuditStoreConfig } from './store/audit-store.js';
export type { AuditQuery, QueryBounds } from './store/audit-query.js';
export { DEFAULT_QUERY_BOUNDS } from './store/audit-query.js';
export { AGGREGATE_GROUPS } from './store/audit-reader.js';
export type {
  AuditPage,
  AggregateOptions,
  AggregateBucket,
  AggregateGroup,
} from './store/audit-reader.js';
export type { AppendResult, CheckpointPolicy, PendingCheckpoints } from './store/audit-appender.js';
export type { InclusionEvidence, ConsistencyEvidence } from './store/audit-proofs.js';
export type {
  TenantVerification,
  VerifyFinding,
  VerifyFindingKind,
} from './store/audit-verifier.js';
export { auditMigrations } from './store/audit-migrations.js';
export { AuditStorageService, AUDIT_STORAGE_CONSUMER } from './audit-storage-service.js';
export type { AuditStorageServiceConfig } from './audit-storage-service.js';
export { AuditService } from './audit-service.js';
export type { AuditServiceConfig } from './audit-service.js';
export { AuditError, AUDIT_ERROR_CODES } from './errors.js';
export type { AuditErrorCode } from './errors.js';
export {
  AuditLogger,
  AUDITED_CHANNELS,
  normaliseEvent,
  AUDIT_CHANNEL,
  AUDIT_RECORD_EVENT_TYPE,
} from './logger/index.js';
export type { AuditLoggerConfig } from './logger/index.js';
export { AuditLiveFeed, AUDIT_LIVE_FEED_CONSUMER, matchesFilter } from './realtime/index.js';
export type {
  AuditLiveFeedConfig,
  AuditWatch,
  AuditListener,
  AuditLiveInfo,
  AuditFilter,
} from './realtime/index.js';
export { toNdjson, toCsv, toCloudEventsJson, toOcsf, OCSF_VERSION } from './export/index.js';
export type {
  ExportOptions,
  ExportProofs,
  ExportInclusionProof,
  AuditRecordSource,
} from './export/index.js';
export {
  loadOrCreateSigningKey,
  exportPublicKey,
  parsePublicKey,
  verifyCheckpoint,
  verifyRecordProof,
  verifyCheckpointExtends,
  verifyInclusion,
  verifyConsistency,
  SIGNING_KEY_FILE,
} from './integrity/index.js';
export type {
  Checkpoint,
  AuditSigningKey,
  OfflineVerification,
  RecordProof,
} from './integrity/index.js';
