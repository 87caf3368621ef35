import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { EventBusService } from '../events/index.js';
import type { BaseEvent, MultiTenantEvent } from '../events/index.js';
import {
  TenantAwareEventProducer,
  getCurrentEntityId,
  getCurrentTenantId,
  getCurrentUserId,
  getRequestCorrelationId,
  runWithContext,
  subscribeToTenant,
} from './index.js';
import type { PermissionChecker } from './index.js';
import { TENANCY_ERROR_CODES, TenancyError } from './errors.js';
import { ERROR_CATALOGUE } from '../shared/error-catalogue.js';

const channel = () => `ch-${randomUUID().slice(0, 8)}`;
const tenant = () => `tenant-${randomUUID().slice(0, 8)}`;

let bus: EventBusService | undefined;
afterEach(async () => {
  await bus?.close();
  bus = undefined;
});

function newBus(): EventBusService {
  const created = new EventBusService({ channels: {}, defaultConsumer: 'default' });
  bus = created;
  return created;
}

/** Collects what an anonymous subscriber on `name` receives. */
function collect(bus: EventBusService, name: string): BaseEvent[] {
  const seen: BaseEvent[] = [];
  bus.subscribe(name, (event) => {
    seen.push(event);
    return Promise.resolve();
  });
  return seen;
}

function checker(allowed: (userId: string, resourceId?: string) => boolean) {
  const calls: unknown[][] = [];
  const permissions: PermissionChecker = {
    checkPermission(userId, resource, action, resourceId) {
      calls.push([userId, resource, action, resourceId]);
      return Promise.resolve(allowed(userId, resourceId));
    },
  };
  return { permissions, calls };
}

describe('request context', () => {
  it('is visible across awaits and timers inside runWithContext, and gone outside', async () => {
    const seen = await runWithContext(
      { tenantId: 't1', userId: 'u1', correlationId: 'c1', entityId: 'e1' },
      async () => {
        await new Promise((resolve) => setImmediate(resolve));
        return [
          getCurrentTenantId(),
          getCurrentUserId(),
          getRequestCorrelationId(),
          getCurrentEntityId(),
        ];
      },
    );
    expect(seen).toEqual(['t1', 'u1', 'c1', 'e1']);
    expect(getCurrentTenantId()).toBeUndefined();
  });

  it('keeps concurrent requests apart', async () => {
    const read = (tenantId: string) =>
      runWithContext({ tenantId }, async () => {
        await new Promise((resolve) => setImmediate(resolve));
        return getCurrentTenantId();
      });
    expect(await Promise.all([read('a'), read('b'), read('c')])).toEqual(['a', 'b', 'c']);
  });

  it('refuses a context without a tenant, naming every bad field', () => {
    const bad = { tenantId: '', userId: 42 } as unknown as { tenantId: string };
    expect(() => runWithContext(bad, () => 1)).toThrow(
      expect.objectContaining({
        code: 'TENANCY_CONTEXT_INVALID',
        details: {
          issues: [
            { path: 'tenantId', reason: 'must be a non-empty string' },
            { path: 'userId', reason: 'must be a non-empty string' },
          ],
        },
      }),
    );
  });
});

describe('TenantAwareEventProducer.emitEvent', () => {
  it('stamps the current tenant, user and correlation id', async () => {
    const bus = newBus();
    const name = channel();
    const seen = collect(bus, name);
    const producer = new TenantAwareEventProducer(bus);
    await runWithContext({ tenantId: 't1', userId: 'u1', correlationId: 'corr-1' }, () =>
      producer.emitEvent(name, 'document.created', { id: 'd1' }),
    );
    await bus.drain();
    const event = seen[0] as MultiTenantEvent<{ id: string }>;
    expect(event).toMatchObject({
      type: 'document.created',
      source: 'tenant-aware-producer',
      dataVersion: '1.0',
      correlationId: 'corr-1',
      data: { id: 'd1' },
      metadata: { tenantId: 't1', user: 'u1' },
    });
    expect(event.metadata.crossTenant).toBeUndefined();
  });

  it('refuses to emit without a tenant context, and nothing is delivered', async () => {
    const bus = newBus();
    const name = channel();
    const seen = collect(bus, name);
    const producer = new TenantAwareEventProducer(bus);
    await expect(producer.emitEvent(name, 'document.created', {})).rejects.toMatchObject({
      code: 'TENANCY_NO_CONTEXT',
      category: 'failed_precondition',
    });
    await bus.drain();
    expect(seen).toEqual([]);
  });
});

