import fc from 'fast-check';
import { beforeAll, expect, it } from 'vitest';
import { AuditStore } from '../../src/audit/store/audit-store.js';
import type { AuditQuery } from '../../src/audit/store/audit-query.js';
import type { StoredAuditRecord } from '../../src/audit/record.js';
import { FakeClock } from '../../src/shared/fake-clock.js';
import { describeEachDatabase } from '../../src/storage/testing.js';
import { auditRecords, newTenant, testSigningKey } from './audit-fixture.js';

const HOUR = 3_600_000;

describeEachDatabase('audit queries', (open) => {
  let store: AuditStore;
  let tenant: string;
  let other: string;
  let base: number;
  const clock = new FakeClock();

  beforeAll(async () => {
    store = await AuditStore.open({ database: await open(), signingKey: testSigningKey(), clock });
    tenant = newTenant();
    other = newTenant();
    base = clock.now() - 2 * HOUR; // 300 records, one a second: base .. base + 299 s
    await store.append(auditRecords(tenant, 300, base));
    await store.append(auditRecords(other, 300, base));
    all = { from: base - 1, to: base + HOUR };
  });

  let all: { from: number; to: number };

  async function everything(tenantId: string, query: AuditQuery): Promise<StoredAuditRecord[]> {
    const out: StoredAuditRecord[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.query(tenantId, {
        ...query,
        ...(cursor === undefined ? {} : { cursor }),
      });
      out.push(...page.records);
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    return out;
  }

  it('pages newest first with keyset cursors: no record missed or repeated', async () => {
    const records = await everything(tenant, { ...all, limit: 37 });
    expect(records).toHaveLength(300);
    expect(new Set(records.map((r) => r.seq)).size).toBe(300);
    const times = records.map((r) => Date.parse(r.time));
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it('filters by type (exact and prefix), actor, outcome, resource, correlation, entity and text', async () => {
    const check = async (query: AuditQuery, predicate: (r: StoredAuditRecord) => boolean) => {
      const got = await everything(tenant, { ...all, ...query, limit: 500 });
      expect(got.length).toBeGreaterThan(0);
      expect(got.every(predicate)).toBe(true);
      const expected = (await everything(tenant, { ...all, limit: 500 })).filter(predicate);
      expect(got.map((r) => r.seq).sort()).toEqual(expected.map((r) => r.seq).sort());
    };
    await check({ types: ['rbac.role_change'] }, (r) => r.action === 'rbac.role_change');
    await check({ types: ['auth.'] }, (r) => r.action.startsWith('auth.'));
    await check({ actor: 'user-3' }, (r) => r.actor.userId === 'user-3');
    await check({ outcome: 'denied' }, (r) => r.outcome === 'denied');
    await check({ resource: 'doc', resourceId: 'r-10' }, (r) => r.target.resourceId === 'r-10');
    await check({ correlationId: 'corr-7' }, (r) => r.correlationId === 'corr-7');
    await check({ entityId: 'emea' }, (r) => r.entityId === 'emea');
    await check({ text: 'needle IN the' }, (r) => JSON.stringify(r.payload).includes('Needle'));
  });

  it('treats LIKE wildcards in filters literally', async () => {
    expect((await store.query(tenant, { ...all, types: ['%.'] })).records).toEqual([]);
    expect((await store.query(tenant, { ...all, text: '_' })).records).toEqual([]);
  });

  it('bounds every query: a default window, a maximum window and a page size limit', async () => {
    expect((await store.query(tenant, {})).records.length).toBeGreaterThan(0); // last 24 h by default
    await expect(store.query(tenant, { from: 0, to: clock.now() })).rejects.toMatchObject({
      code: 'AUDIT_QUERY_INVALID',
    });
    await expect(store.query(tenant, { limit: 501 })).rejects.toMatchObject({
      code: 'AUDIT_QUERY_INVALID',
    });
    await expect(store.query(tenant, { cursor: 'not-ours' })).rejects.toMatchObject({
      code: 'AUDIT_CURSOR_INVALID',
    });
  });

  it('never returns another tenant’s records, whatever the filters', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          {
            types: fc.constantFrom(['auth.'], ['rbac.permission_check']),
            actor: fc.constantFrom('user-1', 'user-2'),
            outcome: fc.constantFrom('granted' as const, 'denied' as const),
            text: fc.constantFrom('hay', 'Needle', other),
            limit: fc.integer({ min: 1, max: 50 }),
          },
          { requiredKeys: [] },
        ),
        async (filters) => {
          const page = await store.query(tenant, { ...all, ...filters });
          expect(page.records.every((r) => r.tenantId === tenant)).toBe(true);
        },
      ),
      { numRuns: 30 },
    );
  });

  it('counts records per time bucket by outcome', async () => {
    const buckets = await store.aggregate(tenant, { ...all, bucketMs: 60_000, groupBy: 'outcome' });
    expect(buckets.reduce((n, b) => n + b.count, 0)).toBe(300);
    expect(new Set(buckets.map((b) => b.key))).toEqual(
      new Set(['granted', 'denied', 'success', 'failure']),
    );
    expect(buckets.every((b) => b.bucket % 60_000 === 0)).toBe(true);
    await expect(
      store.aggregate(tenant, { ...all, bucketMs: 10, groupBy: 'outcome' }),
    ).rejects.toMatchObject({ code: 'AUDIT_QUERY_INVALID' });
  });

  it('traces a correlation id in stored order, within the tenant', async () => {
    const trace = await store.trace(tenant, 'corr-3');
    expect(trace.map((r) => r.seq)).toEqual([13, 14, 15, 16]);
    expect(trace.every((r) => r.tenantId === tenant)).toBe(true);
  });
});
