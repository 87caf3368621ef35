import { EVENT_ERROR_CODES, ValidationError } from './errors.js';
import type { ValidationIssue } from './errors.js';
import { DEFAULT_MAX_EVENT_SIZE_BYTES } from './validate-event.js';

/** Wait `delay` ms between attempts. */
export interface FixedRetryStrategy {
  /** Total delivery attempts, the first included. */
  readonly attempts: number;
  readonly backoff: 'fixed';
  readonly delay: number;
}

/** Wait `min(maxDelay, initialDelay * 2^(n-1))` ms after the n-th failed attempt. */
export interface ExponentialRetryStrategy {
  readonly attempts: number;
  readonly backoff: 'exponential';
  readonly initialDelay: number;
  readonly maxDelay: number;
}

export type RetryStrategy = FixedRetryStrategy | ExponentialRetryStrategy;

export interface CircuitBreakerConfig {
  /** Consecutive failed attempts that open the breaker. Default 5. */
  readonly failureThreshold?: number;
  /** How long an open breaker waits before letting one trial delivery through. Default 10 000 ms. */
  readonly cooldownMs?: number;
}

/** A channel's settings; the first three are the spec's, the rest Warden's (with defaults). */
export interface ChannelConfig {
  /** Events the channel may hold for its slowest consumer before producers are throttled. */
  readonly bufferSize: number;
  /** Named consumers; each receives every event, retained from the bus's start. */
  readonly consumers: readonly string[];
  readonly retryStrategy?: RetryStrategy;
  readonly circuitBreaker?: CircuitBreakerConfig;
  /** How long `emit` waits for room before a `BackPressureError`. Default 2 000 ms. */
  readonly emitTimeoutMs?: number;
  /** How long an `idempotencyKey` is remembered. Default 120 000 ms. */
  readonly dedupWindowMs?: number;
}

/** The spec's `EventBusConfig`, plus Warden's optional bus-wide limits. */
export interface EventBusConfig {
  readonly channels: Readonly<Record<string, ChannelConfig>>;
  /** The consumer of every channel created on first use. */
  readonly defaultConsumer: string;
  /** Largest accepted event, as UTF-8 JSON. Default 256 KiB. */
  readonly maxEventSizeBytes?: number;
}

/**
 * The spec's standard configuration (EVENT_ARCHITECTURE.md, "Event Bus Configuration"),
 * used by every Warden subsystem and by `new EventBusService()` without arguments.
 */
export const eventBusConfig: EventBusConfig = deepFreeze({
  channels: {
    security: {
      bufferSize: 1000,
      consumers: ['audit-logger', 'metrics-service', 'alert-service'],
      retryStrategy: { attempts: 3, backoff: 'exponential', initialDelay: 100, maxDelay: 5000 },
    },
    rbac: {
      bufferSize: 500,
      consumers: ['audit-logger', 'permission-cache-invalidator'],
      retryStrategy: { attempts: 2, backoff: 'fixed', delay: 200 },
    },
    audit: {
      bufferSize: 2000,
      consumers: ['audit-storage-service', 'audit-dashboard-realtime'],
      retryStrategy: { attempts: 5, backoff: 'exponential', initialDelay: 100, maxDelay: 10000 },
    },
  },
  defaultConsumer: 'audit-logger',
});

/** Settings of a channel created on first use (the spec's `{ bufferSize: 100 }`). */
export const UNCONFIGURED_CHANNEL_BUFFER_SIZE = 100;
export const DEFAULT_RETRY_STRATEGY: RetryStrategy = Object.freeze({
  attempts: 3,
  backoff: 'exponential',
  initialDelay: 100,
  maxDelay: 5000,
});
export const DEFAULT_FAILURE_THRESHOLD = 5;
export const DEFAULT_COOLDOWN_MS = 10_000;
export const DEFAULT_EMIT_TIMEOUT_MS = 2_000;
export const DEFAULT_DEDUP_WINDOW_MS = 120_000;

/** A channel's config with every default filled in. */
export interface ResolvedChannelConfig {
  readonly name: string;
  readonly bufferSize: number;
  readonly consumers: readonly string[];
  readonly retryStrategy: RetryStrategy;
  readonly failureThreshold: number;
  readonly cooldownMs: number;
  readonly emitTimeoutMs: number;
  readonly dedupWindowMs: number;
}

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const NAME_RULE = '1 to 64 letters, digits, "-" or "_", starting with a letter or digit';

/** True for a valid channel or consumer name (safe as a NATS subject token and a durable name). */
export function isValidName(name: unknown): name is string {
  return typeof name === 'string' && NAME_PATTERN.test(name);
}

/**
 * Validates a bus config and returns a frozen copy.
 * @throws ValidationError `BUS_CONFIG_INVALID` listing every problem by path.
 */
