import { invalidOptions } from './errors.js';
import type { ValidationIssue } from './errors.js';
import { isValidName } from './config.js';
import { PRIORITIES } from './schema.js';
import type { BaseEvent, Priority } from './schema.js';

/** The spec's `emitWithGuarantee` options. */
export interface EmitOptions {
  /** Default `normal`. */
  priority?: 'high' | 'normal' | 'low';
  /** A repeat of this key on the channel within its dedup window is accepted and not delivered again. */
  idempotencyKey?: string;
  /** Past this instant the event is dead-lettered (`deadline_exceeded`) instead of delivered. */
  deliveryDeadline?: Date;
}

/** The spec's `subscribe` options, plus Warden's consumer name and ordering key. */
export interface SubscribeOptions<T extends BaseEvent = BaseEvent> {
  /** Events for which this returns false are acknowledged without calling the handler. */
  filter?: (event: T) => boolean;
  /** Prefetch: events taken from the log ahead of the handler. Default: the channel's bufferSize, at most 256. */
  batchSize?: number;
  /** Ordering keys delivered in parallel. Default 1 (total order). */
  maxConcurrency?: number;
  /** Named consumer: own cursor, every event, at least once. Omitted: anonymous, events from now on. */
  consumer?: string;
  /** Partitions events for `maxConcurrency` > 1; order holds within a key. Default: the tenant id. */
  orderingKey?: (event: T) => string;
}

/** Options of a batch subscription: `batchSize` is also the largest batch. */
export type BatchSubscribeOptions<T extends BaseEvent = BaseEvent> = SubscribeOptions<T>;

/** A live subscription, returned by `subscribe`. */
export interface Subscription {
  readonly id: string;
  readonly channel: string;
  /** The consumer name (anonymous ones are `~anonymous-<n>`). */
  readonly consumer: string;
  readonly kind: 'named' | 'anonymous';
  /**
   * Resolves once the subscription is attached to the log (at once for the memory and SQLite
   * logs; after provisioning on JetStream); an anonymous subscription receives events appended
   * from then on. Rejects if the log could not open the consumer.
   */
  readonly ready: Promise<void>;
  /** Same as `bus.unsubscribe(this)`. */
  unsubscribe(): void;
}

export interface ParsedEmitOptions {
  readonly priority: Priority;
  readonly idempotencyKey?: string;
  readonly deadline?: number;
}

export interface ParsedSubscribeOptions {
  readonly filter: ((event: BaseEvent) => boolean) | undefined;
  readonly batchSize: number;
  readonly maxConcurrency: number;
  readonly consumer: string | undefined;
  readonly orderingKey: ((event: BaseEvent) => string) | undefined;
}

const NORMAL: ParsedEmitOptions = Object.freeze({ priority: 'normal' });
const MAX_IDEMPOTENCY_KEY_LENGTH = 256;
export const MAX_DEFAULT_BATCH_SIZE = 256;

/** @throws ValidationError `BUS_OPTIONS_INVALID` */
export function parseEmitOptions(value: unknown): ParsedEmitOptions {
  if (value === undefined) return NORMAL;
  const issues: ValidationIssue[] = [];
  if (typeof value !== 'object' || value === null)
    throw invalidOptions('invalid emit options', [{ path: '', reason: 'must be an object' }]);
  const {
    priority = 'normal',
    idempotencyKey,
    deliveryDeadline,
  } = value as Record<string, unknown>;
  if (!PRIORITIES.includes(priority as Priority))
    issues.push({ path: 'priority', reason: 'must be "high", "normal" or "low"' });
  if (
    idempotencyKey !== undefined &&
    (typeof idempotencyKey !== 'string' ||
      idempotencyKey.length === 0 ||
      idempotencyKey.length > MAX_IDEMPOTENCY_KEY_LENGTH)
  ) {
    issues.push({
      path: 'idempotencyKey',
      reason: `must be a string of 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`,
    });
  }
  if (
    deliveryDeadline !== undefined &&
    !(deliveryDeadline instanceof Date && !Number.isNaN(deliveryDeadline.getTime()))
  ) {
    issues.push({ path: 'deliveryDeadline', reason: 'must be a valid Date' });
  }
  if (issues.length > 0) throw invalidOptions('invalid emit options', issues);
  return {
    priority: priority as Priority,
    ...(idempotencyKey === undefined ? {} : { idempotencyKey: idempotencyKey as string }),
    ...(deliveryDeadline === undefined ? {} : { deadline: (deliveryDeadline as Date).getTime() }),
  };
}

/** @throws ValidationError `BUS_OPTIONS_INVALID` */
export function parseSubscribeOptions(value: unknown, bufferSize: number): ParsedSubscribeOptions {
  const raw = (value ?? {}) as Record<string, unknown>;
  const issues: ValidationIssue[] = [];
  if (typeof raw !== 'object')
    throw invalidOptions('invalid subscribe options', [{ path: '', reason: 'must be an object' }]);
  const { filter, batchSize, maxConcurrency, consumer, orderingKey } = raw;
  if (filter !== undefined && typeof filter !== 'function')
    issues.push({ path: 'filter', reason: 'must be a function' });
  if (orderingKey !== undefined && typeof orderingKey !== 'function')
    issues.push({ path: 'orderingKey', reason: 'must be a function' });
  if (batchSize !== undefined && !isPositiveInteger(batchSize))
    issues.push({ path: 'batchSize', reason: 'must be a positive integer' });
  if (maxConcurrency !== undefined && !isPositiveInteger(maxConcurrency)) {
    issues.push({ path: 'maxConcurrency', reason: 'must be a positive integer' });
  }
  if (consumer !== undefined && !isValidName(consumer)) {
    issues.push({
      path: 'consumer',
      reason: 'must be 1 to 64 letters, digits, "-" or "_", starting with a letter or digit',
    });
  }
  if (issues.length > 0) throw invalidOptions('invalid subscribe options', issues);
  return {
    filter: filter as ((event: BaseEvent) => boolean) | undefined,
    batchSize: (batchSize as number | undefined) ?? Math.min(bufferSize, MAX_DEFAULT_BATCH_SIZE),
    maxConcurrency: (maxConcurrency as number | undefined) ?? 1,
    consumer: consumer as string | undefined,
    orderingKey: orderingKey as ((event: BaseEvent) => string) | undefined,
  };
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0;
}
