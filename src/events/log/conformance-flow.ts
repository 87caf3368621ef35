import { describe, expect, it } from 'vitest';
import { settle } from '../../shared/fake-clock.js';
import { BackPressureError } from '../errors.js';
import type { BaseEvent, Priority } from '../schema.js';
import { expectFull, noRetry, numbers, range } from './conformance-harness.js';
import type { HarnessMaker, LogCapabilities, TestEvent } from './conformance-harness.js';

/** Back pressure, priority, idempotency, deadlines, filters and batches. */
export function describeFlowControl(harness: HarnessMaker, capabilities: LogCapabilities): void {
  describe('back pressure', () => {
    if (capabilities.offHeapBacklog) describeOffHeapBackPressure(harness);
    else describeInMemoryBackPressure(harness);

    it('never lets a slow consumer delay a fast one before the buffer fills', async () => {
      const h = await harness({ bufferSize: 100, consumers: ['stuck', 'fast'] });
      const fast: BaseEvent[] = [];
      let unstick: () => void = () => {};
      const gate = new Promise<void>((resolve) => (unstick = resolve));
      h.bus.subscribe(h.channel, () => gate, { consumer: 'stuck' });
      h.bus.subscribe(h.channel, async (e) => void fast.push(e), { consumer: 'fast' });
      for (const n of range(50)) await h.bus.emit(h.channel, h.event(n));
      await h.until(() => fast.length === 50, 'the fast consumer');
      expect(numbers(fast)).toEqual(range(50));
      unstick();
    });
  });

  describe('priority, idempotency, deadline, filter', () => {
    it('dispatches high before normal before low, in order within a priority', async () => {
      const h = await harness({ bufferSize: 100, consumers: ['c'] });
      const priorities: Priority[] = ['low', 'normal', 'high'];
      for (const n of range(12)) {
        await h.bus.emitWithGuarantee(h.channel, h.event(n), {
          priority: priorities[n % 3] as Priority,
        });
      }
      const seen: BaseEvent[] = [];
      h.bus.subscribe(h.channel, async (e) => void seen.push(e), { consumer: 'c' });
      await h.until(() => seen.length === 12, 'all events');
      expect(numbers(seen)).toEqual([2, 5, 8, 11, 1, 4, 7, 10, 0, 3, 6, 9]);
    });

    it('accepts a repeated idempotency key within the window without delivering it again', async () => {
      const h = await harness({ bufferSize: 100, consumers: ['c'], dedupWindowMs: 60_000 });
      const seen: BaseEvent[] = [];
      h.bus.subscribe(h.channel, async (e) => void seen.push(e), { consumer: 'c' });
      await h.bus.emitWithGuarantee(h.channel, h.event(0), { idempotencyKey: 'order-1' });
      await h.bus.emitWithGuarantee(h.channel, h.event(1), { idempotencyKey: 'order-1' });
      await h.bus.emitWithGuarantee(h.channel, h.event(2), { idempotencyKey: 'order-2' });
      await h.until(() => seen.length === 2, 'deduplicated events');
      await h.bus.drain();
      expect(numbers(seen)).toEqual([0, 2]);
    });

    // A log whose dedup window runs on the server's clock (JetStream's duplicate_window) cannot be
    // driven by the fake clock; its window is the server's documented behaviour.
    if (!capabilities.realTimeDedupWindow) {
      it('delivers a repeated idempotency key again once the window has passed', async () => {
        const h = await harness({ bufferSize: 100, consumers: ['c'], dedupWindowMs: 60_000 });
        const seen: BaseEvent[] = [];
        h.bus.subscribe(h.channel, async (e) => void seen.push(e), { consumer: 'c' });
        await h.bus.emitWithGuarantee(h.channel, h.event(0), { idempotencyKey: 'order-1' });
        await h.clock.advanceAsync(59_999);
        await h.bus.emitWithGuarantee(h.channel, h.event(1), { idempotencyKey: 'order-1' });
        await h.clock.advanceAsync(2);
        await h.bus.emitWithGuarantee(h.channel, h.event(2), { idempotencyKey: 'order-1' });
        await h.until(() => seen.length === 2, 'the repeat after the window');
        await h.bus.drain();
        expect(numbers(seen)).toEqual([0, 2]);
      });
    }

    it('dead-letters an event whose delivery deadline passed, with reason deadline_exceeded', async () => {
      const h = await harness({
        bufferSize: 100,
        consumers: ['c'],
        retryStrategy: { attempts: 10, backoff: 'fixed', delay: 1000 },
      });
      const deadline = new Date(h.clock.now() + 1500);
      await h.bus.emitWithGuarantee(h.channel, h.event(0), {
        deliveryDeadline: new Date(h.clock.now() - 1),
      });
      await h.bus.emitWithGuarantee(h.channel, h.event(1), { deliveryDeadline: deadline });
      let attempts = 0;
      h.bus.subscribe(
        h.channel,
        async (e: TestEvent) => {
          if (e.data.n === 1) attempts++;
          throw new Error('failing');
        },
        { consumer: 'c' },
      );
      await h.until(() => attempts === 1, 'first attempt of event 1');
      await h.clock.advanceAsync(1000);
      await h.until(() => attempts === 2, 'second attempt');
      await h.clock.advanceAsync(1000);
      await h.bus.drain();
      const dead = await h.bus.listDeadLetters(h.channel);
      expect(dead.map((d) => [(d.event as TestEvent).data.n, d.reason, d.attempts])).toEqual([
        [0, 'deadline_exceeded', 0],
        [1, 'deadline_exceeded', 2],
      ]);
    });

    it('skips (and acknowledges) events its filter rejects', async () => {
      const h = await harness({ bufferSize: 100, consumers: ['even'] });
      const seen: TestEvent[] = [];
      h.bus.subscribe(h.channel, async (e: TestEvent) => void seen.push(e), {
        consumer: 'even',
        filter: (e: TestEvent) => e.data.n % 2 === 0,
      });
      for (const n of range(10)) await h.bus.emit(h.channel, h.event(n));
      await h.until(() => seen.length === 5, 'even events');
      await h.bus.drain();
      const consumer = (await h.bus.health()).channels[0]?.consumers[0];
      expect(consumer).toMatchObject({ delivered: 5, skipped: 5, lag: 0 });
      expect(numbers(seen)).toEqual([0, 2, 4, 6, 8]);
    });

    it('subscribes to one tenant only through a filter', async () => {
      const h = await harness({ bufferSize: 100, consumers: [] });
      const seen: TestEvent[] = [];
      await h.bus.subscribe(h.channel, async (e: TestEvent) => void seen.push(e), {
        filter: (e: TestEvent) => e.metadata.tenantId === 'acme',
      }).ready;
      for (const n of range(6)) await h.bus.emit(h.channel, h.event(n, n < 3 ? 'acme' : 'globex'));
      await h.bus.drain();
      expect(seen.map((e) => e.metadata.tenantId)).toEqual(['acme', 'acme', 'acme']);
    });
  });

  describe('batches', () => {
    it('hands a batch consumer batches of at most batchSize', async () => {
      const h = await harness({ bufferSize: 100, consumers: ['bulk'] });
      for (const n of range(25)) await h.bus.emit(h.channel, h.event(n));
      const batches: number[][] = [];
      h.bus.subscribeBatch(
        h.channel,
        async (events: TestEvent[]) => void batches.push(numbers(events)),
        {
          consumer: 'bulk',
          batchSize: 10,
        },
      );
      await h.until(() => batches.flat().length === 25, 'all events');
      expect(batches.every((b) => b.length <= 10)).toBe(true);
      expect(batches.flat()).toEqual(range(25));
      expect(batches.length).toBeLessThan(25);
    });

    it('falls back to one-by-one to isolate a poison event', async () => {
      const h = await harness({ bufferSize: 100, consumers: ['bulk'], retryStrategy: noRetry });
      for (const n of range(6)) await h.bus.emit(h.channel, h.event(n));
      const stored: number[] = [];
      h.bus.subscribeBatch(
        h.channel,
        async (events: TestEvent[]) => {
          if (events.some((e) => e.data.n === 3)) throw new Error('poison');
          stored.push(...numbers(events));
        },
        { consumer: 'bulk', batchSize: 6 },
      );
      await h.until(() => stored.length === 5, 'the healthy events');
      await h.bus.drain();
      expect(stored).toEqual([0, 1, 2, 4, 5]);
      const dead = await h.bus.listDeadLetters(h.channel);
      expect(dead.map((d) => (d.event as TestEvent).data.n)).toEqual([3]);
    });
  });
}

