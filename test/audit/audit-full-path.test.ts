import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { AuditService, AuditStorageService, AuditStore } from '../../src/audit/index.js';
import { verifyRecordProof } from '../../src/audit/integrity/offline-verify.js';
import { AuditLogger } from '../../src/audit/logger/index.js';
import { AuditLiveFeed } from '../../src/audit/realtime/index.js';
import { EventBusService, eventBusConfig } from '../../src/events/index.js';
import { RbacService } from '../../src/rbac/index.js';
import { FakeClock } from '../../src/shared/fake-clock.js';
import type { Database } from '../../src/storage/index.js';
import { describeEachDatabase } from '../../src/storage/testing.js';
import { runWithContext } from '../../src/tenancy/index.js';
import { newTenant, testSigningKey } from './audit-fixture.js';

describeEachDatabase('the audit trail of RBAC, end to end', (open) => {
  let database: Database;
  let clock: FakeClock;
  let bus: EventBusService;
  let rbac: RbacService;
  let store: AuditStore;
  let logger: AuditLogger;
  let storage: AuditStorageService;
  let feed: AuditLiveFeed;
  const key = testSigningKey();

  beforeEach(async () => {
    database = await open();
    clock = new FakeClock();
    // The spec's own channel config, with every consumer it names on rbac and audit running.
    bus = new EventBusService(eventBusConfig, { clock });
    rbac = new RbacService({ database, bus, clock });
    await rbac.init();
    store = await AuditStore.open({
      database,
      signingKey: key,
      clock,
      checkpoints: { everyRecords: 4 },
    });
    logger = new AuditLogger({ clock });
    await logger.start(bus);
    storage = new AuditStorageService({ store, clock });
    await storage.start(bus);
    feed = new AuditLiveFeed();
    await feed.start(bus);
  });

  afterEach(async () => {
    storage.stop();
    logger.stop();
    rbac.close();
    await bus.close();
  });

  it('stores every decision and role change as a chained, verifiable, provable record', async () => {
    const tenant = newTenant();
    const audit = new AuditService({ store, bus, clock });
    await rbac.createTenant(tenant, { adminUserId: 'admin' });
    await runWithContext({ tenantId: tenant, correlationId: 'req-1' }, async () => {
      await rbac.addUser('alice', 'admin');
      await rbac.createRole({ id: 'reader', name: 'Reader', permissions: ['doc:read'] }, 'admin');
      await rbac.assignRoleToUser('alice', 'reader', 'admin');
      expect(await rbac.checkPermission('alice', 'doc', 'read', 'doc-1')).toBe(true);
      expect(await rbac.checkPermission('alice', 'doc', 'delete', 'doc-1')).toBe(false);
    });
    await vi.waitFor(async () => {
      const page = await runWithContext({ tenantId: tenant }, () => audit.query({ limit: 100 }));
      expect(page.records).toHaveLength(6); // tenant created, user, role, assignment, 2 checks
    });
    await runWithContext({ tenantId: tenant }, async () => {
      const checks = await audit.query({ types: ['rbac.permission_check'] });
      expect(checks.records.map((r) => [r.outcome, r.actor.userId, r.target.resourceId])).toEqual([
        ['denied', 'alice', 'doc-1'],
        ['granted', 'alice', 'doc-1'],
      ]);
      expect(checks.records[1]?.payload).toMatchObject({
        context: { roleId: 'reader', permission: 'doc:read' },
      });
      const trace = await audit.trace('req-1');
      expect(trace.map((r) => r.action)).toEqual([
        'rbac.permission_change',
        'rbac.permission_change',
        'rbac.role_change',
        'rbac.permission_check',
        'rbac.permission_check',
      ]);
      expect(await audit.verify()).toMatchObject({ ok: true, records: 6 });
      const evidence = await audit.proveInclusion(3);
      expect(verifyRecordProof(evidence, key.publicKey)).toEqual({ ok: true });
    });
  });

  it('keeps tenants’ trails apart and audits a refused cross-tenant read', async () => {
    const [a, b] = [newTenant(), newTenant()];
    const audit = new AuditService({
      store,
      bus,
      isPlatformOperator: (user) => user === 'operator',
      clock,
    });
    await rbac.createTenant(a, { adminUserId: 'admin' });
    await rbac.createTenant(b, { adminUserId: 'admin' });
    await runWithContext({ tenantId: b }, () => rbac.checkPermission('admin', 'doc', 'read'));
    await vi.waitFor(async () => {
      expect((await runWithContext({ tenantId: b }, () => audit.query())).records).toHaveLength(2);
    });
    const seenByA = await runWithContext({ tenantId: a }, () => audit.query());
    expect(seenByA.records.every((r) => r.tenantId === a)).toBe(true);
    await expect(
      runWithContext({ tenantId: a, userId: 'mallory' }, () => audit.asPlatformOperator(b)),
    ).rejects.toMatchObject({ code: 'AUDIT_NOT_PLATFORM_OPERATOR' });
    const read = await runWithContext({ tenantId: a, userId: 'operator' }, () =>
      audit.asPlatformOperator(b),
    );
    expect(read.records.every((r) => r.tenantId === b)).toBe(true);
    await vi.waitFor(async () => {
      const own = await runWithContext({ tenantId: a }, () =>
        audit.query({ types: ['audit.cross_tenant_read'] }),
      );
      expect(own.records.map((r) => r.actor.userId).sort()).toEqual(['mallory', 'operator']);
    });
  });
});
