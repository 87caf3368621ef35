import { afterEach, describe, expect, it } from 'vitest';
import type { ChannelConfig } from '../../config.js';
import { PermanentFailure } from '../../errors.js';
import type { Priority } from '../../schema.js';
import { noRetry, range } from '../conformance-harness.js';
import type { TestEvent } from '../conformance-harness.js';
import { gate, openRestartHarness } from './sqlite-restart-harness.js';
import type { RestartHarness, RestartHarnessOptions } from './sqlite-restart-harness.js';

const open: RestartHarness[] = [];

async function harness(
  channel: ChannelConfig,
  options?: RestartHarnessOptions,
): Promise<RestartHarness> {
  const h = await openRestartHarness(channel, options);
  open.push(h);
  return h;
}

afterEach(async () => {
  for (const h of open.splice(0)) await h.dispose();
});

async function emitAll(h: RestartHarness, numbers: readonly number[]) {
  for (const n of numbers) await h.bus.emit(h.channel, h.event(n));
}

describe('SqliteEventLog across restarts', () => {
  it('redelivers what was not acknowledged, including events in flight at close, and nothing else', async () => {
    const h = await harness({ bufferSize: 100, consumers: ['c'] });
    const stuck = gate(); // never opened: the fifth event is still running when the bus closes
    const first: number[] = [];
    h.bus.subscribe(
      h.channel,
      async (e: TestEvent) => {
        first.push(e.data.n);
        if (e.data.n === 4) await stuck.wait;
      },
      { consumer: 'c' },
    );
    await emitAll(h, range(10));
    await h.until(() => first.length === 5, 'the fifth delivery');

    await h.restart({ abandonRunningHandlers: true });
    const second = h.record('c');
    await h.bus.drain();
    await h.restart();
    const third = h.record('c');
    await h.bus.drain();

    expect(first).toEqual([0, 1, 2, 3, 4]);
    expect(second).toEqual([4, 5, 6, 7, 8, 9]);
    expect(third).toEqual([]);
  });

  it('does not redeliver an event whose handler finished while the bus was closing', async () => {
    const h = await harness({ bufferSize: 100, consumers: ['c'] });
    const slow = gate();
    const first: number[] = [];
    h.bus.subscribe(
      h.channel,
      async (e: TestEvent) => {
        if (e.data.n === 2) await slow.wait;
        first.push(e.data.n);
      },
      { consumer: 'c' },
    );
    await emitAll(h, range(5));
    await h.until(() => first.length === 2, 'two deliveries');
    const closing = h.close();
    slow.open();
    await closing;

    await h.restart();
    const second = h.record('c');
    await h.bus.drain();

    expect(first).toEqual([0, 1, 2]);
    expect(second).toEqual([3, 4]);
  });

  it('keeps the whole backlog for a configured consumer that never subscribed', async () => {
    const h = await harness({ bufferSize: 100, consumers: ['active', 'dormant'] });
    const active = h.record('active');
    await emitAll(h, range(20));
    await h.bus.drain();

    await h.restart();
    const health = await h.bus.health();
    const lagOf = (name: string) =>
      health.channels
        .find((c) => c.channel === h.channel)
        ?.consumers.find((c) => c.consumer === name)?.lag;
    const dormant = h.record('dormant');
    const activeAgain = h.record('active');
    await h.bus.drain();

    expect(active).toEqual(range(20));
    expect([lagOf('dormant'), lagOf('active')]).toEqual([20, 0]);
    expect(dormant).toEqual(range(20));
    expect(activeAgain).toEqual([]);
  });

  it('delivers high before normal before low after a restart', async () => {
    const h = await harness({ bufferSize: 100, consumers: ['c'] });
    const priorities: Priority[] = ['low', 'normal', 'high'];
    for (const n of range(9)) {
      const priority = priorities[n % 3] as Priority;
      await h.bus.emitWithGuarantee(h.channel, h.event(n), { priority });
    }

    await h.restart();
    const seen = h.record('c');
    await h.bus.drain();

    expect(seen).toEqual([2, 5, 8, 1, 4, 7, 0, 3, 6]);
  });

  it('remembers idempotency keys across a restart until the dedup window has passed', async () => {
    const h = await harness({ bufferSize: 100, consumers: ['c'], dedupWindowMs: 60_000 });
    const key = { idempotencyKey: 'order-42' };
    await h.bus.emitWithGuarantee(h.channel, h.event(0), key);

    await h.restart();
    await h.clock.advanceAsync(59_999);
    await h.bus.emitWithGuarantee(h.channel, h.event(1), key);
    await h.clock.advanceAsync(1);
    await h.bus.emitWithGuarantee(h.channel, h.event(2), key);
    await h.restart();
    await h.bus.emitWithGuarantee(h.channel, h.event(3), key);
    const seen = h.record('c');
    await h.bus.drain();

    expect(seen).toEqual([0, 2]);
  });
});

