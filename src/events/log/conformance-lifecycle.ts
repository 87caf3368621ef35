import { describe, expect, it } from 'vitest';
import { settle } from '../../shared/fake-clock.js';
import { BusClosedError, ValidationError } from '../errors.js';
import type { BaseEvent, Priority } from '../schema.js';
import { range } from './conformance-harness.js';
import type { HarnessMaker, TestEvent } from './conformance-harness.js';

/** Validation, options, close and health. */
export function describeLifecycle(harness: HarnessMaker): void {
  describe('validation and lifecycle', () => {
    it('rejects an invalid event with every failing field, and never delivers it', async () => {
      const h = await harness({ bufferSize: 100, consumers: ['c'] });
      const seen: BaseEvent[] = [];
      h.bus.subscribe(h.channel, async (e) => void seen.push(e), { consumer: 'c' });
      const bad = { ...h.event(0), type: 'Not Dotted', time: 'yesterday' };
      const error = await h.bus.emit(h.channel, bad).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).code).toBe('EVENT_INVALID');
      expect((error as ValidationError).issues.map((i) => i.path)).toEqual(['type', 'time']);
      await h.bus.drain();
      expect(seen).toHaveLength(0);
    });

    it('rejects bad emit and subscribe options with typed errors', async () => {
      const h = await harness({ bufferSize: 100, consumers: [] });
      await expect(
        h.bus.emitWithGuarantee(h.channel, h.event(0), { priority: 'urgent' as Priority }),
      ).rejects.toMatchObject({ code: 'BUS_OPTIONS_INVALID' });
      expect(() => h.bus.subscribe(h.channel, async () => {}, { batchSize: 0 })).toThrow(
        expect.objectContaining({ code: 'BUS_OPTIONS_INVALID' }),
      );
      await expect(h.bus.emit('bad channel!', h.event(0))).rejects.toMatchObject({
        code: 'BUS_CHANNEL_INVALID',
      });
    });

    it('close() waits for in-flight handlers, refuses new events and leaves no timers', async () => {
      const h = await harness({
        bufferSize: 100,
        consumers: ['c'],
        retryStrategy: { attempts: 3, backoff: 'fixed', delay: 5000 },
      });
      let release: () => void = () => {};
      let finished = false;
      h.bus.subscribe(
        h.channel,
        async (e: TestEvent) => {
          if (e.data.n === 1) throw new Error('retry me later');
          await new Promise<void>((resolve) => (release = resolve));
          finished = true;
        },
        { consumer: 'c', maxConcurrency: 2, orderingKey: (e: TestEvent) => String(e.data.n) },
      );
      await h.bus.emit(h.channel, h.event(0));
      await h.bus.emit(h.channel, h.event(1));
      await h.until(() => h.clock.pendingTimers > 0, 'the retry timer');
      let closed = false;
      const closing = h.bus.close().then(() => (closed = true));
      await settle();
      expect(closed).toBe(false);
      release();
      await closing;
      expect(finished).toBe(true);
      expect(h.clock.pendingTimers).toBe(0);
      await expect(h.bus.emit(h.channel, h.event(2))).rejects.toBeInstanceOf(BusClosedError);
    });

    it('reports lag, in-flight deliveries and breaker state in health()', async () => {
      const h = await harness({ bufferSize: 100, consumers: ['busy', 'idle'] });
      let release: () => void = () => {};
      const gate = new Promise<void>((resolve) => (release = resolve));
      let started = false;
      const handler = () => {
        started = true;
        return gate;
      };
      h.bus.subscribe(h.channel, handler, { consumer: 'busy' });
      for (const n of range(4)) await h.bus.emit(h.channel, h.event(n));
      await h.until(() => started, 'the first delivery');
      const channel = (await h.bus.health()).channels.find((c) => c.channel === h.channel);
      expect(channel).toMatchObject({ retained: 4, bufferSize: 100 });
      expect(channel?.consumers).toEqual([
        expect.objectContaining({
          consumer: 'busy',
          subscribed: true,
          lag: 4,
          inFlight: 1,
          breaker: 'closed',
        }),
        expect.objectContaining({ consumer: 'idle', subscribed: false, delivered: 0 }),
      ]);
      release();
    });
  });
}
