import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FakeClock, settle } from '../shared/fake-clock.js';
import { WardenError } from '../shared/errors.js';
import { Admission } from './admission.js';
import { BackPressureError } from './errors.js';
import type { Priority } from './schema.js';

const EMIT_TIMEOUT_MS = 2000;

interface Tracked {
  status: 'pending' | 'resolved' | 'rejected';
  error: unknown;
}

function setup(bufferSize = 100) {
  const clock = new FakeClock();
  const channel = `orders-${randomUUID().slice(0, 8)}`;
  const state = { retained: 0 };
  const admission = new Admission(
    { channel, bufferSize, emitTimeoutMs: EMIT_TIMEOUT_MS },
    clock,
    () => state.retained,
  );
  const order: string[] = [];
  /** Queues an emit that must wait, recording when it is admitted or refused. */
  const wait = (priority: Priority, name: string = priority): Tracked => {
    const pending = admission.acquire(priority);
    if (pending === undefined) throw new Error(`${name} was admitted at once; expected it to wait`);
    const tracked: Tracked = { status: 'pending', error: undefined };
    pending.then(
      () => {
        tracked.status = 'resolved';
        order.push(name);
      },
      (error: unknown) => {
        tracked.status = 'rejected';
        tracked.error = error;
      },
    );
    return tracked;
  };
  return { clock, channel, state, admission, order, wait };
}

describe('Admission limits', () => {
  it('gives each priority its share of bufferSize', () => {
    const { admission } = setup(100);
    expect(admission.limitFor('high')).toBe(100);
    expect(admission.limitFor('normal')).toBe(90);
    expect(admission.limitFor('low')).toBe(75);
  });

  it('rounds shares down and never below one', () => {
    const odd = setup(7).admission;
    expect([odd.limitFor('high'), odd.limitFor('normal'), odd.limitFor('low')]).toEqual([7, 6, 5]);
    const tiny = setup(1).admission;
    expect([tiny.limitFor('high'), tiny.limitFor('normal'), tiny.limitFor('low')]).toEqual([
      1, 1, 1,
    ]);
  });

  it.each([
    ['high', 99, 100],
    ['normal', 89, 90],
    ['low', 74, 75],
  ] as const)(
    'admits %s at once below its limit and queues it at the limit',
    (priority, below, at) => {
      const { admission, state, wait } = setup(100);
      state.retained = below;
      expect(admission.acquire(priority)).toBeUndefined();
      admission.release();
      state.retained = at;
      wait(priority);
      expect(admission.waiting).toBe(1);
    },
  );

  it('counts admitted emits that are not yet appended against the limit', () => {
    const { admission, wait } = setup(100);
    for (let i = 0; i < 75; i++) expect(admission.acquire('low')).toBeUndefined();
    wait('low');
    for (let i = 75; i < 90; i++) expect(admission.acquire('normal')).toBeUndefined();
    wait('normal');
    for (let i = 90; i < 100; i++) expect(admission.acquire('high')).toBeUndefined();
    wait('high');
    expect(admission.waiting).toBe(3);
  });
});

describe('Admission waiting', () => {
  it('admits a waiter when retained drops and wake() is called', async () => {
    const { admission, state, wait } = setup();
    state.retained = 90;
    const waiter = wait('normal');
    await settle();
    expect(waiter.status).toBe('pending');
    state.retained = 89;
    await settle();
    expect(waiter.status).toBe('pending'); // nothing re-checks until wake()
    admission.wake();
    await settle();
    expect(waiter.status).toBe('resolved');
    expect(admission.waiting).toBe(0);
  });

  it('wakes waiters when a reserved emit is released', async () => {
    const { admission, wait } = setup(10);
    for (let i = 0; i < 9; i++) expect(admission.acquire('normal')).toBeUndefined();
    const waiter = wait('normal');
    admission.release();
    await settle();
    expect(waiter.status).toBe('resolved');
  });

  it('serves high before normal before low, FIFO within a priority', async () => {
    const { admission, state, order, wait } = setup(100);
    state.retained = 100;
    wait('low', 'low-1');
    wait('normal', 'normal-1');
    wait('high', 'high-1');
    wait('low', 'low-2');
    wait('normal', 'normal-2');
    wait('high', 'high-2');
    state.retained = 0;
    admission.wake();
    await settle();
    expect(order).toEqual(['high-1', 'high-2', 'normal-1', 'normal-2', 'low-1', 'low-2']);
  });

  it('admits only as many waiters as there is room for, highest priority first', async () => {
    const { admission, state, order, wait } = setup(100);
    state.retained = 100;
    wait('low', 'low-1');
    wait('normal', 'normal-1');
    wait('high', 'high-1');
    wait('high', 'high-2');
    state.retained = 98; // room for two high, none for normal (limit 90) or low (75)
    admission.wake();
    await settle();
    expect(order).toEqual(['high-1', 'high-2']);
    expect(admission.waiting).toBe(2);
    state.retained = 87; // plus the two reserved: room for one normal
    admission.wake();
    await settle();
    expect(order).toEqual(['high-1', 'high-2', 'normal-1']);
    expect(admission.waiting).toBe(1);
  });

  it('does not let a later normal emit overtake a queued normal waiter', async () => {
    const { admission, state, order, wait } = setup(100);
    state.retained = 90;
    const first = wait('normal', 'first');
    state.retained = 89; // room for one, before anyone calls wake()
    const second = wait('normal', 'second');
    admission.wake();
    await settle();
    expect(first.status).toBe('resolved');
    expect(second.status).toBe('pending');
    expect(order).toEqual(['first']);
  });

  it('does not let a later low emit overtake a queued normal waiter', () => {
    const { admission, state, wait } = setup(100);
    state.retained = 90;
    wait('normal');
    state.retained = 0;
    wait('low');
    expect(admission.waiting).toBe(2);
  });

  it('lets a high emit pass queued normal waiters while there is room for it', () => {
    const { admission, state, wait } = setup(100);
    state.retained = 90;
    wait('normal');
    expect(admission.acquire('high')).toBeUndefined();
    expect(admission.waiting).toBe(1);
  });

  it('cancels the waiter timer once admitted', async () => {
    const { admission, clock, state, wait } = setup();
    state.retained = 100;
    const waiter = wait('high');
    expect(clock.pendingTimers).toBe(1);
    state.retained = 0;
    admission.wake();
    await settle();
    expect(clock.pendingTimers).toBe(0);
    clock.advance(EMIT_TIMEOUT_MS * 2);
    await settle();
    expect(waiter.status).toBe('resolved');
  });
});

