export { AuditLogger, AUDITED_CHANNELS } from './audit-logger.js';
export type { AuditLoggerBus, AuditLoggerConfig, TruncatedPayload } from './audit-logger.js';
export { normaliseEvent, UNREADABLE_PAYLOAD } from './normalise.js';
export { redactSecrets, isSecretFieldName, REDACTED } from './redact.js';
export {
  AUDIT_CHANNEL,
  AUDIT_RECORD_EVENT_TYPE,
  AUDIT_LOGGER_NAME,
  toAuditEvent,
  auditRecordOf,
  isAuditRecord,
} from './audit-event.js';
export type { AuditRecordEvent } from './audit-event.js';
export { KNOWN_AUDIT_TYPES } from './known-types.js';
