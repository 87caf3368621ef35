import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createEventFactory,
  EventBusService,
  MemoryEventLog,
  PermanentFailure,
} from '../../src/events/index.js';
import type { BaseEvent, DomainEvent, EventBusConfig } from '../../src/events/index.js';
import { FakeClock, settle } from '../../src/events/testing.js';
import { createMetrics } from '../../src/metrics/index.js';
import type { WardenMetrics } from '../../src/metrics/index.js';
import { bucketsOf, parseExposition, series, valueOf } from './exposition.js';
import type { Exposition } from './exposition.js';

const buses: EventBusService[] = [];
afterEach(async () => {
  for (const bus of buses.splice(0)) await bus.close({ timeoutMs: 10 });
});

const name = (prefix: string): string => `${prefix}-${randomUUID().slice(0, 8)}`;

function setup(channels: EventBusConfig['channels'], metrics = createMetrics()) {
  const clock = new FakeClock();
  const bus = new EventBusService(
    { channels, defaultConsumer: 'audit-logger' },
    { log: new MemoryEventLog({ clock }), clock, observer: metrics.busObserver() },
  );
  buses.push(bus);
  metrics.trackBusHealth(bus);
  const makeEvent = createEventFactory({ clock });
  const tenant = name('tenant');
  const event = (n: number, tenantId = tenant) =>
    makeEvent({
      type: 'test.happened',
      source: 'metrics-test',
      data: { n },
      metadata: { tenantId },
    });
  return { bus, clock, metrics, event };
}

const nOf = (e: BaseEvent): number => (e as DomainEvent<{ n: number }>).data.n;

async function scrape(metrics: WardenMetrics): Promise<Exposition> {
  return parseExposition(await metrics.metrics());
}

