import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EngineHarness, newTenant, thresholdRule } from './alert-fixture.js';
import type { AlertRule } from '../../src/alerts/index.js';
import { MAX_ALERT_EVENT_IDS } from '../../src/alerts/index.js';

describe('threshold rules', () => {
  it('raises when the threshold is reached within the window', () => {
    const h = new EngineHarness([thresholdRule()]);
    const tenantId = newTenant();
    expect(h.raise('test.hit', { key: 'a' }, { tenantId })).toEqual([]);
    h.clock.advance(4_000);
    expect(h.raise('test.hit', { key: 'a' }, { tenantId })).toEqual([]);
    h.clock.advance(4_000);
    expect(h.raise('test.hit', { key: 'a' }, { tenantId })).toEqual(['test.threshold']);
  });

  it('does not raise when the first event is exactly windowMs old (half-open window)', () => {
    const h = new EngineHarness([thresholdRule()]);
    const tenantId = newTenant();
    h.raise('test.hit', { key: 'a' }, { tenantId });
    h.clock.advance(5_000);
    h.raise('test.hit', { key: 'a' }, { tenantId });
    h.clock.advance(5_000);
    expect(h.raise('test.hit', { key: 'a' }, { tenantId })).toEqual([]);
    h.clock.advance(1);
    expect(h.raise('test.hit', { key: 'a' }, { tenantId })).toEqual(['test.threshold']);
  });

  it('carries tenant, rule, severity, group, counts and the triggering event ids', () => {
    const h = new EngineHarness([thresholdRule({ threshold: 2 })]);
    const tenantId = newTenant();
    const first = h.event('test.hit', { key: 'k1' }, { tenantId });
    h.engine.evaluate(first);
    h.clock.advance(1_000);
    const second = h.event('test.hit', { key: 'k1' }, { tenantId });
    const [alert] = h.engine.evaluate(second);
    expect(alert).toMatchObject({
      tenantId,
      ruleId: 'test.threshold',
      ruleKind: 'threshold',
      severity: 'medium',
      title: 'Test threshold',
      group: { 'data.key': 'k1' },
      groupKey: JSON.stringify([tenantId, 'k1']),
      eventIds: [first.id, second.id],
      count: 2,
      firstEventAt: h.clock.now() - 1_000,
      lastEventAt: h.clock.now(),
      raisedAt: h.clock.now(),
    });
    expect(alert?.id).toMatch(/^alr_[0-9a-f]{32}$/);
  });

  it('gives the same alert id when the same event is evaluated again by a fresh engine', () => {
    const a = new EngineHarness([thresholdRule({ threshold: 1 })]);
    const b = new EngineHarness([thresholdRule({ threshold: 1 })]);
    const event = a.event('test.hit', { key: 'x' }, { tenantId: newTenant() });
    expect(a.engine.evaluate(event)[0]?.id).toBe(b.engine.evaluate(event)[0]?.id);
  });

  it('keeps groups apart', () => {
    const h = new EngineHarness([thresholdRule({ threshold: 2 })]);
    const tenantId = newTenant();
    expect(h.raise('test.hit', { key: 'a' }, { tenantId })).toEqual([]);
    expect(h.raise('test.hit', { key: 'b' }, { tenantId })).toEqual([]);
    expect(h.raise('test.hit', { key: 'a' }, { tenantId })).toEqual(['test.threshold']);
  });

  it('never counts two tenants together, even without metadata.tenantId in groupBy', () => {
    const h = new EngineHarness([thresholdRule({ threshold: 2, groupBy: ['data.key'] })]);
    expect(h.raise('test.hit', { key: 'a' }, { tenantId: newTenant() })).toEqual([]);
    expect(h.raise('test.hit', { key: 'a' }, { tenantId: newTenant() })).toEqual([]);
  });

  it('does not count an event missing a group-by field', () => {
    const h = new EngineHarness([thresholdRule({ threshold: 2 })]);
    const tenantId = newTenant();
    h.raise('test.hit', {}, { tenantId });
    expect(h.raise('test.hit', {}, { tenantId })).toEqual([]);
  });

  it('suppresses a repeat for the same group within suppressMs, then raises again', () => {
    const h = new EngineHarness([thresholdRule({ threshold: 1, suppressMs: 60_000 })]);
    const tenantId = newTenant();
    expect(h.raise('test.hit', { key: 'a' }, { tenantId })).toEqual(['test.threshold']);
    h.clock.advance(59_999);
    expect(h.raise('test.hit', { key: 'a' }, { tenantId })).toEqual([]);
    expect(h.raise('test.hit', { key: 'b' }, { tenantId })).toEqual(['test.threshold']);
    h.clock.advance(1);
    expect(h.raise('test.hit', { key: 'a' }, { tenantId })).toEqual(['test.threshold']);
    expect(h.engine.stats().suppressed).toBe(1);
  });

  it('needs a fresh threshold of events after an alert', () => {
    const h = new EngineHarness([thresholdRule({ threshold: 2 })]);
    const tenantId = newTenant();
    h.raise('test.hit', { key: 'a' }, { tenantId });
    expect(h.raise('test.hit', { key: 'a' }, { tenantId })).toHaveLength(1);
    expect(h.raise('test.hit', { key: 'a' }, { tenantId })).toEqual([]);
    expect(h.raise('test.hit', { key: 'a' }, { tenantId })).toHaveLength(1);
  });

  it('matches by type prefix and by field conditions', () => {
    const rule = thresholdRule({
      threshold: 1,
      match: {
        typePrefix: 'test.',
        where: [
          { path: 'data.granted', op: 'eq', value: false },
          { path: 'data.level', op: 'in', value: [2, 3] },
          { path: 'data.tags', op: 'contains_any', value: ['x'] },
          { path: 'data.name', op: 'prefix', value: 'adm' },
          { path: 'data.ghost', op: 'not_exists' },
        ],
      },
    });
    const h = new EngineHarness([rule]);
    const tenantId = newTenant();
    const good = { key: 'a', granted: false, level: 2, tags: ['y', 'x'], name: 'admin' };
    expect(h.raise('other.hit', good, { tenantId })).toEqual([]);
    expect(h.raise('test.other', { ...good, granted: true }, { tenantId })).toEqual([]);
    expect(h.raise('test.other', { ...good, level: 1 }, { tenantId })).toEqual([]);
    expect(h.raise('test.other', { ...good, tags: ['y'] }, { tenantId })).toEqual([]);
    expect(h.raise('test.other', { ...good, name: 'bob' }, { tenantId })).toEqual([]);
    expect(h.raise('test.other', { ...good, ghost: 1 }, { tenantId })).toEqual([]);
    expect(h.raise('test.other', good, { tenantId })).toEqual(['test.threshold']);
  });

  it('does not read inherited properties through a path', () => {
    const rule = thresholdRule({
      threshold: 1,
      match: { type: 'test.hit', where: [{ path: 'data.toString', op: 'exists' }] },
    });
    const h = new EngineHarness([rule]);
    expect(h.raise('test.hit', { key: 'a' }, { tenantId: newTenant() })).toEqual([]);
  });

  it('never dates an event later than the clock (a forged future time)', () => {
    const h = new EngineHarness([thresholdRule({ threshold: 2 })]);
    const tenantId = newTenant();
    const future = { ...h.event('test.hit', { key: 'a' }, { tenantId }) };
    future.time = new Date(h.clock.now() + 3_600_000).toISOString();
    h.engine.evaluate(future);
    h.clock.advance(10_000);
    expect(h.raise('test.hit', { key: 'a' }, { tenantId })).toEqual([]);
  });

  it('counts events delivered late (a replayed backlog) by their own times', () => {
    const h = new EngineHarness([thresholdRule()]);
    const tenantId = newTenant();
    const hourAgo = h.clock.now() - 3_600_000;
    const late = (offsetMs: number): string[] => {
      const event = { ...h.event('test.hit', { key: 'a' }, { tenantId }) };
      event.time = new Date(hourAgo + offsetMs).toISOString();
      return h.engine.evaluate(event).map((a) => a.ruleId);
    };
    expect(late(0)).toEqual([]);
    expect(late(20_000)).toEqual([]);
    expect(late(21_000)).toEqual([]);
    expect(late(22_000)).toEqual(['test.threshold']);
  });

  it('caps the triggering event ids it carries', () => {
    const h = new EngineHarness([thresholdRule({ threshold: MAX_ALERT_EVENT_IDS + 5 })]);
    const tenantId = newTenant();
    let alerts: string[] = [];
    for (let i = 0; i < MAX_ALERT_EVENT_IDS + 5; i++)
      alerts = h.raise('test.hit', { key: 'a' }, { tenantId });
    expect(alerts).toEqual(['test.threshold']);
    const h2 = new EngineHarness([thresholdRule({ threshold: MAX_ALERT_EVENT_IDS + 1 })]);
    let last = h2.engine.evaluate(h2.event('test.hit', { key: 'a' }, { tenantId }));
    for (let i = 0; i < MAX_ALERT_EVENT_IDS; i++)
      last = h2.engine.evaluate(h2.event('test.hit', { key: 'a' }, { tenantId }));
    expect(last[0]?.eventIds).toHaveLength(MAX_ALERT_EVENT_IDS);
    expect(last[0]?.count).toBe(MAX_ALERT_EVENT_IDS + 1);
  });
});

