import fc from 'fast-check';
import { afterEach, expect, it } from 'vitest';
import { settle } from '../../shared/fake-clock.js';
import type { EventBusService } from '../bus.js';
import { PermanentFailure } from '../errors.js';
import type { Priority } from '../schema.js';
import { createHarness } from './conformance-harness.js';
import type { EventLogFactory, Harness, TestEvent } from './conformance-harness.js';

const ATTEMPTS = 3;

/** How one consumer treats one event: fail this many times first, or fail permanently. */
type Plan =
  | { readonly kind: 'transient'; readonly failures: number }
  | { readonly kind: 'permanent'; readonly onAttempt: number };

interface Scenario {
  readonly events: readonly {
    readonly tenant: string;
    readonly priority: Priority;
    readonly plans: readonly [Plan, Plan];
  }[];
  readonly maxConcurrency: number;
}

const plan: fc.Arbitrary<Plan> = fc.oneof(
  { weight: 6, arbitrary: fc.constant<Plan>({ kind: 'transient', failures: 0 }) },
  {
    weight: 3,
    arbitrary: fc
      .integer({ min: 1, max: ATTEMPTS + 1 })
      .map((failures): Plan => ({ kind: 'transient', failures })),
  },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 1, max: ATTEMPTS })
      .map((onAttempt): Plan => ({ kind: 'permanent', onAttempt })),
  },
);

const scenario: fc.Arbitrary<Scenario> = fc.record({
  events: fc.array(
    fc.record({
      tenant: fc.constantFrom('t1', 't2', 't3'),
      priority: fc.constantFrom<Priority>('high', 'normal', 'low'),
      plans: fc.tuple(plan, plan),
    }),
    { minLength: 1, maxLength: 40 },
  ),
  maxConcurrency: fc.integer({ min: 1, max: 3 }),
});

/** Failed attempts an event gets before it succeeds or is dead-lettered, and whether it is. */
function expectedFate(p: Plan): { deadLettered: boolean; attempts: number } {
  if (p.kind === 'permanent') return { deadLettered: true, attempts: p.onAttempt };
  return p.failures >= ATTEMPTS
    ? { deadLettered: true, attempts: ATTEMPTS }
    : { deadLettered: false, attempts: p.failures + 1 };
}

/**
 * Drives the fake clock until nothing is left to deliver. `drain()` is not enough on its own: with
 * a remote log a delivery can fail (and schedule a retry on the fake clock) while it waits.
 */
async function runUntilQuiet(h: Harness): Promise<void> {
  const giveUpAt = Date.now() + 30_000;
  while (Date.now() < giveUpAt) {
    await settle();
    const next = h.clock.nextTimerInMs();
    if (next !== undefined) {
      await h.clock.advanceAsync(next);
      continue;
    }
    const channel = (await h.bus.health()).channels.find((c) => c.channel === h.channel);
    const busy = channel?.consumers.some((c) => c.lag > 0 || c.inFlight > 0) ?? true;
    if (!busy && h.clock.nextTimerInMs() === undefined) return;
  }
  throw new Error('the bus did not go quiet');
}

/**
 * For random events, keys, priorities and failures: every consumer receives every event that
 * was not dead-lettered, in order per key and priority, and exactly the events that failed
 * `attempts` times (or permanently) are dead-lettered, with their attempt counts.
 */
export function describeOrderingProperty(factory: EventLogFactory, buses: EventBusService[]): void {
  afterEach(async () => {
    await Promise.all(buses.splice(0).map((bus) => bus.close()));
  });

  it('delivers everything not dead-lettered, in order per key and priority, under random failures', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ events, maxConcurrency }) => {
        const consumers = ['c0', 'c1'] as const;
        const h = await createHarness(factory, {
          bufferSize: 1000,
          consumers,
          retryStrategy: {
            attempts: ATTEMPTS,
            backoff: 'exponential',
            initialDelay: 10,
            maxDelay: 40,
          },
          circuitBreaker: { failureThreshold: 1_000_000 },
        });
        buses.push(h.bus);
        const delivered = consumers.map(() => [] as number[]);
        const attempts = consumers.map(() => new Map<number, number>());
        consumers.forEach((consumer, c) => {
          h.bus.subscribe(
            h.channel,
            async (e: TestEvent) => {
              const n = e.data.n;
              const made = (attempts[c]?.get(n) ?? 0) + 1;
              attempts[c]?.set(n, made);
              const p = events[n]?.plans[c] as Plan;
              if (p.kind === 'permanent') {
                throw made === p.onAttempt
                  ? new PermanentFailure('poison')
                  : new Error('transient, then poison');
              }
              if (made <= p.failures) throw new Error('transient');
              delivered[c]?.push(n);
            },
            { consumer, maxConcurrency },
          );
        });
        for (const [n, spec] of events.entries()) {
          await h.bus.emitWithGuarantee(h.channel, h.event(n, spec.tenant), {
            priority: spec.priority,
          });
        }
        await runUntilQuiet(h);

        const dead = await h.bus.listDeadLetters(h.channel, { limit: 1000 });
        for (const [c, consumer] of consumers.entries()) {
          const expectedDead = events.flatMap((e, n) =>
            expectedFate(e.plans[c] as Plan).deadLettered ? [n] : [],
          );
          const deadHere = dead.filter((d) => d.consumer === consumer);
          expect(deadHere.map((d) => (d.event as TestEvent).data.n).sort((a, b) => a - b)).toEqual(
            expectedDead,
          );
          for (const d of deadHere) {
            expect(d.attempts).toBe(
              expectedFate(events[(d.event as TestEvent).data.n]?.plans[c] as Plan).attempts,
            );
          }
          const got = delivered[c] ?? [];
          expect([...got].sort((a, b) => a - b)).toEqual(
            events.flatMap((_, n) => (expectedDead.includes(n) ? [] : [n])),
          );
          // Within one key and priority, delivery follows append order.
          for (const tenant of ['t1', 't2', 't3']) {
            for (const priority of ['high', 'normal', 'low'] as const) {
              const ofGroup = got.filter((n) => {
                const spec = events[n];
                return spec?.tenant === tenant && spec.priority === priority;
              });
              expect(ofGroup).toEqual([...ofGroup].sort((a, b) => a - b));
            }
          }
        }
        await h.bus.close();
      }),
      { numRuns: factory.propertyRuns ?? 40 },
    );
  }, 120_000);
}
