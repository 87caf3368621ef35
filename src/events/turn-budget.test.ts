import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { settle } from '../shared/fake-clock.js';
import { EventBusService } from './bus.js';
import { createEvent } from './create-event.js';
import { BackPressureError } from './errors.js';
import { MemoryEventLog } from './log/memory/memory-event-log.js';
import { TurnBudget } from './turn-budget.js';

describe('TurnBudget', () => {
  it('is spent once a turn has run longer than its budget', () => {
    let now = 1000;
    const budget = new TurnBudget(5, () => now);
    expect(budget.spent()).toBe(false); // starts the turn's count
    now += 5;
    expect(budget.spent()).toBe(false);
    now += 1;
    expect(budget.spent()).toBe(true);
  });

  it('asks to be checked after every delivery once deliveries are slow', () => {
    let now = 1000;
    const budget = new TurnBudget(8, () => now);
    budget.spent();
    now += 1;
    budget.spent();
    expect(budget.checkEvery).toBe(16);
    now += 3; // more than a quarter of the budget since the last check
    budget.spent();
    expect(budget.checkEvery).toBe(1);
  });

  it('starts a fresh budget on the next turn of the event loop', async () => {
    let now = 1000;
    const budget = new TurnBudget(5, () => now);
    budget.spent();
    now += 50;
    expect(budget.spent()).toBe(true);
    await budget.nextTurn();
    expect(budget.spent()).toBe(false);
  });
});

/** Keeps the CPU busy for `ms` (a handler doing real work, not a sleep). */
function burnCpu(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // spin
  }
}

describe('a long drain', () => {
  it('lets a waiting emit fail with BackPressureError before the drain ends', async () => {
    // Real timers: the point is that Node's own timers get to run while handlers keep the
    // loop busy, which a fake clock cannot show.
    const channel = `drain-${randomUUID().slice(0, 8)}`;
    const bus = new EventBusService(
      {
        channels: {
          [channel]: { bufferSize: 50, consumers: ['stalled', 'busy'], emitTimeoutMs: 20 },
        },
        defaultConsumer: 'audit-logger',
      },
      { log: new MemoryEventLog() },
    );
    const EVENTS = 45; // normal priority is admitted up to 90% of bufferSize
    let handled = 0;
    bus.subscribe(channel, () => new Promise<void>(() => undefined), { consumer: 'stalled' });
    bus.subscribe(
      channel,
      () => {
        burnCpu(2);
        handled++;
        return Promise.resolve();
      },
      { consumer: 'busy' },
    );
    const event = (n: number) =>
      createEvent({ type: 'test.drained', source: 'turn-budget-test', data: { n } });
    for (let n = 0; n < EVENTS; n++) void bus.emit(channel, event(n));
    // The stalled consumer keeps the buffer full, so this emit waits for room that never comes.
    const refused = bus.emit(channel, event(EVENTS)).then(
      () => ({ error: undefined, handled }),
      (error: unknown) => ({ error, handled }),
    );
    const outcome = await refused;
    expect(outcome.error).toBeInstanceOf(BackPressureError);
    // The timeout fired while the busy consumer still had events to go (about 90 ms of work).
    expect(outcome.handled).toBeLessThan(EVENTS);
    await settle();
    await bus.close({ timeoutMs: 10 });
  });
});