/** The backlog is in the heap: producers are throttled when the slowest consumer lags bufferSize. */
function describeInMemoryBackPressure(harness: HarnessMaker): void {
  it('admits low priority up to 75%, normal to 90%, high to 100% of bufferSize', async () => {
    const h = await harness({ bufferSize: 20, consumers: ['stalled'], emitTimeoutMs: 100 });
    for (const n of range(15))
      await h.bus.emitWithGuarantee(h.channel, h.event(n), { priority: 'low' });
    const refusedLow = h.bus.emitWithGuarantee(h.channel, h.event(99), { priority: 'low' });
    const lowOutcome = expect(refusedLow).rejects.toBeInstanceOf(BackPressureError);
    await h.clock.advanceAsync(100);
    await lowOutcome;
    for (const n of range(3)) await h.bus.emit(h.channel, h.event(15 + n));
    await expectFull(h, h.bus.emit(h.channel, h.event(98)), 'normal');
    for (const n of range(2))
      await h.bus.emitWithGuarantee(h.channel, h.event(18 + n), { priority: 'high' });
    await expectFull(
      h,
      h.bus.emitWithGuarantee(h.channel, h.event(97), { priority: 'high' }),
      'high',
    );
  });

  it('makes a waiting emit proceed once the slow consumer catches up', async () => {
    const h = await harness({ bufferSize: 4, consumers: ['slow'], emitTimeoutMs: 10_000 });
    for (const n of range(3)) await h.bus.emit(h.channel, h.event(n));
    let admitted = false;
    const waiting = h.bus.emit(h.channel, h.event(3)).then(() => (admitted = true));
    await settle();
    expect(admitted).toBe(false);
    const seen: BaseEvent[] = [];
    h.bus.subscribe(h.channel, async (e) => void seen.push(e), { consumer: 'slow' });
    await waiting;
    await h.until(() => seen.length === 4, 'everything');
    expect(numbers(seen)).toEqual(range(4));
  });
}

