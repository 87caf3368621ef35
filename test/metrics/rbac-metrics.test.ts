import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { EventBusService } from '../../src/events/index.js';
import { FakeClock } from '../../src/events/testing.js';
import { createMetrics } from '../../src/metrics/index.js';
import type { CheckObservation } from '../../src/rbac/index.js';
import { RbacService } from '../../src/rbac/index.js';
import type { RbacObserver } from '../../src/rbac/index.js';
import { openDatabase } from '../../src/storage/index.js';
import { runWithContext } from '../../src/tenancy/index.js';
import { bucketsOf, parseExposition, series, valueOf } from './exposition.js';

const check = (o: Partial<CheckObservation>): CheckObservation => ({
  tenantId: `tenant-${randomUUID()}`,
  granted: true,
  reason: 'granted',
  durationNs: 1_000,
  cached: true,
  ...o,
});

describe('RBAC metrics', () => {
  it('counts checks by outcome, denials by reason and cache hits and misses', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const observer = metrics.rbacObserver();
    observer.observeCheck(check({}));
    observer.observeCheck(check({ cached: false }));
    observer.observeCheck(check({ granted: false, reason: 'no_matching_permission' }));
    observer.observeCheck(check({ granted: false, reason: 'no_matching_permission' }));
    observer.observeCheck(check({ granted: false, reason: 'unknown_user', cached: false }));

    const m = parseExposition(await metrics.metrics());
    expect(valueOf(m, 'warden_rbac_checks_total', { outcome: 'granted' })).toBe(2);
    expect(valueOf(m, 'warden_rbac_checks_total', { outcome: 'denied' })).toBe(3);
    expect(valueOf(m, 'warden_rbac_denials_total', { reason: 'no_matching_permission' })).toBe(2);
    expect(valueOf(m, 'warden_rbac_denials_total', { reason: 'unknown_user' })).toBe(1);
    expect(valueOf(m, 'warden_rbac_cache_hits_total')).toBe(3);
    expect(valueOf(m, 'warden_rbac_cache_misses_total')).toBe(2);
  });

  it('histograms check durations in seconds from nanoseconds', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const observer = metrics.rbacObserver();
    for (const durationNs of [800, 1_000, 3_000, 2_000_000])
      observer.observeCheck(check({ durationNs }));

    const m = parseExposition(await metrics.metrics());
    const buckets = bucketsOf(m, 'warden_rbac_check_duration_seconds');
    expect(buckets['0.000001']).toBe(2);
    expect(buckets['0.000005']).toBe(3);
    expect(buckets['0.001']).toBe(3);
    expect(buckets['0.0025']).toBe(4);
    expect(buckets['+Inf']).toBe(4);
    expect(valueOf(m, 'warden_rbac_check_duration_seconds_sum')).toBeCloseTo(0.0020048, 12);
  });

  it('never labels by tenant, and bounds unknown reasons', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const observer = metrics.rbacObserver();
    const tenants = Array.from({ length: 1000 }, () => `tenant-${randomUUID()}`);
    for (const [i, tenantId] of tenants.entries()) {
      observer.observeCheck(check({ tenantId, granted: false, reason: `made-up-${String(i)}` }));
    }
    const text = await metrics.metrics();
    const m = parseExposition(text);
    expect(series(m, 'warden_rbac_denials_total')).toHaveLength(17); // 16 reasons, then _other
    expect(valueOf(m, 'warden_rbac_denials_total', { reason: '_other' })).toBe(984);
    expect(tenants.some((tenant) => text.includes(tenant))).toBe(false);
  });

  it("counts a real RbacService's checks through its observer option", async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const observer: RbacObserver = metrics.rbacObserver();
    const clock = new FakeClock();
    const bus = new EventBusService(
      { channels: { rbac: { bufferSize: 500, consumers: [] } }, defaultConsumer: 'default' },
      { clock },
    );
    const database = await openDatabase({ driver: 'sqlite', file: ':memory:' });
    try {
      const rbac = new RbacService({ database, bus, clock, observer, invalidatorConsumer: null });
      await rbac.init();
      const tenantId = `tenant-${randomUUID().slice(0, 8)}`;
      await rbac.createTenant(tenantId, { adminUserId: 'admin' });
      await runWithContext({ tenantId }, async () => {
        await rbac.addUser('alice', 'admin');
        await rbac.createRole({ id: 'reader', name: 'Reader', permissions: ['doc:read'] }, 'admin');
        await rbac.assignRoleToUser('alice', 'reader', 'admin');
        expect(await rbac.checkPermission('alice', 'doc', 'read')).toBe(true);
        expect(await rbac.checkPermission('alice', 'doc', 'read')).toBe(true);
        expect(await rbac.checkPermission('alice', 'doc', 'delete')).toBe(false);
      });

      const m = parseExposition(await metrics.metrics());
      expect(valueOf(m, 'warden_rbac_checks_total', { outcome: 'granted' })).toBe(2);
      expect(valueOf(m, 'warden_rbac_checks_total', { outcome: 'denied' })).toBe(1);
      expect(valueOf(m, 'warden_rbac_denials_total', { reason: 'no_matching_permission' })).toBe(1);
      expect(valueOf(m, 'warden_rbac_check_duration_seconds_count')).toBe(3);
      // The first check compiles alice's permissions; the next two find them cached.
      expect(valueOf(m, 'warden_rbac_cache_misses_total')).toBe(1);
      expect(valueOf(m, 'warden_rbac_cache_hits_total')).toBe(2);
      expect(await metrics.metrics()).not.toContain(tenantId);
    } finally {
      await bus.close({ timeoutMs: 10 });
      await database.close();
    }
  });
});
