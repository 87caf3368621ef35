import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EventBusService } from '../../bus.js';
import type { ChannelConfig } from '../../config.js';
import { createEventFactory } from '../../create-event.js';
import type { BusObservation } from '../../observer.js';
import type { TestEvent } from '../conformance-harness.js';
import { EventLogError } from '../errors.js';
import { NatsEventLog } from './nats-event-log.js';
import type { NatsEventLogConfig } from './nats-event-log.js';
import { startNatsServer } from './nats-test-server.js';
import type { NatsTestServer } from './nats-test-server.js';

let server: NatsTestServer;
beforeAll(async () => {
  server = await startNatsServer();
});
afterAll(async () => {
  await server.dispose();
});

const buses: EventBusService[] = [];
afterEach(async () => {
  await Promise.all(buses.splice(0).map((bus) => bus.close({ timeoutMs: 1_000 })));
});

const makeEvent = createEventFactory();
const event = (n: number, tenant = 'acme'): TestEvent =>
  makeEvent({
    type: 'test.happened',
    source: 'nats-faults',
    data: { n },
    metadata: { tenantId: tenant },
    id: `e-${n}`,
  }) as TestEvent;

async function openBus(
  prefix: string,
  channels: Record<string, ChannelConfig>,
  config: Partial<NatsEventLogConfig> = {},
  observer?: (o: BusObservation) => void,
): Promise<EventBusService> {
  const log = new NatsEventLog({ servers: [server.url], prefix, ...config });
  const bus = new EventBusService(
    { channels, defaultConsumer: 'audit-logger' },
    { log, ...(observer === undefined ? {} : { observer }) },
  );
  buses.push(bus);
  await bus.ready();
  return bus;
}

async function until(predicate: () => boolean, what: string, limitMs = 20_000): Promise<void> {
  const giveUpAt = Date.now() + limitMs;
  while (Date.now() < giveUpAt) {
    if (predicate()) return;
    await new Promise<void>((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`gave up waiting for ${what}`);
}

const prefix = () => `f${randomBytes(4).toString('hex')}`;

describe('NATS log across processes', () => {
  it('shares a named consumer between two instances and gives every anonymous subscription every event', async () => {
    const p = prefix();
    const channels = { jobs: { bufferSize: 1000, consumers: ['worker'] } };
    const [a, b] = [
      await openBus(p, channels, { prefetch: 4 }),
      await openBus(p, channels, { prefetch: 4 }),
    ];
    const handled = { a: [] as number[], b: [] as number[] };
    const seen = { a: [] as number[], b: [] as number[] };
    const slowly = (list: number[]) => async (e: TestEvent) => {
      await new Promise<void>((resolve) => setImmediate(resolve));
      list.push(e.data.n);
    };
    a.subscribe('jobs', slowly(handled.a), { consumer: 'worker' });
    b.subscribe('jobs', slowly(handled.b), { consumer: 'worker' });
    await a.subscribe('jobs', async (e: TestEvent) => void seen.a.push(e.data.n)).ready;
    await b.subscribe('jobs', async (e: TestEvent) => void seen.b.push(e.data.n)).ready;

    for (let n = 0; n < 400; n++) await a.emit('jobs', event(n));
    await until(
      () =>
        handled.a.length + handled.b.length >= 400 &&
        seen.a.length === 400 &&
        seen.b.length === 400,
      'every delivery',
    );

    const all = [...handled.a, ...handled.b].sort((x, y) => x - y);
    expect(all).toEqual(Array.from({ length: 400 }, (_, n) => n)); // each job handled once
    expect(handled.a.length).toBeGreaterThan(0);
    expect(handled.b.length).toBeGreaterThan(0);
    expect(seen.a).toHaveLength(400);
    expect(seen.b).toHaveLength(400);
  });
});

describe('NATS log faults', () => {
  it('fails at start with LOG_UNREACHABLE naming the server when nothing listens', async () => {
    const log = new NatsEventLog({ servers: ['nats://127.0.0.1:1'], connectTimeoutMs: 500 });
    const bus = new EventBusService({ channels: {}, defaultConsumer: 'audit-logger' }, { log });
    const error = await bus.ready().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(EventLogError);
    expect(error).toMatchObject({ code: 'LOG_UNREACHABLE', category: 'unavailable' });
    expect((error as Error).message).toContain('nats://127.0.0.1:1');
    await expect(bus.emit('x', event(0))).rejects.toMatchObject({ code: 'LOG_UNREACHABLE' });
    await bus.close();
  });

  it('surfaces a publish the server never confirms as LOG_PUBLISH_TIMEOUT', async () => {
    const bus = await openBus(
      prefix(),
      { c: { bufferSize: 10, consumers: ['x'] } },
      { publishTimeoutMs: 300 },
    );
    await server.stop();
    try {
      await expect(bus.emit('c', event(1))).rejects.toMatchObject({ code: 'LOG_PUBLISH_TIMEOUT' });
    } finally {
      await server.start();
    }
  });

  it('loses no acknowledged event when nats-server is killed and restarted mid-run', async () => {
    const observations: BusObservation[] = [];
    const consumers = ['audit', 'metrics', 'alerts'];
    const bus = await openBus(
      prefix(),
      { faults: { bufferSize: 2000, consumers } },
      { publishTimeoutMs: 2_000 },
      (o) => {
        if (o.kind === 'log_status') observations.push(o);
      },
    );
    const received = new Map(consumers.map((c) => [c, new Set<number>()]));
    for (const consumer of consumers) {
      bus.subscribe('faults', async (e: TestEvent) => void received.get(consumer)?.add(e.data.n), {
        consumer,
      });
    }
    const total = 20_000;
    const acknowledged = new Set<number>();
    let restarted = false;
    const producer = (async () => {
      for (let n = 0; n < total; n++) {
        // Retry a failed emit with the same idempotency key: the server dedupes what it already stored.
        for (;;) {
          try {
            await bus.emitWithGuarantee('faults', event(n), { idempotencyKey: `e-${n}` });
            acknowledged.add(n);
            break;
          } catch (error) {
            expect((error as EventLogError).code).toMatch(/^LOG_(PUBLISH_TIMEOUT|UNREACHABLE)$/);
            await new Promise<void>((resolve) => setTimeout(resolve, 50));
          }
        }
        if (n === total / 2) {
          await server.restart({ hard: true });
          restarted = true;
        }
      }
    })();
    await producer;
    expect(restarted).toBe(true);
    await until(
      () => consumers.every((c) => [...acknowledged].every((n) => received.get(c)?.has(n))),
      'every acknowledged event at every consumer',
      60_000,
    );
    expect(acknowledged.size).toBe(total);
    expect(observations.map((o) => (o.kind === 'log_status' ? o.status : ''))).toEqual(
      expect.arrayContaining(['disconnected', 'reconnected']),
    );
    expect((await bus.health()).logStatus).toBe('reconnected');
  }, 120_000);
});