describe('distinct rules', () => {
  const rule = thresholdRule({
    threshold: 3,
    groupBy: ['metadata.ip'],
    distinct: 'data.user',
  });

  it('counts distinct values, not events', () => {
    const h = new EngineHarness([rule]);
    const m = { tenantId: newTenant(), ip: '203.0.113.9' };
    expect(h.raise('test.hit', { user: 'a' }, m)).toEqual([]);
    expect(h.raise('test.hit', { user: 'a' }, m)).toEqual([]);
    expect(h.raise('test.hit', { user: 'b' }, m)).toEqual([]);
    expect(h.raise('test.hit', { user: 'b' }, m)).toEqual([]);
    expect(h.raise('test.hit', { user: 'c' }, m)).toEqual(['test.threshold']);
  });

  it('forgets values that left the window', () => {
    const h = new EngineHarness([rule]);
    const m = { tenantId: newTenant(), ip: '203.0.113.9' };
    h.raise('test.hit', { user: 'a' }, m);
    h.clock.advance(6_000);
    h.raise('test.hit', { user: 'b' }, m);
    h.clock.advance(4_000);
    expect(h.raise('test.hit', { user: 'c' }, m)).toEqual([]);
    expect(h.raise('test.hit', { user: 'a' }, m)).toEqual(['test.threshold']);
  });

  it('keeps each IP apart', () => {
    const h = new EngineHarness([rule]);
    const tenantId = newTenant();
    h.raise('test.hit', { user: 'a' }, { tenantId, ip: '203.0.113.1' });
    h.raise('test.hit', { user: 'b' }, { tenantId, ip: '203.0.113.2' });
    expect(h.raise('test.hit', { user: 'c' }, { tenantId, ip: '203.0.113.3' })).toEqual([]);
  });
});

