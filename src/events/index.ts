// Application-facing API.
export { EventBusService, SYSTEM_CHANNEL } from './bus.js';
export type { EventEmitter, EventConsumer, EventBusOptions, CloseOptions } from './bus.js';
export type { BaseEvent, DomainEvent, MultiTenantEvent, Priority } from './schema.js';
export { PRIORITIES, tenantOf } from './schema.js';
export { createEvent, createEventFactory } from './create-event.js';
export type { CreateEventInput, EventFactoryConfig } from './create-event.js';
export {
  validateEvent,
  eventIssues,
  isRfc3339,
  DEFAULT_MAX_EVENT_SIZE_BYTES,
} from './validate-event.js';
export type { ValidatedEvent } from './validate-event.js';
export { toCloudEvent, fromCloudEvent, cloudEventExtensionNames } from './cloudevents.js';
export type { CloudEvent } from './cloudevents.js';
export { eventBusConfig, parseEventBusConfig, isValidName } from './config.js';
export type {
  EventBusConfig,
  ChannelConfig,
  RetryStrategy,
  FixedRetryStrategy,
  ExponentialRetryStrategy,
  CircuitBreakerConfig,
} from './config.js';
export type {
  EmitOptions,
  SubscribeOptions,
  BatchSubscribeOptions,
  Subscription,
} from './subscribe-options.js';
export {
  ValidationError,
  BackPressureError,
  BusClosedError,
  PermanentFailure,
  RetryAfter,
  EVENT_ERROR_CODES,
} from './errors.js';
export type { ValidationIssue } from './errors.js';
export { DEAD_LETTER_REASONS } from './dead-letters.js';
export type {
  DeadLetter,
  DeadLetterQuery,
  DeadLetterReason,
  ReplayResult,
} from './dead-letters.js';
export type {
  BusObservation,
  BusObserver,
  BusHealth,
  ChannelHealth,
  ConsumerHealth,
  ConsumerCounters,
} from './observer.js';
export type { BreakerState } from './circuit-breaker.js';
export { retryDelayMs } from './retry-policy.js';

// ---- For log backend authors ----
export { MemoryEventLog } from './log/memory/memory-event-log.js';
export { SqliteEventLog } from './log/sqlite/sqlite-event-log.js';
export type { SqliteEventLogConfig } from './log/sqlite/sqlite-event-log.js';
export { NatsEventLog } from './log/nats/nats-event-log.js';
export { createEventLog, EVENT_LOG_DRIVERS } from './log/create-event-log.js';
export type { EventLogConfig } from './log/create-event-log.js';
export type { NatsEventLogConfig } from './log/nats/nats-event-log.js';
export type { RetentionConfig } from './log/sqlite/sqlite-retention.js';
export { EventLogError, LOG_ERROR_CODES } from './log/errors.js';
export type { LogErrorCode } from './log/errors.js';
export type { MemoryEventLogConfig } from './log/memory/memory-event-log.js';
export { DURABILITIES, LOG_STATUSES } from './log/contract.js';
export type {
  EventLog,
  ChannelLog,
  LogCursor,
  LogEntry,
  DeadLetterLog,
  AppendRequest,
  AppendOptions,
  AppendOutcome,
  ChannelSpec,
  ConsumerRef,
  Durability,
  MaybePromise,
  LogStatus,
  LogStatusKind,
} from './log/contract.js';