export function parseEventBusConfig(value: unknown): EventBusConfig {
  const issues: ValidationIssue[] = [];
  if (!isRecord(value)) throw configError([{ path: '', reason: 'must be an object' }]);
  if (!isValidName(value['defaultConsumer'])) {
    issues.push({ path: 'defaultConsumer', reason: `must be ${NAME_RULE}` });
  }
  const maxSize = value['maxEventSizeBytes'];
  if (maxSize !== undefined && !isPositiveInteger(maxSize)) {
    issues.push({ path: 'maxEventSizeBytes', reason: 'must be a positive integer' });
  }
  const channels = value['channels'];
  if (!isRecord(channels)) {
    issues.push({ path: 'channels', reason: 'must be an object of channel configs' });
  } else {
    for (const [name, channel] of Object.entries(channels)) {
      const path = `channels.${name}`;
      if (!isValidName(name)) issues.push({ path, reason: `channel name must be ${NAME_RULE}` });
      channelIssues(channel, path, issues);
    }
  }
  if (issues.length > 0) throw configError(issues);
  return deepFreeze(structuredClone(value) as unknown as EventBusConfig);
}

/** Fills a channel's defaults. `config` must already be valid. */
export function resolveChannelConfig(name: string, config: ChannelConfig): ResolvedChannelConfig {
  return Object.freeze({
    name,
    bufferSize: config.bufferSize,
    consumers: Object.freeze([...new Set(config.consumers)]),
    retryStrategy: config.retryStrategy ?? DEFAULT_RETRY_STRATEGY,
    failureThreshold: config.circuitBreaker?.failureThreshold ?? DEFAULT_FAILURE_THRESHOLD,
    cooldownMs: config.circuitBreaker?.cooldownMs ?? DEFAULT_COOLDOWN_MS,
    emitTimeoutMs: config.emitTimeoutMs ?? DEFAULT_EMIT_TIMEOUT_MS,
    dedupWindowMs: config.dedupWindowMs ?? DEFAULT_DEDUP_WINDOW_MS,
  });
}

export function maxEventSizeOf(config: EventBusConfig): number {
  return config.maxEventSizeBytes ?? DEFAULT_MAX_EVENT_SIZE_BYTES;
}

function channelIssues(channel: unknown, path: string, issues: ValidationIssue[]): void {
  if (!isRecord(channel)) {
    issues.push({ path, reason: 'must be an object' });
    return;
  }
  if (!isPositiveInteger(channel['bufferSize'])) {
    issues.push({ path: `${path}.bufferSize`, reason: 'must be a positive integer' });
  }
  const consumers = channel['consumers'];
  if (!Array.isArray(consumers)) {
    issues.push({ path: `${path}.consumers`, reason: 'must be an array of consumer names' });
  } else {
    consumers.forEach((consumer: unknown, i) => {
      if (!isValidName(consumer))
        issues.push({ path: `${path}.consumers.${i}`, reason: `must be ${NAME_RULE}` });
    });
  }
  if (channel['retryStrategy'] !== undefined)
    retryIssues(channel['retryStrategy'], `${path}.retryStrategy`, issues);
  const breaker = channel['circuitBreaker'];
  if (breaker !== undefined) {
    if (!isRecord(breaker))
      issues.push({ path: `${path}.circuitBreaker`, reason: 'must be an object' });
    else {
      optionalPositive(breaker, 'failureThreshold', `${path}.circuitBreaker`, issues, true);
      optionalPositive(breaker, 'cooldownMs', `${path}.circuitBreaker`, issues, false);
    }
  }
  optionalPositive(channel, 'emitTimeoutMs', path, issues, false);
  optionalPositive(channel, 'dedupWindowMs', path, issues, false);
}

function retryIssues(strategy: unknown, path: string, issues: ValidationIssue[]): void {
  if (!isRecord(strategy)) {
    issues.push({ path, reason: 'must be an object' });
    return;
  }
  if (!isPositiveInteger(strategy['attempts'])) {
    issues.push({
      path: `${path}.attempts`,
      reason: 'must be a positive integer (total attempts, the first included)',
    });
  }
  const backoff = strategy['backoff'];
  if (backoff === 'fixed') {
    requireNonNegative(strategy, 'delay', path, issues);
  } else if (backoff === 'exponential') {
    requireNonNegative(strategy, 'initialDelay', path, issues);
    requireNonNegative(strategy, 'maxDelay', path, issues);
  } else {
    issues.push({ path: `${path}.backoff`, reason: 'must be "fixed" or "exponential"' });
  }
}

function requireNonNegative(
  record: Record<string, unknown>,
  key: string,
  path: string,
  issues: ValidationIssue[],
): void {
  const value = record[key];
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    issues.push({
      path: `${path}.${key}`,
      reason: 'must be a non-negative number of milliseconds',
    });
  }
}

function optionalPositive(
  record: Record<string, unknown>,
  key: string,
  path: string,
  issues: ValidationIssue[],
  integer: boolean,
): void {
  const value = record[key];
  if (value === undefined) return;
  const ok = integer
    ? isPositiveInteger(value)
    : typeof value === 'number' && Number.isFinite(value) && value >= 0;
  if (!ok)
    issues.push({
      path: `${path}.${key}`,
      reason: integer ? 'must be a positive integer' : 'must be a non-negative number',
    });
}

function configError(issues: readonly ValidationIssue[]): ValidationError {
  return new ValidationError(
    EVENT_ERROR_CODES.BUS_CONFIG_INVALID,
    'invalid event bus config',
    issues,
  );
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
