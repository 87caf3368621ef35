import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock, settle } from '../shared/fake-clock.js';
import { EventBusService } from './bus.js';
import { createEventFactory } from './create-event.js';
import { MemoryEventLog } from './log/memory/memory-event-log.js';
import type { BusObservation } from './observer.js';
import type { BaseEvent, DomainEvent } from './schema.js';

type NumberEvent = DomainEvent<{ n: number }>;

const buses: EventBusService[] = [];
afterEach(async () => {
  for (const bus of buses.splice(0)) await bus.close({ timeoutMs: 10 });
});

function setup(retryAttempts = 3) {
  const clock = new FakeClock();
  const channel = `ch-${randomUUID().slice(0, 8)}`;
  const observations: BusObservation[] = [];
  const bus = new EventBusService(
    {
      channels: {
        [channel]: {
          bufferSize: 100,
          consumers: ['c'],
          retryStrategy: { attempts: retryAttempts, backoff: 'fixed', delay: 100 },
        },
      },
      defaultConsumer: 'audit-logger',
    },
    { log: new MemoryEventLog({ clock }), clock, observer: (o) => observations.push(o) },
  );
  buses.push(bus);
  const makeEvent = createEventFactory({ clock });
  const event = (n: number, tenant = `tenant-${randomUUID().slice(0, 4)}`) =>
    makeEvent({
      type: 'test.happened',
      source: 'dispatcher-test',
      data: { n },
      metadata: { tenantId: tenant },
    });
  return { bus, clock, channel, event, observations };
}

const numbers = (events: readonly BaseEvent[]) => events.map((e) => (e as NumberEvent).data.n);

describe('Dispatcher', () => {
  it('retries a handler that throws synchronously, like one that rejects', async () => {
    const { bus, clock, channel, event } = setup();
    let calls = 0;
    const seen: BaseEvent[] = [];
    bus.subscribe(
      channel,
      (e: BaseEvent) => {
        calls++;
        if (calls === 1) throw new Error('sync failure');
        seen.push(e);
        return Promise.resolve();
      },
      { consumer: 'c' },
    );
    await bus.emit(channel, event(1));
    await settle();
    expect(calls).toBe(1);
    await clock.advanceAsync(100);
    await bus.drain();
    expect(numbers(seen)).toEqual([1]);
    expect(await bus.countDeadLetters(channel)).toBe(0);
  });

  it('counts a handler that returns no promise as a success, in order', async () => {
    const { bus, channel, event } = setup();
    const seen: BaseEvent[] = [];
    // A JavaScript caller may pass a plain function: its return is taken as an acknowledgement.
    const plain = (e: BaseEvent) => void seen.push(e);
    bus.subscribe(channel, plain as unknown as (e: BaseEvent) => Promise<void>, { consumer: 'c' });
    for (const n of [1, 2, 3]) await bus.emit(channel, event(n));
    await bus.drain();
    expect(numbers(seen)).toEqual([1, 2, 3]);
  });

  it('keeps delivering when the ordering key function throws, and reports it', async () => {
    const { bus, channel, event, observations } = setup();
    const seen: BaseEvent[] = [];
    bus.subscribe(channel, async (e) => void seen.push(e), {
      consumer: 'c',
      maxConcurrency: 4,
      orderingKey: (e: NumberEvent) => {
        if (e.data.n === 2) throw new Error('no key for this one');
        return String(e.data.n % 2);
      },
    });
    for (const n of [1, 2, 3, 4]) await bus.emit(channel, event(n));
    await bus.drain();
    expect(numbers(seen).sort()).toEqual([1, 2, 3, 4]);
    expect(observations).toContainEqual(
      expect.objectContaining({ kind: 'internal_error', channel, where: 'ordering-key' }),
    );
  });

  it('dead-letters with the attempts and error of the failing event, not of the next one', async () => {
    const { bus, clock, channel, event } = setup(2);
    const start = clock.now();
    bus.subscribe(
      channel,
      async (e: NumberEvent) => {
        if (e.data.n === 1) throw new Error(`bad ${e.data.n}`);
      },
      { consumer: 'c' },
    );
    await bus.emit(channel, event(1));
    await bus.emit(channel, event(2));
    await settle();
    await clock.advanceAsync(100);
    await bus.drain();
    const dead = await bus.listDeadLetters(channel);
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({
      attempts: 2,
      lastError: 'Error: bad 1',
      firstAttemptAt: start,
    });
    expect((dead[0]?.event as NumberEvent).data.n).toBe(1);
  });
});