/** The backlog is on disk: a stalled consumer never throttles producers, and nothing is lost. */
function describeOffHeapBackPressure(harness: HarnessMaker): void {
  it('keeps accepting events past bufferSize while a consumer is stalled, then delivers them all', async () => {
    const h = await harness({ bufferSize: 10, consumers: ['stalled'], emitTimeoutMs: 100 });
    for (const n of range(35))
      await h.bus.emitWithGuarantee(h.channel, h.event(n), { priority: 'low' });
    const channel = (await h.bus.health()).channels.find((c) => c.channel === h.channel);
    expect(channel?.consumers[0]).toMatchObject({ consumer: 'stalled', lag: 35 });
    const seen: BaseEvent[] = [];
    h.bus.subscribe(h.channel, async (e) => void seen.push(e), {
      consumer: 'stalled',
      batchSize: 4,
    });
    await h.until(() => seen.length === 35, 'the backlog');
    expect(numbers(seen)).toEqual(range(35));
  });

  it('bounds the appends in flight by bufferSize and admits them as commits complete', async () => {
    const h = await harness({ bufferSize: 10, consumers: ['c'], emitTimeoutMs: 60_000 });
    const emits = range(40).map((n) => h.bus.emit(h.channel, h.event(n)));
    const channel = (await h.bus.health()).channels.find((c) => c.channel === h.channel);
    expect(channel?.waitingEmits).toBe(31); // 9 (90% of 10) in flight, the rest wait
    await Promise.all(emits);
    expect(
      (await h.bus.health()).channels.find((c) => c.channel === h.channel)?.consumers[0]?.lag,
    ).toBe(40);
  });
}
