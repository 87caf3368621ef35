import { expect } from 'vitest';
import type { Clock } from '../../shared/clock.js';
import { FakeClock } from '../../shared/fake-clock.js';
import { EventBusService } from '../bus.js';
import type { ChannelConfig, EventBusConfig } from '../config.js';
import { createEventFactory } from '../create-event.js';
import type { BaseEvent, DomainEvent, Priority } from '../schema.js';
import type { EventLog } from './contract.js';

/** Makes a fresh, empty log for one test; `dispose` removes whatever it left behind. */
/** What a backend can and cannot do; the suite picks the tests that apply (each choice says why). */
export interface LogCapabilities {
  /** Whether the log keeps its backlog off the heap (`EventLog.supportsOffHeapBacklog`); picks the back-pressure tests. */
  readonly offHeapBacklog: boolean;
  /** Whether the idempotency window runs on the server's clock rather than the injected one. */
  readonly realTimeDedupWindow?: boolean;
  /** Runs of the random-failure property (default 40); a remote log provisions a channel per run. */
  readonly propertyRuns?: number;
}

export interface EventLogFactory extends LogCapabilities {
  readonly name: string;
  create(clock: Clock): EventLog | Promise<EventLog>;
  dispose?(): Promise<void>;
}

export interface TestEvent extends DomainEvent<{ n: number }> {
  metadata: { tenantId: string };
}

/** A bus on a fresh log and fake clock, with helpers the suite shares. */
export interface Harness {
  readonly bus: EventBusService;
  readonly clock: FakeClock;
  readonly channel: string;
  event(n: number, tenant?: string): TestEvent;
  /** Waits, in event-loop turns (never wall time), until `predicate` holds. */
  until(predicate: () => boolean, what: string): Promise<void>;
}

export async function createHarness(
  factory: EventLogFactory,
  channel: ChannelConfig,
  extra: Partial<EventBusConfig> = {},
): Promise<Harness> {
  const clock = new FakeClock();
  const name = `ch-${Math.random().toString(36).slice(2, 10)}`;
  const log = await factory.create(clock);
  const bus = new EventBusService(
    { channels: { [name]: channel }, defaultConsumer: 'audit-logger', ...extra },
    { log, clock },
  );
  await bus.ready();
  const makeEvent = createEventFactory({ clock });
  return {
    bus,
    clock,
    channel: name,
    event: (n, tenant = 'tenant-a') =>
      makeEvent({
        type: 'test.happened',
        source: 'conformance',
        data: { n },
        metadata: { tenantId: tenant },
      }) as TestEvent,
    until: async (predicate, what) => {
      // Event-loop turns, bounded in wall time only as a safety net (a remote log answers in ms).
      const giveUpAt = Date.now() + UNTIL_LIMIT_MS;
      while (Date.now() < giveUpAt) {
        if (predicate()) return;
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      throw new Error(`gave up waiting for ${what}`);
    },
  };
}

const UNTIL_LIMIT_MS = 10_000;

/** Makes a harness whose bus is closed after the test. */
export type HarnessMaker = (
  channel: ChannelConfig,
  extra?: Partial<EventBusConfig>,
) => Promise<Harness>;

export const numbers = (events: readonly BaseEvent[]) => events.map((e) => (e as TestEvent).data.n);
export const range = (count: number) => Array.from({ length: count }, (_, i) => i);
export const noRetry = { attempts: 1, backoff: 'fixed', delay: 0 } as const;

export async function expectFull(
  h: Harness,
  emit: Promise<void>,
  priority: Priority,
): Promise<void> {
  const outcome = emit.then(
    () => undefined,
    (error: unknown) => error,
  );
  await h.clock.advanceAsync(100);
  expect(await outcome).toMatchObject({ code: 'BUS_BUFFER_FULL', details: { priority } });
}