describe('sequence rules', () => {
  const rule: AlertRule = {
    id: 'test.sequence',
    kind: 'sequence',
    title: 'Failures then success',
    description: 'N failures then a success.',
    severity: 'critical',
    steps: [{ match: { type: 'test.fail' }, count: 3 }, { match: { type: 'test.ok' } }],
    groupBy: ['data.user'],
    windowMs: 60_000,
    suppressMs: 0,
  };

  it('raises when the steps happen in order within the window', () => {
    const h = new EngineHarness([rule]);
    const m = { tenantId: newTenant() };
    for (let i = 0; i < 3; i++) expect(h.raise('test.fail', { user: 'u' }, m)).toEqual([]);
    expect(h.raise('test.ok', { user: 'u' }, m)).toEqual(['test.sequence']);
  });

  it('does not raise when the success comes before enough failures', () => {
    const h = new EngineHarness([rule]);
    const m = { tenantId: newTenant() };
    h.raise('test.fail', { user: 'u' }, m);
    h.raise('test.fail', { user: 'u' }, m);
    expect(h.raise('test.ok', { user: 'u' }, m)).toEqual([]);
    h.raise('test.fail', { user: 'u' }, m);
    expect(h.engine.evaluate(h.event('test.fail', { user: 'u' }, m))).toEqual([]);
  });

  it('does not raise when the sequence spans more than the window', () => {
    const h = new EngineHarness([rule]);
    const m = { tenantId: newTenant() };
    h.raise('test.fail', { user: 'u' }, m);
    h.clock.advance(30_000);
    h.raise('test.fail', { user: 'u' }, m);
    h.raise('test.fail', { user: 'u' }, m);
    h.clock.advance(30_000);
    expect(h.raise('test.ok', { user: 'u' }, m)).toEqual([]);
    h.raise('test.fail', { user: 'u' }, m);
    expect(h.raise('test.ok', { user: 'u' }, m)).toEqual(['test.sequence']);
  });

  it('uses the latest failures, so a long run of failures still completes', () => {
    const h = new EngineHarness([rule]);
    const m = { tenantId: newTenant() };
    for (let i = 0; i < 10; i++) {
      h.raise('test.fail', { user: 'u' }, m);
      h.clock.advance(20_000);
    }
    expect(h.raise('test.ok', { user: 'u' }, m)).toEqual([]);
    for (let i = 0; i < 3; i++) h.raise('test.fail', { user: 'u' }, m);
    const [alert] = h.engine.evaluate(h.event('test.ok', { user: 'u' }, m));
    expect(alert?.count).toBe(4);
    expect(alert?.ruleKind).toBe('sequence');
  });

  it('keeps accounts and tenants apart', () => {
    const h = new EngineHarness([rule]);
    const a = { tenantId: newTenant() };
    for (let i = 0; i < 3; i++) h.raise('test.fail', { user: 'u' }, a);
    expect(h.raise('test.ok', { user: 'v' }, a)).toEqual([]);
    expect(h.raise('test.ok', { user: 'u' }, { tenantId: newTenant() })).toEqual([]);
  });
});

