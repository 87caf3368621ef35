import { expect, it } from 'vitest';
import { AlertError, AlertStore, alertMigrations } from '../../src/alerts/index.js';
import type { RaisedAlert } from '../../src/alerts/index.js';
import { FakeClock } from '../../src/shared/fake-clock.js';
import { describeEachDatabase } from '../../src/storage/testing.js';
import { newTenant } from './alert-fixture.js';

let counter = 0;

function alert(tenantId: string, overrides: Partial<RaisedAlert> = {}): RaisedAlert {
  counter += 1;
  const hex = counter.toString(16).padStart(32, '0');
  return {
    id: `alr_${hex}`,
    tenantId,
    ruleId: 'auth.brute_force',
    ruleKind: 'threshold',
    severity: 'high',
    title: 'Brute force',
    description: 'Repeated failures.',
    groupKey: JSON.stringify([tenantId, 'alice']),
    group: { 'data.username': 'alice' },
    eventIds: ['e1', 'e2'],
    count: 2,
    firstEventAt: 1_000,
    lastEventAt: 2_000,
    raisedAt: 2_000 + counter,
    ...overrides,
  };
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AlertError);
  expect((error as AlertError).code).toBe(code);
}

describeEachDatabase('alert store', (open) => {
  async function store(clock = new FakeClock()): Promise<AlertStore> {
    const database = await open();
    await database.migrate(alertMigrations);
    return new AlertStore(database, clock);
  }

  it('stores an alert once, however often it is inserted, and reads it back whole', async () => {
    const s = await store();
    const tenantId = newTenant();
    const a = alert(tenantId);
    await s.insert(a);
    await s.insert(a);
    const page = await s.list(tenantId);
    expect(page.alerts).toEqual([{ ...a, status: 'open' }]);
    expect(await s.get(tenantId, a.id)).toEqual({ ...a, status: 'open' });
  });

  it("never lists, gets or acknowledges another tenant's alert", async () => {
    const s = await store();
    const [tenantA, tenantB] = [newTenant(), newTenant()];
    const a = alert(tenantA);
    await s.insert(a);
    expect((await s.list(tenantB)).alerts).toEqual([]);
    await expectCode(s.get(tenantB, a.id), 'ALERT_NOT_FOUND');
    await expectCode(s.acknowledge(tenantB, a.id, 'mallory'), 'ALERT_NOT_FOUND');
    expect((await s.get(tenantA, a.id)).status).toBe('open');
  });

  it('acknowledges with who and when, keeping the first acknowledgement', async () => {
    const clock = new FakeClock();
    const s = await store(clock);
    const tenantId = newTenant();
    const a = alert(tenantId);
    await s.insert(a);
    const acked = await s.acknowledge(tenantId, a.id, 'alice');
    expect(acked).toMatchObject({
      status: 'acknowledged',
      acknowledgedBy: 'alice',
      acknowledgedAt: clock.now(),
    });
    clock.advance(5_000);
    expect(await s.acknowledge(tenantId, a.id, 'bob')).toEqual(acked);
    await expectCode(s.acknowledge(tenantId, 'alr_missing', 'alice'), 'ALERT_NOT_FOUND');
  });

  it('filters by status, severity, rule and time', async () => {
    const s = await store();
    const tenantId = newTenant();
    const high = alert(tenantId, { raisedAt: 10_000 });
    const low = alert(tenantId, {
      severity: 'low',
      ruleId: 'system.dead_letters',
      raisedAt: 20_000,
    });
    const crit = alert(tenantId, { severity: 'critical', raisedAt: 30_000 });
    for (const a of [high, low, crit]) await s.insert(a);
    await s.acknowledge(tenantId, crit.id, 'alice');
    const ids = async (q: Parameters<AlertStore['list']>[1]): Promise<string[]> =>
      (await s.list(tenantId, q)).alerts.map((a) => a.id);
    expect(await ids({ status: 'open' })).toEqual([low.id, high.id]);
    expect(await ids({ status: 'acknowledged' })).toEqual([crit.id]);
    expect(await ids({ severities: ['low', 'critical'] })).toEqual([crit.id, low.id]);
    expect(await ids({ ruleId: 'system.dead_letters' })).toEqual([low.id]);
    expect(await ids({ since: 20_000, until: 30_000 })).toEqual([low.id]);
  });

  it('pages newest first with keyset cursors, including equal raise times', async () => {
    const s = await store();
    const tenantId = newTenant();
    const all = Array.from({ length: 7 }, (_, i) =>
      alert(tenantId, { raisedAt: 50_000 + Math.floor(i / 2) }),
    );
    for (const a of all) await s.insert(a);
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const page = await s.list(tenantId, {
        limit: 3,
        ...(cursor === undefined ? {} : { cursor }),
      });
      seen.push(...page.alerts.map((a) => a.id));
      if (page.nextCursor === null) break;
      cursor = page.nextCursor;
    }
    const expected = [...all].sort((a, b) => b.raisedAt - a.raisedAt || (a.id < b.id ? 1 : -1));
    expect(seen).toEqual(expected.map((a) => a.id));
  });

  it('rejects bad filters and foreign cursors with ALERT_QUERY_INVALID', async () => {
    const s = await store();
    const tenantId = newTenant();
    await expectCode(s.list(tenantId, { limit: 0 }), 'ALERT_QUERY_INVALID');
    await expectCode(s.list(tenantId, { cursor: 'not-a-cursor' }), 'ALERT_QUERY_INVALID');
    await expectCode(s.list(tenantId, { severities: ['urgent' as never] }), 'ALERT_QUERY_INVALID');
  });
});
