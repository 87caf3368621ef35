import { describe, expect, it } from 'vitest';
import { settle } from '../../shared/fake-clock.js';
import type { BaseEvent } from '../schema.js';
import { numbers, range } from './conformance-harness.js';
import type { HarnessMaker, TestEvent } from './conformance-harness.js';

/** Fan-out, cursors, ordering and concurrency. */
export function describeDelivery(harness: HarnessMaker): void {
  describe('fan-out and cursors', () => {
    it('delivers every event to every named consumer, in append order', async () => {
      const h = await harness({ bufferSize: 100, consumers: ['one', 'two'] });
      const one: BaseEvent[] = [];
      const two: BaseEvent[] = [];
      h.bus.subscribe(h.channel, async (e) => void one.push(e), { consumer: 'one' });
      h.bus.subscribe(h.channel, async (e) => void two.push(e), { consumer: 'two' });
      for (const n of range(50)) await h.bus.emit(h.channel, h.event(n, `t${n % 3}`));
      await h.until(() => one.length === 50 && two.length === 50, 'both consumers');
      expect(numbers(one)).toEqual(range(50));
      expect(numbers(two)).toEqual(range(50));
    });

    it('retains events for a configured consumer that has not subscribed yet', async () => {
      const h = await harness({ bufferSize: 100, consumers: ['late'] });
      for (const n of range(10)) await h.bus.emit(h.channel, h.event(n));
      const seen: BaseEvent[] = [];
      h.bus.subscribe(h.channel, async (e) => void seen.push(e), { consumer: 'late' });
      await h.until(() => seen.length === 10, 'the backlog');
      expect(numbers(seen)).toEqual(range(10));
    });

    it('gives an anonymous subscription only events appended after it subscribed', async () => {
      const h = await harness({ bufferSize: 100, consumers: [] });
      await h.bus.emit(h.channel, h.event(0));
      const seen: BaseEvent[] = [];
      await h.bus.subscribe(h.channel, async (e) => void seen.push(e)).ready;
      await h.bus.emit(h.channel, h.event(1));
      await h.bus.emit(h.channel, h.event(2));
      await h.until(() => seen.length === 2, 'new events');
      await h.bus.drain();
      expect(numbers(seen)).toEqual([1, 2]);
    });

    it('keeps a named consumer position across unsubscribe and resubscribe', async () => {
      const h = await harness({ bufferSize: 100, consumers: ['durable'] });
      const seen: BaseEvent[] = [];
      const first = h.bus.subscribe(h.channel, async (e) => void seen.push(e), {
        consumer: 'durable',
      });
      await h.bus.emit(h.channel, h.event(0));
      await h.until(() => seen.length === 1, 'first event');
      first.unsubscribe();
      await settle();
      await h.bus.emit(h.channel, h.event(1));
      await h.bus.emit(h.channel, h.event(2));
      h.bus.subscribe(h.channel, async (e) => void seen.push(e), { consumer: 'durable' });
      await h.until(() => seen.length === 3, 'events emitted while away');
      expect(numbers(seen)).toEqual([0, 1, 2]);
    });

    it('refuses a second live subscription of the same named consumer', async () => {
      const h = await harness({ bufferSize: 100, consumers: ['only'] });
      h.bus.subscribe(h.channel, async () => {}, { consumer: 'only' });
      expect(() => h.bus.subscribe(h.channel, async () => {}, { consumer: 'only' })).toThrow(
        expect.objectContaining({ code: 'BUS_CONSUMER_TAKEN' }),
      );
    });

    it('creates an unconfigured channel on first use with the default consumer retaining its events', async () => {
      const h = await harness({ bufferSize: 100, consumers: [] });
      const seen: BaseEvent[] = [];
      await h.bus.emit('fresh-channel', h.event(7));
      h.bus.subscribe('fresh-channel', async (e) => void seen.push(e), {
        consumer: 'audit-logger',
      });
      await h.until(() => seen.length === 1, 'the default consumer');
      const health = await h.bus.health();
      expect(health.channels.find((c) => c.channel === 'fresh-channel')?.bufferSize).toBe(100);
    });
  });

  describe('ordering and concurrency', () => {
    it('runs up to maxConcurrency keys in parallel, in order within each key', async () => {
      const h = await harness({ bufferSize: 200, consumers: ['par'] });
      const seen = new Map<string, number[]>();
      let running = 0;
      let peak = 0;
      const gates: (() => void)[] = [];
      h.bus.subscribe(
        h.channel,
        async (e: TestEvent) => {
          running++;
          peak = Math.max(peak, running);
          await new Promise<void>((resolve) => gates.push(resolve));
          running--;
          const list = seen.get(e.metadata.tenantId) ?? [];
          list.push(e.data.n);
          seen.set(e.metadata.tenantId, list);
        },
        { consumer: 'par', maxConcurrency: 3 },
      );
      for (const n of range(60)) await h.bus.emit(h.channel, h.event(n, `t${n % 5}`));
      let released = 0;
      while (released < 60) {
        await h.until(() => gates.length > 0, 'a running delivery');
        expect(running).toBeLessThanOrEqual(3);
        gates.shift()?.();
        released++;
      }
      await h.until(() => [...seen.values()].flat().length === 60, 'all events');
      expect(peak).toBe(3);
      for (const [tenant, list] of seen) {
        const expected = range(60).filter((n) => `t${n % 5}` === tenant);
        expect(list).toEqual(expected);
      }
    });

    it('blocks only the failing key (head-of-line), never other keys or other consumers', async () => {
      const h = await harness({
        bufferSize: 100,
        consumers: ['keyed', 'other'],
        retryStrategy: { attempts: 3, backoff: 'fixed', delay: 1000 },
      });
      const keyed: TestEvent[] = [];
      const other: TestEvent[] = [];
      h.bus.subscribe(
        h.channel,
        async (e: TestEvent) => {
          if (e.data.n === 0) throw new Error('tenant a is down');
          keyed.push(e);
        },
        { consumer: 'keyed', maxConcurrency: 2 },
      );
      h.bus.subscribe(h.channel, async (e: TestEvent) => void other.push(e), {
        consumer: 'other',
      });
      for (const n of range(6)) await h.bus.emit(h.channel, h.event(n, n % 2 === 0 ? 'a' : 'b'));
      await h.until(() => keyed.length === 3 && other.length === 6, 'key b and the other consumer');
      await settle();
      expect(keyed.map((e) => e.data.n)).toEqual([1, 3, 5]); // key a waits behind event 0
      expect(numbers(other)).toEqual(range(6));
    });
  });
}
