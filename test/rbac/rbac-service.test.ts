import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RbacService, SYSTEM_ACTOR } from '../../src/rbac/index.js';
import type { CheckObservation } from '../../src/rbac/index.js';
import { runWithContext, TenantAwareEventProducer } from '../../src/tenancy/index.js';
import type { Database } from '../../src/storage/index.js';
import { describeEachDatabase } from '../../src/storage/testing.js';
import { RbacHarness, newTenant } from './rbac-fixture.js';

describeEachDatabase('RbacService', (open, databases) => {
  let database: Database;
  let h: RbacHarness;
  let rbac: RbacService;
  let tenant: string;
  const inTenant = <T>(fn: () => Promise<T>, extra: Record<string, string> = {}) =>
    runWithContext({ tenantId: tenant, correlationId: 'corr-1', ...extra }, fn);

  beforeEach(async () => {
    database = await open();
    h = new RbacHarness();
    rbac = await h.service(database);
    tenant = newTenant();
    await rbac.createTenant(tenant, { adminUserId: 'admin' });
    await inTenant(async () => {
      await rbac.addUser('alice', 'admin');
      await rbac.addUser('bob', 'admin');
      await rbac.createRole({ id: 'reader', name: 'Reader', permissions: ['doc:read'] }, 'admin');
      await rbac.createRole(
        { id: 'editor', name: 'Editor', permissions: ['doc:write'], inherits: ['reader'] },
        'admin',
      );
    });
  });

  afterEach(async () => {
    await h.close();
  });

  it('grants through an assigned role and its inheritance, and denies the rest', async () => {
    await inTenant(async () => {
      await rbac.assignRoleToUser('alice', 'editor', 'admin');
      expect(await rbac.checkPermission('alice', 'doc', 'read')).toBe(true);
      expect(await rbac.checkPermission('alice', 'doc', 'write')).toBe(true);
      expect(await rbac.checkPermission('alice', 'doc', 'delete')).toBe(false);
      expect(await rbac.checkPermission('bob', 'doc', 'read')).toBe(false);
    });
  });

  it('emits rbac.permission_check for every decision, shaped as the spec shows, with the deciding role', async () => {
    await inTenant(async () => {
      await rbac.assignRoleToUser('alice', 'editor', 'admin');
      await rbac.checkPermission('alice', 'doc', 'read', 'doc-42');
      await rbac.checkPermission('bob', 'doc', 'read');
    });
    const checks = await h.seen('rbac.permission_check');
    expect(checks).toHaveLength(2);
    expect(checks[0]).toMatchObject({
      type: 'rbac.permission_check',
      source: 'rbac-service',
      dataVersion: '1.0',
      data: {
        userId: 'alice',
        resource: 'doc',
        action: 'read',
        granted: true,
        context: {
          resourceId: 'doc-42',
          roleId: 'editor',
          permission: 'doc:read',
          reason: 'granted',
        },
      },
      metadata: { tenantId: tenant, correlationId: 'corr-1' },
    });
    expect(checks[1]).toMatchObject({
      data: {
        userId: 'bob',
        granted: false,
        context: { roleId: null, reason: 'no_active_assignment' },
      },
    });
  });

  it('records a role assignment as rbac.role_change with the new revision', async () => {
    const before = await inTenant(() => rbac.revision());
    const revision = await inTenant(() => rbac.assignRoleToUser('alice', 'reader', 'admin'));
    expect(revision).toBe(before + 1);
    const changes = await h.seen('rbac.role_change');
    expect(changes.at(-1)).toMatchObject({
      data: {
        targetUserId: 'alice',
        changedBy: 'admin',
        changeType: 'assigned',
        roleId: 'reader',
        context: { revision },
      },
      metadata: { tenantId: tenant },
    });
  });

  it('refuses an administrator without rbac:assign, audits the attempt and writes nothing', async () => {
    const before = await inTenant(() => rbac.revision());
    await expect(
      inTenant(() => rbac.assignRoleToUser('bob', 'reader', 'alice')),
    ).rejects.toMatchObject({
      code: 'RBAC_PERMISSION_DENIED',
    });
    expect(await inTenant(() => rbac.revision())).toBe(before);
    expect(await inTenant(() => rbac.checkPermission('bob', 'doc', 'read'))).toBe(false);
    const denied = (await h.seen('rbac.permission_check')).filter(
      (e) => (e as unknown as { data: { userId: string } }).data.userId === 'alice',
    );
    expect(denied[0]).toMatchObject({
      data: {
        resource: 'rbac',
        granted: false,
        context: { reason: 'RBAC_PERMISSION_DENIED', roleId: 'reader' },
      },
    });
  });

  it('refuses to let an administrator hand out permissions they do not hold (escalation)', async () => {
    await inTenant(async () => {
      await rbac.createRole(
        { id: 'assigner', name: 'Assigner', permissions: ['rbac:assign', 'doc:read'] },
        'admin',
      );
      await rbac.assignRoleToUser('alice', 'assigner', 'admin');
      await rbac.assignRoleToUser('bob', 'reader', 'alice'); // reader: doc:read, which alice holds
      await expect(rbac.assignRoleToUser('bob', 'editor', 'alice')).rejects.toMatchObject({
        code: 'RBAC_ESCALATION_DENIED',
        details: { missing: ['doc:write'] },
      });
      expect(await rbac.checkPermission('bob', 'doc', 'write')).toBe(false);
    });
    const refusals = (await h.seen('rbac.permission_check')).filter(
      (e) =>
        (e as unknown as { data: { context?: { reason?: string } } }).data.context?.reason ===
        'RBAC_ESCALATION_DENIED',
    );
    expect(refusals).toHaveLength(1);
  });

  it('refuses an inheritance cycle, naming it, and changes nothing', async () => {
    const before = await inTenant(() => rbac.revision());
    await expect(
      inTenant(() => rbac.setRoleInheritance('reader', ['editor'], 'admin')),
    ).rejects.toMatchObject({
      code: 'RBAC_ROLE_CYCLE',
      details: { cycle: ['reader', 'editor', 'reader'] },
    });
    expect(await inTenant(() => rbac.revision())).toBe(before);
  });

  it('keeps tenants apart: a role in one tenant grants nothing in another', async () => {
    const other = newTenant();
    await rbac.createTenant(other, { adminUserId: 'admin' });
    await inTenant(() => rbac.assignRoleToUser('alice', 'editor', 'admin'));
    await runWithContext({ tenantId: other }, async () => {
      await rbac.addUser('alice', 'admin');
      expect(await rbac.checkPermission('alice', 'doc', 'read')).toBe(false);
      await expect(rbac.assignRoleToUser('alice', 'editor', 'admin')).rejects.toMatchObject({
        code: 'RBAC_ROLE_NOT_FOUND',
      });
    });
  });

  it('scopes an entity assignment to that entity and its descendants only', async () => {
    await inTenant(async () => {
      await rbac.putEntity('emea', null, 'admin');
      await rbac.putEntity('paris', 'emea', 'admin');
      await rbac.putEntity('apac', null, 'admin');
      await rbac.assignRoleToUser('alice', 'reader', 'admin', { entityId: 'emea' });
      expect(
        await rbac.checkPermission('alice', 'doc', 'read', undefined, { entityId: 'paris' }),
      ).toBe(true);
      expect(
        await rbac.checkPermission('alice', 'doc', 'read', undefined, { entityId: 'apac' }),
      ).toBe(false);
      expect(await rbac.checkPermission('alice', 'doc', 'read')).toBe(false);
    });
    expect(
      await inTenant(() => rbac.checkPermission('alice', 'doc', 'read'), { entityId: 'paris' }),
    ).toBe(true);
  });

  it('stops granting at an assignment’s expiry, without a restart', async () => {
    await inTenant(async () => {
      await rbac.assignRoleToUser('alice', 'reader', 'admin', {
        expiresAt: h.clock.now() + 60_000,
      });
      expect(await rbac.checkPermission('alice', 'doc', 'read')).toBe(true);
      h.clock.advance(60_000);
      expect(await rbac.checkPermission('alice', 'doc', 'read')).toBe(false);
    });
  });

  it('answers who holds a permission and what a user holds', async () => {
    await inTenant(async () => {
      await rbac.assignRoleToUser('alice', 'editor', 'admin');
      await rbac.assignRoleToUser('bob', 'reader', 'admin');
      expect([...(await rbac.usersWith('doc', 'read'))].sort()).toEqual(['admin', 'alice', 'bob']);
      expect([...(await rbac.usersWith('doc', 'write'))].sort()).toEqual(['admin', 'alice']);
      const held = (await rbac.effectivePermissions('alice')).map((p) => p.permission).sort();
      expect(held).toEqual(['doc:read', 'doc:write']);
      const why = await rbac.explain('alice', 'doc', 'read');
      expect(why).toMatchObject({
        granted: true,
        roleChain: ['editor', 'reader'],
        permission: 'doc:read',
      });
    });
  });

  it('denies checks in a tenant that does not exist, saying so in the event', async () => {
    const ghost = newTenant();
    expect(
      await runWithContext({ tenantId: ghost }, () => rbac.checkPermission('alice', 'doc', 'read')),
    ).toBe(false);
    const last = (await h.seen('rbac.permission_check')).at(-1);
    expect(last).toMatchObject({
      data: { granted: false, context: { reason: 'unknown_tenant' } },
      metadata: { tenantId: ghost },
    });
  });

  it('lets the system actor bootstrap without RBAC checks, recorded as `system`', async () => {
    const fresh = newTenant();
    await rbac.createTenant(fresh);
    await runWithContext({ tenantId: fresh }, async () => {
      await rbac.addUser('root', SYSTEM_ACTOR);
      await rbac.createRole({ id: 'all', name: 'All', permissions: ['*:*'] }, SYSTEM_ACTOR);
      await rbac.assignRoleToUser('root', 'all', SYSTEM_ACTOR);
      await expect(rbac.addUser('x', 'system')).rejects.toMatchObject({
        code: 'RBAC_PERMISSION_DENIED',
      });
      expect(await rbac.checkPermission('root', 'anything', 'at-all')).toBe(true);
    });
    const last = (await h.seen('rbac.role_change')).at(-1);
    expect(last).toMatchObject({ data: { changedBy: 'system', targetUserId: 'root' } });
  });

  it('needs a tenant context', async () => {
    await expect(rbac.checkPermission('alice', 'doc', 'read')).rejects.toMatchObject({
      code: 'RBAC_NO_TENANT_CONTEXT',
    });
    await expect(rbac.assignRoleToUser('alice', 'reader', 'admin')).rejects.toMatchObject({
      code: 'RBAC_NO_TENANT_CONTEXT',
    });
  });

  it('gives typed errors for unknown users, roles and entities, malformed permissions and oversize names', async () => {
    await inTenant(async () => {
      await expect(rbac.assignRoleToUser('nobody', 'reader', 'admin')).rejects.toMatchObject({
        code: 'RBAC_USER_NOT_FOUND',
      });
      await expect(rbac.assignRoleToUser('alice', 'nope', 'admin')).rejects.toMatchObject({
        code: 'RBAC_ROLE_NOT_FOUND',
      });
      await expect(
        rbac.assignRoleToUser('alice', 'reader', 'admin', { entityId: 'nowhere' }),
      ).rejects.toMatchObject({
        code: 'RBAC_ENTITY_NOT_FOUND',
      });
      await expect(rbac.grantPermission('reader', 'doc read', 'admin')).rejects.toMatchObject({
        code: 'RBAC_PERMISSION_INVALID',
      });
      await expect(rbac.createRole({ name: 'x'.repeat(129) }, 'admin')).rejects.toMatchObject({
        code: 'RBAC_NAME_INVALID',
      });
      await expect(rbac.createRole({ name: 'Reader' }, 'admin')).rejects.toMatchObject({
        code: 'RBAC_ROLE_EXISTS',
      });
    });
    await expect(rbac.createTenant(tenant)).rejects.toMatchObject({ code: 'RBAC_TENANT_EXISTS' });
  });

  it('writes nothing when the audit event cannot be emitted', async () => {
    const before = await inTenant(() => rbac.revision());
    await h.bus.close();
    await expect(
      inTenant(() => rbac.assignRoleToUser('alice', 'reader', 'admin')),
    ).rejects.toMatchObject({ code: 'BUS_CLOSED' });
    const fresh = new RbacHarness();
    const again = await fresh.service(database);
    try {
      await runWithContext({ tenantId: tenant }, async () => {
        expect(await again.revision()).toBe(before);
        expect(await again.checkPermission('alice', 'doc', 'read')).toBe(false);
      });
    } finally {
      await fresh.close();
    }
  });

  it('keeps everything across a restart (a new service on the same database)', async () => {
    await inTenant(() => rbac.assignRoleToUser('alice', 'editor', 'admin'));
    const fresh = new RbacHarness();
    const again = await fresh.service(database);
    try {
      expect(await inTenant(() => again.checkPermission('alice', 'doc', 'write'))).toBe(true);
    } finally {
      await fresh.close();
    }
  });

  it('makes a change visible on another instance when its event arrives', async () => {
    const other = await h.service(database, { invalidatorConsumer: null });
    const revision = await inTenant(async () => {
      expect(await other.checkPermission('alice', 'doc', 'read')).toBe(false); // loads and caches
      return rbac.assignRoleToUser('alice', 'reader', 'admin');
    });
    await h.bus.drain();
    // The event makes the other instance re-read the store; it can arrive before the writer's
    // commit is visible (the event is emitted inside the transaction), and the re-read is then
    // retried on the injected clock: let that clock run while waiting for the read to land.
    await vi.waitFor(async () => {
      await h.clock.advanceAsync(25);
      expect(await inTenant(() => other.revision())).toBe(revision);
    });
    expect(await inTenant(() => other.checkPermission('alice', 'doc', 'read'))).toBe(true);
  });

  it('serialises concurrent writers on two instances: unique revisions, no lost change', async () => {
    // SQLite is one instance per file: a second connection in the same process would wait
    // on the first one's lock while blocking the thread that must release it.
    const second = databases.dialect === 'postgres' ? await open() : database;
    const other = await h.service(second, { invalidatorConsumer: null });
    const users = Array.from({ length: 8 }, (_, i) => `user-${String(i)}`);
    const revisions = await inTenant(async () => {
      await Promise.all(users.map((u, i) => (i % 2 === 0 ? rbac : other).addUser(u, 'admin')));
      return Promise.all(
        users.map((u, i) => (i % 2 === 0 ? other : rbac).assignRoleToUser(u, 'reader', 'admin')),
      );
    });
    expect(new Set(revisions).size).toBe(users.length);
    const fresh = new RbacHarness();
    const reader = await fresh.service(second, { invalidatorConsumer: null });
    try {
      await inTenant(async () => {
        expect(await reader.revision()).toBe(Math.max(...revisions));
        for (const u of users) expect(await reader.checkPermission(u, 'doc', 'read')).toBe(true);
      });
    } finally {
      await fresh.close();
    }
  });

  it('serves a check at a required revision from another instance without waiting for events', async () => {
    const elsewhere = new RbacHarness(h.clock);
    const other = await elsewhere.service(database, { invalidatorConsumer: null });
    try {
      await inTenant(async () => {
        expect(await other.checkPermission('alice', 'doc', 'read')).toBe(false);
        const revision = await rbac.assignRoleToUser('alice', 'reader', 'admin');
        expect(
          await other.checkPermission('alice', 'doc', 'read', undefined, { minRevision: revision }),
        ).toBe(true);
      });
    } finally {
      await elsewhere.close();
    }
  });

  it('fails a check whose required revision does not arrive in time', async () => {
    await inTenant(async () => {
      const revision = await rbac.revision();
      const pending = rbac.checkPermission('alice', 'doc', 'read', undefined, {
        minRevision: revision + 5,
        timeoutMs: 500,
      });
      const outcome = expect(pending).rejects.toMatchObject({
        code: 'RBAC_STALE_REVISION',
        category: 'deadline_exceeded',
      });
      await h.clock.advanceAsync(500);
      await outcome;
    });
  });

  it('emits only denials in `denied` mode, and samples grants by the configured rate', async () => {
    const quiet = await h.service(database, {
      invalidatorConsumer: null,
      decisionLog: { mode: 'denied' },
    });
    let draws = 0;
    const sampled = await h.service(database, {
      invalidatorConsumer: null,
      decisionLog: { grantedSampleRate: 0.5 },
      random: () => (draws++ % 2 === 0 ? 0.25 : 0.75),
    });
    await inTenant(async () => {
      await rbac.assignRoleToUser('alice', 'reader', 'admin');
      const startCount = (await h.seen('rbac.permission_check')).length;
      await quiet.checkPermission('alice', 'doc', 'read', undefined, {
        minRevision: await rbac.revision(),
      });
      await quiet.checkPermission('bob', 'doc', 'read');
      for (let i = 0; i < 4; i++)
        await sampled.checkPermission('alice', 'doc', 'read', undefined, {
          minRevision: await rbac.revision(),
        });
      const emitted = (await h.seen('rbac.permission_check')).slice(startCount);
      expect(
        emitted.map((e) => (e as unknown as { data: { userId: string; granted: boolean } }).data),
      ).toMatchObject([
        { userId: 'bob', granted: false },
        { userId: 'alice', granted: true },
        { userId: 'alice', granted: true },
      ]);
    });
  });

  it('tells an observer about every check: outcome, reason, duration and cache state', async () => {
    const seen: CheckObservation[] = [];
    const observed = await h.service(database, {
      invalidatorConsumer: null,
      observer: { observeCheck: (o) => seen.push(o) },
    });
    await inTenant(async () => {
      await rbac.assignRoleToUser('alice', 'reader', 'admin');
      const revision = await rbac.revision();
      await observed.checkPermission('alice', 'doc', 'read', undefined, { minRevision: revision });
      await observed.checkPermission('alice', 'doc', 'read');
      await observed.checkPermission('bob', 'doc', 'write');
    });
    expect(seen.map((o) => [o.tenantId, o.granted, o.reason, o.cached])).toEqual([
      [tenant, true, 'granted', false],
      [tenant, true, 'granted', true],
      [tenant, false, 'no_active_assignment', false],
    ]);
    expect(seen.every((o) => o.durationNs >= 0)).toBe(true);
  });

  it('lets a cross-tenant event through only for holders of CrossTenantOperations:emit', async () => {
    const producer = new TenantAwareEventProducer(h.bus, undefined, { permissions: rbac });
    const target = newTenant();
    await inTenant(async () => {
      await rbac.createRole(
        { id: 'xt', name: 'Cross', permissions: ['CrossTenantOperations:emit'] },
        'admin',
      );
      await rbac.assignRoleToUser('alice', 'xt', 'admin');
    });
    await runWithContext({ tenantId: tenant, userId: 'alice' }, () =>
      producer.emitCrossTenantEvent('rbac', 'share.granted', {}, tenant, target),
    );
    await expect(
      runWithContext({ tenantId: tenant, userId: 'bob' }, () =>
        producer.emitCrossTenantEvent('rbac', 'share.granted', {}, tenant, target),
      ),
    ).rejects.toMatchObject({ code: 'TENANCY_CROSS_TENANT_DENIED' });
    expect(await h.seen('share.granted')).toHaveLength(1);
  });
});

describe('RbacService config', () => {
  it('lists every bad field in one RBAC_CONFIG_INVALID', () => {
    expect(
      () =>
        new RbacService({
          database: {} as never,
          bus: {} as never,
          freshnessTimeoutMs: -1,
          decisionLog: { mode: 'some' as never },
        }),
    ).toThrow(
      expect.objectContaining({
        code: 'RBAC_CONFIG_INVALID',
        details: {
          issues: [
            { path: 'database', reason: 'must be a Database from openDatabase()' },
            { path: 'bus', reason: 'must be an EventBusService' },
            { path: 'freshnessTimeoutMs', reason: 'must be a non-negative number' },
            { path: 'decisionLog.mode', reason: 'must be one of all, denied' },
          ],
        },
      }),
    );
  });
});
