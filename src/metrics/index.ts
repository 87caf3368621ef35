// Application-facing API.
export { createMetrics, WardenMetrics } from './warden-metrics.js';
export type { MetricsConfig } from './warden-metrics.js';
export type { BusHealthSource } from './bus-health-metrics.js';
export { BREAKER_STATE_VALUES } from './bus-health-metrics.js';
export { BUS_LATENCY_BUCKETS_SECONDS } from './bus-metrics.js';
export { RBAC_DURATION_BUCKETS_SECONDS } from './rbac-metrics.js';
export { AUDIT_LAG_BUCKETS_SECONDS } from './audit-metrics.js';
export type {
  AuditMetricsObserver,
  AuditAppendObservation,
  AuditVerifyObservation,
} from './audit-metrics.js';
export { METRICS_SERVICE_CONSUMER, LOGIN_FAILURE_REASON_LABELS } from './security-metrics.js';
export type { SecurityEventSource } from './security-metrics.js';
export { ANONYMOUS_CONSUMER_LABEL, OVERFLOW_LABEL } from './label-budget.js';
export { MetricsError, METRICS_ERROR_CODES } from './errors.js';
export type { MetricsErrorCode } from './errors.js';