describe('TenantAwareEventProducer.emitCrossTenantEvent', () => {
  it('emits with crossTenant, source and target when RBAC grants CrossTenantOperations', async () => {
    const bus = newBus();
    const name = channel();
    const seen = collect(bus, name);
    const { permissions, calls } = checker(() => true);
    const producer = new TenantAwareEventProducer(bus, undefined, { permissions });
    await runWithContext({ tenantId: 'src', userId: 'operator' }, () =>
      producer.emitCrossTenantEvent(name, 'share.granted', { doc: 'd' }, 'src', 'dst'),
    );
    await bus.drain();
    expect(calls).toEqual([['operator', 'CrossTenantOperations', 'emit', 'dst']]);
    expect(seen[0]).toMatchObject({
      metadata: {
        tenantId: 'src',
        crossTenant: true,
        sourceTenantId: 'src',
        targetTenantId: 'dst',
        user: 'operator',
      },
    });
  });

  it('refuses when RBAC denies, and emits nothing', async () => {
    const bus = newBus();
    const name = channel();
    const seen = collect(bus, name);
    const { permissions } = checker(() => false);
    const producer = new TenantAwareEventProducer(bus, undefined, { permissions });
    await expect(
      runWithContext({ tenantId: 'src', userId: 'u' }, () =>
        producer.emitCrossTenantEvent(name, 'share.granted', {}, 'src', 'dst'),
      ),
    ).rejects.toMatchObject({ code: 'TENANCY_CROSS_TENANT_DENIED', category: 'permission_denied' });
    await bus.drain();
    expect(seen).toEqual([]);
  });

  it('fails closed without a permission checker or without a user', async () => {
    const bus = newBus();
    const name = channel();
    const noChecker = new TenantAwareEventProducer(bus);
    await expect(
      runWithContext({ tenantId: 'src', userId: 'u' }, () =>
        noChecker.emitCrossTenantEvent(name, 'x.y', {}, 'src', 'dst'),
      ),
    ).rejects.toMatchObject({ code: 'TENANCY_CROSS_TENANT_DENIED' });
    const { permissions, calls } = checker(() => true);
    const anonymous = new TenantAwareEventProducer(bus, undefined, { permissions });
    await expect(
      runWithContext({ tenantId: 'src' }, () =>
        anonymous.emitCrossTenantEvent(name, 'x.y', {}, 'src', 'dst'),
      ),
    ).rejects.toMatchObject({ code: 'TENANCY_CROSS_TENANT_DENIED' });
    expect(calls).toEqual([]);
  });

  it('refuses a source tenant other than the caller’s own', async () => {
    const bus = newBus();
    const { permissions, calls } = checker(() => true);
    const producer = new TenantAwareEventProducer(bus, undefined, { permissions });
    await expect(
      runWithContext({ tenantId: 'mine', userId: 'u' }, () =>
        producer.emitCrossTenantEvent(channel(), 'x.y', {}, 'theirs', 'dst'),
      ),
    ).rejects.toMatchObject({ code: 'TENANCY_SOURCE_MISMATCH' });
    expect(calls).toEqual([]);
  });
});

describe('subscribeToTenant', () => {
  it('delivers one tenant’s events and cross-tenant events addressed to it, nothing else', async () => {
    const bus = newBus();
    const name = channel();
    const [a, b] = [tenant(), tenant()];
    const seenByA: BaseEvent[] = [];
    const seenByB: BaseEvent[] = [];
    const record = (into: BaseEvent[]) => (event: BaseEvent) => {
      into.push(event);
      return Promise.resolve();
    };
    subscribeToTenant(bus, name, a, record(seenByA));
    subscribeToTenant(bus, name, b, record(seenByB), { filter: (e) => e.type !== 'skip.me' });
    const { permissions } = checker(() => true);
    const producer = new TenantAwareEventProducer(bus, undefined, { permissions });
    await runWithContext({ tenantId: a, userId: 'u' }, async () => {
      await producer.emitEvent(name, 'a.only', {});
      await producer.emitCrossTenantEvent(name, 'a.to.b', {}, a, b);
    });
    await runWithContext({ tenantId: b }, async () => {
      await producer.emitEvent(name, 'b.only', {});
      await producer.emitEvent(name, 'skip.me', {});
    });
    await bus.emit(name, {
      id: 'x',
      type: 'no.tenant',
      source: 's',
      time: new Date().toISOString(),
      dataVersion: '1',
    });
    await bus.drain();
    expect(seenByA.map((e) => e.type)).toEqual(['a.only', 'a.to.b']);
    expect(seenByB.map((e) => e.type)).toEqual(['a.to.b', 'b.only']);
  });
});

describe('tenancy error codes', () => {
  it('are each in the error catalogue with the category they are raised with', () => {
    for (const code of Object.values(TENANCY_ERROR_CODES)) {
      const entry = ERROR_CATALOGUE.find((e) => e.code === code);
      expect(entry?.category).toBe(new TenancyError(code, 'm').category);
    }
  });
});