describe('SqliteEventLog out-of-order acknowledgements across a restart', () => {
  it('redelivers only the blocked key, never the later events of other keys that were acknowledged', async () => {
    const h = await harness({ bufferSize: 100, consumers: ['c'] });
    const tenantOf = (n: number) => `tenant-${'abcd'[n % 4] as string}`;
    const stuck = gate(); // event 0 (tenant-a) never finishes in the first run
    const first: number[] = [];
    h.bus.subscribe(
      h.channel,
      async (e: TestEvent) => {
        first.push(e.data.n);
        if (e.data.n === 0) await stuck.wait;
      },
      { consumer: 'c', maxConcurrency: 3 },
    );
    for (const n of range(16)) await h.bus.emit(h.channel, h.event(n, tenantOf(n)));
    const othersDone = () => range(16).filter((n) => n % 4 !== 0 && !first.includes(n));
    await h.until(() => othersDone().length === 0, 'every event of tenants b, c and d');

    await h.restart({ abandonRunningHandlers: true });
    const second = h.record('c', { maxConcurrency: 3 });
    await h.bus.drain();
    await h.restart();
    const third = h.record('c', { maxConcurrency: 3 });
    await h.bus.drain();

    expect(first.filter((n) => n % 4 === 0)).toEqual([0]);
    expect(second).toEqual([0, 4, 8, 12]);
    expect(third).toEqual([]);
  });
});

describe('SqliteEventLog dead letters across restarts', () => {
  const failing = { bufferSize: 100, consumers: ['c', 'other'], retryStrategy: noRetry };

  async function deadLetterOneAndThree(h: RestartHarness): Promise<void> {
    h.bus.subscribe(
      h.channel,
      async (e: TestEvent) => {
        if (e.data.n === 1) throw new PermanentFailure('poison');
        if (e.data.n === 3) throw new Error('boom');
      },
      { consumer: 'c' },
    );
    h.record('other');
    await emitAll(h, range(5));
    await h.bus.drain();
  }

  it('lists and counts the same records after a restart', async () => {
    const h = await harness(failing);
    await deadLetterOneAndThree(h);
    const before = await h.bus.listDeadLetters(h.channel);

    await h.restart();
    const after = await h.bus.listDeadLetters(h.channel);

    expect(before).toMatchObject([
      {
        consumer: 'c',
        reason: 'permanent_failure',
        attempts: 1,
        lastError: 'PermanentFailure: poison',
        event: { data: { n: 1 } },
      },
      {
        consumer: 'c',
        reason: 'attempts_exhausted',
        attempts: 1,
        lastError: 'Error: boom',
        event: { data: { n: 3 } },
      },
    ]);
    expect(after).toEqual(before);
    expect(await h.bus.countDeadLetters(h.channel)).toBe(2);
    expect(await h.bus.countDeadLetters(h.channel, { reason: 'attempts_exhausted' })).toBe(1);
    expect(await h.bus.countDeadLetters(h.channel, { consumer: 'other' })).toBe(0);
  });

  it('replays to the failed consumer only, and a replay not yet acknowledged survives restarts', async () => {
    const h = await harness(failing);
    await deadLetterOneAndThree(h);
    await h.restart();
    const replayed = await h.bus.replayDeadLetters(h.channel);

    await h.restart(); // nobody subscribed: the replays are pending
    const stuck = gate(); // the replay of event 3 is still running at the next close
    const second: number[] = [];
    h.bus.subscribe(
      h.channel,
      async (e: TestEvent) => {
        second.push(e.data.n);
        if (e.data.n === 3) await stuck.wait;
      },
      { consumer: 'c' },
    );
    const other = h.record('other');
    await h.until(() => second.length === 2, 'both replays');
    await h.restart({ abandonRunningHandlers: true });
    const third = h.record('c');
    await h.bus.drain();
    await h.restart();
    const fourth = h.record('c');
    await h.bus.drain();

    expect(replayed).toEqual({ replayed: 2, skipped: 0 });
    expect(second).toEqual([1, 3]);
    expect(other).toEqual([]);
    expect(third).toEqual([3]);
    expect(fourth).toEqual([]);
    expect(await h.bus.countDeadLetters(h.channel)).toBe(0);
  });

  it('keeps a purge across restarts', async () => {
    const h = await harness(failing);
    await deadLetterOneAndThree(h);
    const [poison] = await h.bus.listDeadLetters(h.channel);

    await h.restart();
    const purged = await h.bus.purgeDeadLetters(h.channel, { ids: [poison?.id ?? ''] });
    await h.restart();
    const left = await h.bus.listDeadLetters(h.channel);
    const purgedRest = await h.bus.purgeDeadLetters(h.channel);
    await h.restart();

    expect(purged).toBe(1);
    expect(left.map((d) => (d.event as TestEvent).data.n)).toEqual([3]);
    expect(purgedRest).toBe(1);
    expect(await h.bus.countDeadLetters(h.channel)).toBe(0);
    const c = h.record('c');
    await h.bus.drain();
    expect(c).toEqual([]);
  });
});
