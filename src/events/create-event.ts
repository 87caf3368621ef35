import type { Clock } from '../shared/clock.js';
import { systemClock } from '../shared/clock.js';
import { createFastUuidV7Generator, uuidv7 } from '../shared/ids.js';
import type { DomainEvent } from './schema.js';

export interface CreateEventInput<T> {
  readonly type: string;
  readonly source: string;
  readonly data: T;
  /** Defaults to `'1.0'`. */
  readonly dataVersion?: string;
  readonly correlationId?: string;
  readonly metadata?: DomainEvent<T>['metadata'];
  /** Overrides the generated UUIDv7 id. */
  readonly id?: string;
  /** Overrides the current time (RFC 3339). */
  readonly time?: string;
}

export interface EventFactoryConfig {
  readonly clock?: Clock;
}

/**
 * Builds a canonical event, filling `id` with a time-ordered UUIDv7 and `time` with
 * the current instant. The result still goes through validation at `emit`.
 *
 * @example
 * await bus.emit('security', createEvent({ type: 'auth.login_succeeded', source: 'auth', data: { userId } }));
 */
export function createEvent<T>(input: CreateEventInput<T>): DomainEvent<T> {
  return buildEvent(input, uuidv7, systemClock);
}

/** A `createEvent` bound to a clock, for deterministic tests. */
export function createEventFactory(
  config: EventFactoryConfig = {},
): <T>(input: CreateEventInput<T>) => DomainEvent<T> {
  const clock = config.clock ?? systemClock;
  const nextId = createFastUuidV7Generator(clock);
  return (input) => buildEvent(input, nextId, clock);
}

function buildEvent<T>(
  input: CreateEventInput<T>,
  nextId: () => string,
  clock: Clock,
): DomainEvent<T> {
  const event: DomainEvent<T> = {
    id: input.id ?? nextId(),
    type: input.type,
    source: input.source,
    time: input.time ?? isoTime(clock.now()),
    dataVersion: input.dataVersion ?? '1.0',
    data: input.data,
  };
  if (input.correlationId !== undefined) event.correlationId = input.correlationId;
  if (input.metadata !== undefined) event.metadata = input.metadata;
  return event;
}

let lastTimeMs = Number.NaN;
let lastTime = '';

/** `new Date(ms).toISOString()`, remembered for the last millisecond (events come in bursts). */
function isoTime(ms: number): string {
  if (ms !== lastTimeMs) {
    lastTime = new Date(ms).toISOString();
    lastTimeMs = ms;
  }
  return lastTime;
}
