import { randomUUID } from 'node:crypto';
import { createEventFactory } from '../../src/events/index.js';
import type { DomainEvent } from '../../src/events/index.js';
import { AlertEngine, parseRules } from '../../src/alerts/index.js';
import type { AlertRule } from '../../src/alerts/index.js';
import { FakeClock } from '../../src/shared/fake-clock.js';

export const newTenant = (): string => `tenant-${randomUUID().slice(0, 8)}`;
export const newName = (prefix = 'user'): string => `${prefix}-${randomUUID().slice(0, 8)}`;

/** An engine over `rules` with a fake clock, and an event factory on the same clock. */
export class EngineHarness {
  readonly clock: FakeClock;
  readonly engine: AlertEngine;
  readonly #createEvent: ReturnType<typeof createEventFactory>;

  constructor(rules: readonly AlertRule[], options: { maxGroupsPerRule?: number } = {}) {
    this.clock = new FakeClock();
    this.engine = new AlertEngine({ rules: parseRules(rules), clock: this.clock, ...options });
    this.#createEvent = createEventFactory({ clock: this.clock });
  }

  event(
    type: string,
    data: Record<string, unknown>,
    metadata: Record<string, unknown> = {},
  ): DomainEvent<Record<string, unknown>> {
    return this.#createEvent({ type, source: 'test', data, metadata });
  }

  /** Evaluates a new event now and returns the ids of the rules it raised. */
  raise(
    type: string,
    data: Record<string, unknown>,
    metadata: Record<string, unknown> = {},
  ): string[] {
    return this.engine.evaluate(this.event(type, data, metadata)).map((a) => a.ruleId);
  }
}

/** A threshold rule on `test.hit` events, grouped by `data.key`. */
export function thresholdRule(overrides: Partial<AlertRule> = {}): AlertRule {
  return {
    id: 'test.threshold',
    kind: 'threshold',
    title: 'Test threshold',
    description: 'Counts test hits.',
    severity: 'medium',
    match: { type: 'test.hit' },
    groupBy: ['metadata.tenantId', 'data.key'],
    threshold: 3,
    windowMs: 10_000,
    suppressMs: 0,
    ...overrides,
  } as AlertRule;
}