describe('bus metrics', () => {
  it('counts emits, deliveries, failures, retries and dead letters per channel and consumer', async () => {
    const channel = name('orders');
    const { bus, clock, metrics, event } = setup({
      [channel]: {
        bufferSize: 100,
        consumers: ['ok', 'flaky'],
        retryStrategy: { attempts: 3, backoff: 'fixed', delay: 100 },
        circuitBreaker: { failureThreshold: 100 },
      },
    });
    bus.subscribe(channel, () => Promise.resolve(), { consumer: 'ok' });
    bus.subscribe(
      channel,
      (e: BaseEvent) => {
        if (nOf(e) === 2) return Promise.reject(new Error('always fails'));
        if (nOf(e) === 3) return Promise.reject(new PermanentFailure('poison'));
        return Promise.resolve();
      },
      { consumer: 'flaky' },
    );
    for (const n of [1, 2, 3, 4, 5]) await bus.emit(channel, event(n));
    await settle();
    await clock.advanceAsync(100);
    await clock.advanceAsync(100);
    await bus.drain();
    await bus.emitWithGuarantee(channel, event(6), { idempotencyKey: 'k' });
    await bus.emitWithGuarantee(channel, event(6), { idempotencyKey: 'k' });
    await expect(bus.emit(channel, { id: 'x' } as unknown as BaseEvent)).rejects.toThrow();
    await bus.drain();

    const m = await scrape(metrics);
    const ok = { channel, consumer: 'ok' };
    const flaky = { channel, consumer: 'flaky' };
    expect(valueOf(m, 'warden_bus_events_emitted_total', { channel })).toBe(6);
    expect(valueOf(m, 'warden_bus_events_deduplicated_total', { channel })).toBe(1);
    expect(valueOf(m, 'warden_bus_emits_rejected_total', { channel, code: 'EVENT_INVALID' })).toBe(
      1,
    );
    expect(valueOf(m, 'warden_bus_events_delivered_total', ok)).toBe(6);
    expect(valueOf(m, 'warden_bus_events_delivered_total', flaky)).toBe(4);
    expect(valueOf(m, 'warden_bus_events_failed_total', ok)).toBe(0);
    expect(valueOf(m, 'warden_bus_events_failed_total', flaky)).toBe(3);
    expect(valueOf(m, 'warden_bus_events_retried_total', flaky)).toBe(2);
    const dead = 'warden_bus_events_dead_lettered_total';
    expect(valueOf(m, dead, { ...flaky, reason: 'attempts_exhausted' })).toBe(1);
    expect(valueOf(m, dead, { ...flaky, reason: 'permanent_failure' })).toBe(1);
    expect(valueOf(m, dead, { ...flaky, reason: 'deadline_exceeded' })).toBe(0);
    expect(valueOf(m, dead, { ...ok, reason: 'attempts_exhausted' })).toBe(0);
    // Both dead letters were announced on `system`, which nobody consumes here.
    expect(valueOf(m, 'warden_bus_events_emitted_total', { channel: 'system' })).toBe(2);
    expect(
      valueOf(m, 'warden_bus_consumer_lag_events', { channel: 'system', consumer: 'audit-logger' }),
    ).toBe(2);
    expect(valueOf(m, 'warden_bus_dead_letters', { channel })).toBe(2);
    expect(valueOf(m, 'warden_bus_consumer_lag_events', flaky)).toBe(0);
  });

  it('histograms delivery latency per consumer, from append to acknowledgement', async () => {
    const channel = name('orders');
    const { bus, clock, metrics, event } = setup({
      [channel]: {
        bufferSize: 100,
        consumers: ['ok', 'slow'],
        retryStrategy: { attempts: 3, backoff: 'fixed', delay: 100 },
      },
    });
    bus.subscribe(channel, () => Promise.resolve(), { consumer: 'ok' });
    let failures = 0;
    bus.subscribe(
      channel,
      (e: BaseEvent) =>
        nOf(e) === 1 && failures++ < 2 ? Promise.reject(new Error('not yet')) : Promise.resolve(),
      { consumer: 'slow' },
    );
    for (const n of [1, 2, 3]) await bus.emit(channel, event(n));
    await settle();
    await clock.advanceAsync(100);
    await clock.advanceAsync(100);
    await bus.drain();

    const m = await scrape(metrics);
    const name_ = 'warden_bus_delivery_latency_seconds';
    const ok = bucketsOf(m, name_, { channel, consumer: 'ok' });
    expect(ok['0.0001']).toBe(3);
    expect(ok['+Inf']).toBe(3);
    // The first event waited two retry delays; the two behind it (same tenant) waited with it.
    const slow = bucketsOf(m, name_, { channel, consumer: 'slow' });
    expect(slow['0.1']).toBe(0);
    expect(slow['0.25']).toBe(3);
    expect(valueOf(m, `${name_}_count`, { channel, consumer: 'slow' })).toBe(3);
    expect(valueOf(m, `${name_}_sum`, { channel, consumer: 'slow' })).toBeCloseTo(0.6, 9);
  });

  it('reports lag, in-flight and an open breaker from health at scrape time', async () => {
    const broken = name('broken');
    const busy = name('busy');
    const { bus, clock, metrics, event } = setup({
      [broken]: {
        bufferSize: 100,
        consumers: ['down'],
        retryStrategy: { attempts: 5, backoff: 'fixed', delay: 100 },
        circuitBreaker: { failureThreshold: 2, cooldownMs: 1000 },
      },
      [busy]: { bufferSize: 100, consumers: ['worker'] },
    });
    bus.subscribe(broken, () => Promise.reject(new Error('down')), { consumer: 'down' });
    let release = (): void => undefined;
    let calls = 0;
    bus.subscribe(
      busy,
      () =>
        calls++ === 0 ? new Promise<void>((resolve) => (release = resolve)) : Promise.resolve(),
      { consumer: 'worker' },
    );
    await bus.emit(broken, event(1));
    await bus.emit(broken, event(2));
    for (const n of [1, 2, 3]) await bus.emit(busy, event(n));
    await settle();
    await clock.advanceAsync(100);

    const down = { channel: broken, consumer: 'down' };
    const worker = { channel: busy, consumer: 'worker' };
    let m = await scrape(metrics);
    expect(valueOf(m, 'warden_bus_breaker_state', down)).toBe(2);
    expect(valueOf(m, 'warden_bus_breaker_transitions_total', { ...down, to: 'open' })).toBe(1);
    expect(valueOf(m, 'warden_bus_events_failed_total', down)).toBe(2);
    expect(valueOf(m, 'warden_bus_events_retried_total', down)).toBe(1);
    expect(valueOf(m, 'warden_bus_consumer_lag_events', down)).toBe(2);
    expect(valueOf(m, 'warden_bus_consumer_in_flight', down)).toBe(0);
    expect(valueOf(m, 'warden_bus_consumer_lag_events', worker)).toBe(3);
    expect(valueOf(m, 'warden_bus_consumer_in_flight', worker)).toBe(1);
    expect(valueOf(m, 'warden_bus_breaker_state', worker)).toBe(0);
    expect(valueOf(m, 'warden_bus_log_connected')).toBe(1);

    await clock.advanceAsync(1000); // the cooldown: one trial, which fails and reopens
    m = await scrape(metrics);
    expect(valueOf(m, 'warden_bus_breaker_transitions_total', { ...down, to: 'half_open' })).toBe(
      1,
    );
    expect(valueOf(m, 'warden_bus_breaker_transitions_total', { ...down, to: 'open' })).toBe(2);
    expect(valueOf(m, 'warden_bus_breaker_state', down)).toBe(2);
    release();
    await settle(); // not drain(): `down` never drains while its breaker is open
    m = await scrape(metrics);
    expect(valueOf(m, 'warden_bus_consumer_lag_events', worker)).toBe(0);
    expect(valueOf(m, 'warden_bus_consumer_in_flight', worker)).toBe(0);
  });

  it('folds anonymous subscriptions into one consumer label', async () => {
    const channel = name('feed');
    const { bus, metrics, event } = setup({ [channel]: { bufferSize: 100, consumers: [] } });
    for (let i = 0; i < 3; i++) bus.subscribe(channel, () => Promise.resolve());
    for (const n of [1, 2]) await bus.emit(channel, event(n));
    await bus.drain();

    const m = await scrape(metrics);
    const anonymous = { channel, consumer: '~anonymous' };
    expect(valueOf(m, 'warden_bus_events_delivered_total', anonymous)).toBe(6);
    expect(valueOf(m, 'warden_bus_consumer_lag_events', anonymous)).toBe(0);
    expect(series(m, 'warden_bus_events_delivered_total', { channel })).toHaveLength(1);
  });

  it("keeps label cardinality bounded with 1,000 tenants' events", async () => {
    const channel = name('busy');
    const { bus, metrics, event } = setup({ [channel]: { bufferSize: 5000, consumers: ['c'] } });
    bus.subscribe(channel, () => Promise.resolve(), { consumer: 'c' });
    await bus.emit(channel, event(0));
    await bus.drain();
    const wardenLines = (text: string) => text.split('\n').filter((l) => l.startsWith('warden_'));
    const before = wardenLines(await metrics.metrics());
    const tenants = Array.from({ length: 1000 }, (_, i) => `tenant-${String(i)}-${randomUUID()}`);
    for (const [i, tenant] of tenants.entries()) await bus.emit(channel, event(i, tenant));
    await bus.drain();

    const text = await metrics.metrics();
    const m = parseExposition(text);
    expect(valueOf(m, 'warden_bus_events_delivered_total', { channel, consumer: 'c' })).toBe(1001);
    expect(wardenLines(text)).toHaveLength(before.length);
    expect(new Set(m.samples.flatMap((s) => Object.values(s.labels)))).not.toContain(tenants[0]);
    expect(tenants.some((tenant) => text.includes(tenant))).toBe(false);
  });

  it('labels channels and consumers past the caps as _other', async () => {
    const metrics = createMetrics({
      maxChannels: 2,
      maxConsumersPerChannel: 1,
      defaultMetrics: false,
    });
    const [a, b, c, d] = [name('a'), name('b'), name('c'), name('d')];
    const { bus, event } = setup(
      {
        [a]: { bufferSize: 10, consumers: ['x', 'y'] },
        [b]: { bufferSize: 10, consumers: [] },
        [c]: { bufferSize: 10, consumers: [] },
        [d]: { bufferSize: 10, consumers: [] },
      },
      metrics,
    );
    bus.subscribe(a, () => Promise.resolve(), { consumer: 'x' });
    bus.subscribe(a, () => Promise.resolve(), { consumer: 'y' });
    for (const ch of [a, b, c, d]) await bus.emit(ch, event(1));
    await bus.drain();

    const m = await scrape(metrics);
    const emitted = series(m, 'warden_bus_events_emitted_total').map((s) => s.labels['channel']);
    expect(emitted.sort()).toEqual([a, b, '_other'].sort());
    expect(valueOf(m, 'warden_bus_events_emitted_total', { channel: '_other' })).toBe(2);
    expect(valueOf(m, 'warden_bus_events_delivered_total', { channel: a, consumer: 'x' })).toBe(1);
    expect(
      valueOf(m, 'warden_bus_events_delivered_total', { channel: a, consumer: '_other' }),
    ).toBe(1);
  });

  it('reads health once per scrape for every gauge', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const channel = name('orders');
    let calls = 0;
    metrics.trackBusHealth({
      health: () => {
        calls++;
        return Promise.resolve({
          status: 'ok',
          log: 'memory',
          logStatus: 'connected',
          channels: [
            {
              channel,
              retained: 7,
              bufferSize: 100,
              waitingEmits: 1,
              deadLetters: 2,
              consumers: [
                {
                  consumer: 'a',
                  kind: 'named',
                  subscribed: true,
                  lag: 7,
                  inFlight: 1,
                  breaker: 'half_open',
                  delivered: 0,
                  failed: 0,
                  retried: 0,
                  deadLettered: 0,
                  skipped: 0,
                },
                {
                  consumer: '~anonymous-1',
                  kind: 'anonymous',
                  subscribed: true,
                  lag: 2,
                  inFlight: 1,
                  breaker: 'closed',
                  delivered: 0,
                  failed: 0,
                  retried: 0,
                  deadLettered: 0,
                  skipped: 0,
                },
                {
                  consumer: '~anonymous-2',
                  kind: 'anonymous',
                  subscribed: true,
                  lag: 3,
                  inFlight: 0,
                  breaker: 'open',
                  delivered: 0,
                  failed: 0,
                  retried: 0,
                  deadLettered: 0,
                  skipped: 0,
                },
              ],
            },
          ],
        });
      },
    });
    const m = await scrape(metrics);
    expect(calls).toBe(1);
    expect(valueOf(m, 'warden_bus_breaker_state', { channel, consumer: 'a' })).toBe(1);
    expect(valueOf(m, 'warden_bus_consumer_lag_events', { channel, consumer: '~anonymous' })).toBe(
      5,
    );
    expect(valueOf(m, 'warden_bus_consumer_in_flight', { channel, consumer: '~anonymous' })).toBe(
      1,
    );
    expect(valueOf(m, 'warden_bus_breaker_state', { channel, consumer: '~anonymous' })).toBe(2);
    expect(valueOf(m, 'warden_bus_channel_retained_events', { channel })).toBe(7);
    expect(valueOf(m, 'warden_bus_emits_waiting', { channel })).toBe(1);
    expect(valueOf(m, 'warden_bus_dead_letters', { channel })).toBe(2);
    await scrape(metrics);
    expect(calls).toBe(2);
  });

  it('leaves gauges out of a scrape whose health source fails, and counts it', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.trackBusHealth({ health: () => Promise.reject(new Error('closed')) });
    const m = await scrape(metrics);
    expect(series(m, 'warden_bus_consumer_lag_events')).toEqual([]);
    expect(valueOf(m, 'warden_bus_log_connected')).toBe(0);
    expect(valueOf(m, 'warden_metrics_collect_errors_total', { source: 'bus_health' })).toBe(1);
  });
});
