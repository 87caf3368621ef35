import { describe, expect, it } from 'vitest';
import { PermanentFailure, RetryAfter } from '../errors.js';
import type { BaseEvent } from '../schema.js';
import { noRetry, numbers, range } from './conformance-harness.js';
import type { HarnessMaker, TestEvent } from './conformance-harness.js';

/** Retry, dead letters and the circuit breaker. */
export function describeFailures(harness: HarnessMaker): void {
  describe('retry', () => {
    it('retries with fixed backoff and counts attempts including the first', async () => {
      const h = await harness({
        bufferSize: 10,
        consumers: ['c'],
        retryStrategy: { attempts: 2, backoff: 'fixed', delay: 200 },
      });
      const attemptsAt: number[] = [];
      const start = h.clock.now();
      h.bus.subscribe(
        h.channel,
        async () => {
          attemptsAt.push(h.clock.now() - start);
          throw new Error('boom');
        },
        { consumer: 'c' },
      );
      await h.bus.emit(h.channel, h.event(0));
      await h.until(() => attemptsAt.length === 1, 'first attempt');
      await h.clock.advanceAsync(199);
      expect(attemptsAt).toEqual([0]);
      await h.clock.advanceAsync(1);
      await h.until(() => attemptsAt.length === 2, 'second attempt');
      await h.clock.advanceAsync(10_000);
      expect(attemptsAt).toEqual([0, 200]);
      const [dead] = await h.bus.listDeadLetters(h.channel);
      expect(dead).toMatchObject({
        consumer: 'c',
        attempts: 2,
        reason: 'attempts_exhausted',
        lastError: 'Error: boom',
      });
    });

    it('backs off exponentially as min(maxDelay, initialDelay * 2^(n-1))', async () => {
      const h = await harness({
        bufferSize: 10,
        consumers: ['c'],
        retryStrategy: { attempts: 5, backoff: 'exponential', initialDelay: 100, maxDelay: 250 },
        circuitBreaker: { failureThreshold: 100 },
      });
      const attemptsAt: number[] = [];
      const start = h.clock.now();
      h.bus.subscribe(
        h.channel,
        async () => {
          attemptsAt.push(h.clock.now() - start);
          throw new Error('boom');
        },
        { consumer: 'c' },
      );
      await h.bus.emit(h.channel, h.event(0));
      await h.until(() => attemptsAt.length === 1, 'first attempt');
      for (let i = 0; i < 5; i++) {
        const next = h.clock.nextTimerInMs();
        if (next === undefined) break;
        await h.clock.advanceAsync(next);
        await h.until(
          () => attemptsAt.length === i + 2 || h.clock.nextTimerInMs() === undefined,
          'next attempt',
        );
      }
      expect(attemptsAt).toEqual([0, 100, 300, 550, 800]);
      expect(await h.bus.countDeadLetters(h.channel)).toBe(1);
    });

    it('delivers once the consumer recovers, without dead-lettering', async () => {
      const h = await harness({
        bufferSize: 10,
        consumers: ['c'],
        retryStrategy: { attempts: 3, backoff: 'fixed', delay: 50 },
      });
      let calls = 0;
      const done: BaseEvent[] = [];
      h.bus.subscribe(
        h.channel,
        async (e) => {
          if (++calls < 3) throw new Error('transient');
          done.push(e);
        },
        { consumer: 'c' },
      );
      await h.bus.emit(h.channel, h.event(0));
      await h.until(() => calls === 1, 'first attempt');
      await h.clock.advanceAsync(50);
      await h.until(() => calls === 2, 'second attempt');
      await h.clock.advanceAsync(50);
      await h.until(() => done.length === 1, 'delivery');
      expect(await h.bus.countDeadLetters(h.channel)).toBe(0);
      const consumer = (await h.bus.health()).channels[0]?.consumers.find(
        (c) => c.consumer === 'c',
      );
      expect(consumer).toMatchObject({
        delivered: 1,
        failed: 2,
        retried: 2,
        deadLettered: 0,
        lag: 0,
      });
    });

    it('dead-letters at once on PermanentFailure', async () => {
      const h = await harness({
        bufferSize: 10,
        consumers: ['c'],
        retryStrategy: { attempts: 5, backoff: 'fixed', delay: 50 },
      });
      let calls = 0;
      h.bus.subscribe(
        h.channel,
        async () => {
          calls++;
          throw new PermanentFailure('malformed payload');
        },
        { consumer: 'c' },
      );
      await h.bus.emit(h.channel, h.event(0));
      await h.until(() => calls === 1, 'the attempt');
      await h.clock.advanceAsync(1000);
      expect(calls).toBe(1);
      const [dead] = await h.bus.listDeadLetters(h.channel);
      expect(dead).toMatchObject({
        reason: 'permanent_failure',
        attempts: 1,
        lastError: 'PermanentFailure: malformed payload',
      });
    });

    it('retries after the delay a RetryAfter asks for', async () => {
      const h = await harness({
        bufferSize: 10,
        consumers: ['c'],
        retryStrategy: { attempts: 3, backoff: 'fixed', delay: 10 },
      });
      const attemptsAt: number[] = [];
      const start = h.clock.now();
      h.bus.subscribe(
        h.channel,
        async () => {
          attemptsAt.push(h.clock.now() - start);
          if (attemptsAt.length === 1) throw new RetryAfter(5000);
        },
        { consumer: 'c' },
      );
      await h.bus.emit(h.channel, h.event(0));
      await h.until(() => attemptsAt.length === 1, 'first attempt');
      await h.clock.advanceAsync(4999);
      expect(attemptsAt).toHaveLength(1);
      await h.clock.advanceAsync(1);
      await h.until(() => attemptsAt.length === 2, 'the retry');
      expect(attemptsAt).toEqual([0, 5000]);
    });
  });

  describe('dead letters', () => {
    it('lists, replays to the failing consumer only, and purges', async () => {
      const h = await harness({
        bufferSize: 10,
        consumers: ['flaky', 'fine'],
        retryStrategy: noRetry,
      });
      let healthy = false;
      const flaky: BaseEvent[] = [];
      const fine: BaseEvent[] = [];
      h.bus.subscribe(
        h.channel,
        async (e) => {
          if (!healthy) throw new Error('not yet');
          flaky.push(e);
        },
        { consumer: 'flaky' },
      );
      h.bus.subscribe(h.channel, async (e) => void fine.push(e), { consumer: 'fine' });
      for (const n of range(3)) await h.bus.emit(h.channel, h.event(n));
      await h.until(() => fine.length === 3, 'the healthy consumer');
      await h.bus.drain();
      const dead = await h.bus.listDeadLetters(h.channel);
      expect(dead.map((d) => (d.event as TestEvent).data.n)).toEqual([0, 1, 2]);
      expect(dead[0]).toMatchObject({
        channel: h.channel,
        consumer: 'flaky',
        attempts: 1,
        reason: 'attempts_exhausted',
      });
      expect(typeof dead[0]?.deadLetteredAt).toBe('number');

      healthy = true;
      const result = await h.bus.replayDeadLetters(h.channel, {
        ids: [dead[0]?.id ?? '', dead[1]?.id ?? ''],
      });
      expect(result).toEqual({ replayed: 2, skipped: 0 });
      await h.until(() => flaky.length === 2, 'replayed events');
      expect(numbers(flaky)).toEqual([0, 1]);
      expect(fine).toHaveLength(3); // nobody else sees the replay
      expect(await h.bus.purgeDeadLetters(h.channel, { consumer: 'flaky' })).toBe(1);
      expect(await h.bus.countDeadLetters(h.channel)).toBe(0);
    });

    it('announces a dead letter on the system channel', async () => {
      const h = await harness({ bufferSize: 10, consumers: ['c'], retryStrategy: noRetry });
      const system: BaseEvent[] = [];
      await h.bus.subscribe('system', async (e) => void system.push(e)).ready;
      h.bus.subscribe(h.channel, () => Promise.reject(new Error('no')), { consumer: 'c' });
      const event = h.event(0);
      await h.bus.emit(h.channel, event);
      await h.until(() => system.length === 1, 'the system event');
      expect(system[0]).toMatchObject({
        type: 'system.dead_letter.added',
        data: {
          channel: h.channel,
          consumer: 'c',
          eventId: event.id,
          reason: 'attempts_exhausted',
        },
      });
    });
  });

  describe('circuit breaker', () => {
    it('opens after repeated failures, holds the backlog without dead-lettering, and recovers', async () => {
      const h = await harness({
        bufferSize: 50,
        consumers: ['down', 'up'],
        retryStrategy: { attempts: 10, backoff: 'fixed', delay: 10 },
        circuitBreaker: { failureThreshold: 3, cooldownMs: 1000 },
      });
      const system: BaseEvent[] = [];
      await h.bus.subscribe('system', async (e) => void system.push(e)).ready;
      let outage = true;
      let attempts = 0;
      const delivered: BaseEvent[] = [];
      const up: BaseEvent[] = [];
      h.bus.subscribe(
        h.channel,
        async (e) => {
          attempts++;
          if (outage) throw new Error('downstream unavailable');
          delivered.push(e);
        },
        { consumer: 'down' },
      );
      h.bus.subscribe(h.channel, async (e) => void up.push(e), { consumer: 'up' });
      for (const n of range(5)) await h.bus.emit(h.channel, h.event(n));
      await h.until(() => attempts === 1, 'first attempt');
      await h.clock.advanceAsync(10);
      await h.until(() => attempts === 2, 'second attempt');
      await h.clock.advanceAsync(10);
      await h.until(() => attempts === 3, 'third attempt');
      await h.until(
        () => system.some((e) => e.type === 'system.circuit_breaker.opened'),
        'breaker opened',
      );
      expect(up).toHaveLength(5); // the other consumer is unaffected

      await h.clock.advanceAsync(999);
      expect(attempts).toBe(3); // nothing is tried while open
      expect(await h.bus.countDeadLetters(h.channel)).toBe(0);
      const open = (await h.bus.health()).channels.find((c) => c.channel === h.channel);
      expect(open?.consumers.find((c) => c.consumer === 'down')?.breaker).toBe('open');

      outage = false;
      await h.clock.advanceAsync(1);
      await h.until(() => delivered.length === 5, 'backlog after recovery');
      expect(numbers(delivered)).toEqual(range(5));
      await h.until(() => system.length === 3, 'the breaker to report closing');
      expect(system.map((e) => e.type)).toEqual([
        'system.circuit_breaker.opened',
        'system.circuit_breaker.half_opened',
        'system.circuit_breaker.closed',
      ]);
      expect(await h.bus.countDeadLetters(h.channel)).toBe(0);
    });

    it('reopens when the half-open trial fails', async () => {
      const h = await harness({
        bufferSize: 10,
        consumers: ['down'],
        retryStrategy: { attempts: 2, backoff: 'fixed', delay: 0 },
        circuitBreaker: { failureThreshold: 1, cooldownMs: 500 },
      });
      let attempts = 0;
      h.bus.subscribe(
        h.channel,
        async () => {
          attempts++;
          throw new Error('still down');
        },
        { consumer: 'down' },
      );
      await h.bus.emit(h.channel, h.event(0));
      await h.until(() => attempts === 1, 'first attempt');
      await h.clock.advanceAsync(500);
      await h.until(() => attempts === 2, 'trial');
      await h.clock.advanceAsync(499);
      expect(attempts).toBe(2);
      await h.clock.advanceAsync(1);
      await h.until(() => attempts === 3, 'second trial');
      expect(await h.bus.countDeadLetters(h.channel)).toBe(0); // an outage never dead-letters
    });
  });
}
