// Application-facing API.
export { AlertService, ADMIN_PERMISSIONS } from './alert-service.js';
export type { AlertServiceConfig, AdminRoleLookup, RoleAssignmentFacts } from './alert-service.js';
export { defaultAlertRules } from './default-rules.js';
export { SEVERITIES, CONDITION_OPS, RULE_KINDS, MAX_THRESHOLD, MAX_WINDOW_MS } from './rules.js';
export { parseRules, isValidPath } from './parse-rules.js';
export type {
  AlertRule,
  ThresholdRule,
  SequenceRule,
  SequenceStep,
  EventMatch,
  FieldCondition,
  ConditionOp,
  Scalar,
  Severity,
  ParsedRule,
} from './rules.js';
export {
  createWebhookNotifier,
  createLogNotifier,
  webhookSignature,
  verifyWebhookSignature,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
} from './notifiers.js';
export type { AlertNotifier, WebhookNotifierConfig } from './notifiers.js';
export { ALERT_STATUSES } from './alert-store.js';
export type { AlertQuery, AlertPage, AlertStatus, StoredAlert } from './alert-store.js';
export type { RaisedAlert, AlertEngineStats } from './alert-engine.js';
export {
  withAlertChannels,
  alertDeliveryChannel,
  notifierConsumer,
  ALERT_SERVICE_CONSUMER,
  ALERT_SOURCE_CHANNELS,
  ALERT_OUTPUT_CHANNEL,
  ALERT_DELIVERY_CHANNEL,
} from './alert-channels.js';
export { AlertError, ALERT_ERROR_CODES, ALERT_ERROR_CATEGORIES } from './errors.js';
export type { AlertErrorCode, AlertIssue } from './errors.js';

// ---- Building blocks (engine without the bus, store without the service) ----
export { AlertEngine, MAX_ALERT_EVENT_IDS, DEFAULT_MAX_GROUPS_PER_RULE } from './alert-engine.js';
export type { AlertEngineConfig, EvaluatedEvent } from './alert-engine.js';
export { AlertStore } from './alert-store.js';
export { alertMigrations } from './alert-tables.js';
export type { AlertTables } from './alert-tables.js';
export { parseRaisedAlert } from './alert-event.js';