describe('Admission timeouts', () => {
  it('fails a waiter with BackPressureError after emitTimeoutMs', async () => {
    const { admission, clock, channel, state, wait } = setup(100);
    state.retained = 95;
    const waiter = wait('normal');
    clock.advance(EMIT_TIMEOUT_MS - 1);
    await settle();
    expect(waiter.status).toBe('pending');
    clock.advance(1);
    await settle();
    expect(waiter.status).toBe('rejected');
    const error = waiter.error as BackPressureError;
    expect(error).toBeInstanceOf(BackPressureError);
    expect(error).toBeInstanceOf(WardenError);
    expect(error.code).toBe('BUS_BUFFER_FULL');
    expect(error.category).toBe('resource_exhausted');
    expect(error.channel).toBe(channel);
    expect(error.details).toEqual({
      channel,
      priority: 'normal',
      limit: 90,
      retained: 95,
      waitedMs: EMIT_TIMEOUT_MS,
    });
    expect(admission.waiting).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });

  it('times out each waiter on its own schedule and keeps the others queued', async () => {
    const { admission, clock, state, order, wait } = setup(100);
    state.retained = 100;
    const early = wait('low', 'early');
    clock.advance(500);
    const late = wait('low', 'late');
    clock.advance(EMIT_TIMEOUT_MS - 500);
    await settle();
    expect(early.status).toBe('rejected');
    expect((early.error as BackPressureError).details['priority']).toBe('low');
    expect(late.status).toBe('pending');
    expect(admission.waiting).toBe(1);
    state.retained = 0;
    admission.wake();
    await settle();
    expect(order).toEqual(['late']);
  });
});

describe('Admission timers', () => {
  it('keeps one timer per priority however many emits wait', async () => {
    const { admission, clock, state, wait } = setup(100);
    state.retained = 100;
    const waiters = Array.from({ length: 50 }, (_, i) => wait(i % 2 === 0 ? 'normal' : 'low'));
    expect(clock.pendingTimers).toBe(2);
    clock.advance(EMIT_TIMEOUT_MS);
    await settle();
    expect(waiters.every((waiter) => waiter.status === 'rejected')).toBe(true);
    expect(admission.waiting).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('Admission.rejectAll', () => {
  it('rejects every waiter with the given error and clears their timers', async () => {
    const { admission, clock, state, wait } = setup();
    state.retained = 100;
    const waiters = [wait('high'), wait('normal'), wait('low'), wait('low')];
    const closed = new Error('bus closed');
    admission.rejectAll(closed);
    await settle();
    for (const waiter of waiters) {
      expect(waiter.status).toBe('rejected');
      expect(waiter.error).toBe(closed);
    }
    expect(admission.waiting).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });

  it('leaves nothing for a later wake() or timeout to settle', async () => {
    const { admission, clock, state, order, wait } = setup();
    state.retained = 100;
    const waiter = wait('normal');
    admission.rejectAll(new Error('closing'));
    state.retained = 0;
    admission.wake();
    clock.advance(EMIT_TIMEOUT_MS);
    await settle();
    expect(waiter.status).toBe('rejected');
    expect(order).toEqual([]);
    expect(admission.waiting).toBe(0);
  });
});