describe('tenant isolation (property)', () => {
  it('every alert holds only events of its own tenant', () => {
    const tenants = [newTenant(), newTenant(), newTenant()];
    fc.assert(
      fc.property(
        fc.array(fc.record({ tenant: fc.nat(2), key: fc.nat(2), stepMs: fc.nat(4_000) }), {
          maxLength: 60,
        }),
        (steps) => {
          const h = new EngineHarness([thresholdRule({ threshold: 2, groupBy: ['data.key'] })]);
          const tenantOfEvent = new Map<string, string>();
          for (const step of steps) {
            h.clock.advance(step.stepMs);
            const tenantId = tenants[step.tenant] as string;
            const event = h.event('test.hit', { key: `k${step.key}` }, { tenantId });
            tenantOfEvent.set(event.id, tenantId);
            for (const alert of h.engine.evaluate(event)) {
              for (const id of alert.eventIds) expect(tenantOfEvent.get(id)).toBe(alert.tenantId);
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('bounded state', () => {
  it('drops idle groups once their window has passed', () => {
    const h = new EngineHarness([thresholdRule()]);
    const tenantId = newTenant();
    for (let i = 0; i < 50; i++) h.raise('test.hit', { key: `k${i}` }, { tenantId });
    expect(h.engine.stats().groups).toBe(50);
    h.clock.advance(10_000);
    h.raise('test.hit', { key: 'fresh' }, { tenantId });
    expect(h.engine.stats().groups).toBe(1);
  });

  it('past maxGroupsPerRule drops the least recently active group and counts it', () => {
    const h = new EngineHarness([thresholdRule({ threshold: 2 })], { maxGroupsPerRule: 10 });
    const tenantId = newTenant();
    h.raise('test.hit', { key: 'victim' }, { tenantId });
    for (let i = 0; i < 10; i++) h.raise('test.hit', { key: `spray${i}` }, { tenantId });
    expect(h.engine.stats()).toMatchObject({ groups: 10, evictedGroups: 1 });
    expect(h.raise('test.hit', { key: 'victim' }, { tenantId })).toEqual([]);
    expect(h.raise('test.hit', { key: 'spray9' }, { tenantId })).toEqual(['test.threshold']);
  });

  it('counts exactly with a large threshold (only the latest threshold marks are kept)', () => {
    const h = new EngineHarness([thresholdRule({ threshold: 1_000, windowMs: 3_600_000 })]);
    const tenantId = newTenant();
    for (let i = 0; i < 15_000; i++) h.raise('test.hit', { key: `k${i % 10}` }, { tenantId });
    expect(h.engine.stats()).toMatchObject({ groups: 10, raised: 10 });
  });
});
