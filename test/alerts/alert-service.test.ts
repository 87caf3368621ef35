import { sql } from 'kysely';
import { afterEach, expect, it } from 'vitest';
import type { BusObservation } from '../../src/events/index.js';
import { createLogNotifier } from '../../src/alerts/index.js';
import type { AlertRule } from '../../src/alerts/index.js';
import { describeEachDatabase } from '../../src/storage/testing.js';
import { newName, newTenant, thresholdRule } from './alert-fixture.js';
import { ServiceHarness } from './service-harness.js';

const harnesses: ServiceHarness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close();
});

function harness(): ServiceHarness {
  const h = new ServiceHarness();
  harnesses.push(h);
  return h;
}

describeEachDatabase(
  'alert service',
  (open) => {
    it('raises brute force as alert.raised on security, stores it in the tenant only, and logs it', async () => {
      const h = harness();
      const lines: string[] = [];
      await h.start(await open(), { notifiers: [createLogNotifier((line) => lines.push(line))] });
      const [tenantA, tenantB] = [newTenant(), newTenant()];
      const username = newName();
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const event = await h.emit(
          'security',
          'auth.login_failed',
          { username, reason: 'bad_password' },
          { tenantId: tenantA, ip: '198.51.100.3' },
        );
        ids.push(event.id);
        h.clock.advance(1_000);
      }
      await h.bus.drain();
      const [raised] = h.raised();
      expect(raised?.metadata).toMatchObject({ tenantId: tenantA });
      expect(raised?.data).toMatchObject({
        tenantId: tenantA,
        ruleId: 'auth.brute_force',
        severity: 'high',
        eventIds: ids,
      });
      expect(raised?.data['groupKey']).toBe(JSON.stringify([tenantA, username]));
      const page = await h.service.list(tenantA);
      expect(page.alerts.map((a) => a.id)).toEqual([raised?.id]);
      expect((await h.service.list(tenantB)).alerts).toEqual([]);
      expect(lines).toHaveLength(1);
      expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({
        alertId: raised?.id,
        ruleId: 'auth.brute_force',
        tenantId: tenantA,
      });
    });

    it('never evaluates alert.* events, so it cannot feed on its own alerts', async () => {
      const h = harness();
      const loop: AlertRule = thresholdRule({
        id: 'test.loop',
        threshold: 1,
        groupBy: [],
        match: { typePrefix: 'alert.' },
      });
      await h.start(await open(), { rules: [loop] });
      const tenantId = newTenant();
      await h.emit('security', 'alert.raised', { ruleId: 'x' }, { tenantId });
      await h.bus.drain();
      expect((await h.service.list(tenantId)).alerts).toEqual([]);
      expect(h.service.stats().raised).toBe(0);
    });

    it('detects privilege escalation on the rbac channel through the admin-role lookup', async () => {
      const h = harness();
      const lookups: string[] = [];
      await h.start(await open(), {
        isAdminRole: ({ tenantId, roleId, entityId }) => {
          lookups.push(`${tenantId}/${roleId}/${entityId ?? ''}`);
          return roleId === 'ops-root';
        },
      });
      const tenantId = newTenant();
      const change = (roleId: string): Promise<unknown> =>
        h.emit(
          'rbac',
          'rbac.role_change',
          {
            targetUserId: newName(),
            changedBy: 'admin',
            changeType: 'assigned',
            roleId,
            context: { entityId: 'sales' },
          },
          { tenantId },
        );
      await change('viewer');
      await change('ops-root');
      await h.bus.drain();
      expect(lookups).toEqual([`${tenantId}/viewer/sales`, `${tenantId}/ops-root/sales`]);
      const { alerts } = await h.service.list(tenantId);
      expect(alerts.map((a) => a.ruleId)).toEqual(['rbac.privilege_escalation']);
      expect(alerts[0]?.group['data.roleId']).toBe('ops-root');
    });

    it('keeps the alert of an event whose publishing failed, and raises it once on redelivery', async () => {
      const h = harness();
      const database = await open();
      await h.start(database, { rules: [thresholdRule({ threshold: 2 })] });
      const tenantId = newTenant();
      await sql`alter table warden_alerts rename to warden_alerts_away`.execute(database.kysely);
      await h.emit('security', 'test.hit', { key: 'k' }, { tenantId });
      await h.emit('security', 'test.hit', { key: 'k' }, { tenantId });
      const isAlertService = (o: BusObservation): boolean =>
        o.kind === 'retry_scheduled' && o.channel === 'security' && o.consumer === 'alert-service';
      expect(await h.next(isAlertService)).toMatchObject({ delayMs: 100 });
      await sql`alter table warden_alerts_away rename to warden_alerts`.execute(database.kysely);
      await h.clock.advanceAsync(100);
      await h.bus.drain();
      expect((await h.service.list(tenantId)).alerts).toHaveLength(1);
      expect(h.raised()).toHaveLength(1);
      expect(h.service.stats().raised).toBe(1);
    });

    it('acknowledges in the tenant only, recording who and when, and audits it', async () => {
      const h = harness();
      await h.start(await open(), {});
      const tenantId = newTenant();
      await h.emit('system', 'system.circuit_breaker.opened', {
        channel: 'rbac',
        consumer: 'x',
        from: 'closed',
        to: 'open',
      });
      await h.emit(
        'security',
        'billing.shared',
        {},
        { tenantId, crossTenant: true, targetTenantId: newTenant() },
      );
      await h.bus.drain();
      const [alert] = (await h.service.list(tenantId)).alerts;
      expect(alert?.ruleId).toBe('tenancy.cross_tenant_operation');
      expect((await h.service.list('system')).alerts.map((a) => a.ruleId)).toEqual([
        'system.circuit_breaker_opened',
      ]);
      await expect(
        h.service.acknowledge(newTenant(), alert?.id ?? '', 'mallory'),
      ).rejects.toMatchObject({ code: 'ALERT_NOT_FOUND' });
      const acked = await h.service.acknowledge(tenantId, alert?.id ?? '', 'alice');
      expect(acked).toMatchObject({
        status: 'acknowledged',
        acknowledgedBy: 'alice',
        acknowledgedAt: h.clock.now(),
      });
      await h.bus.drain();
      expect(h.security.find((e) => e.type === 'alert.acknowledged')?.data).toMatchObject({
        alertId: alert?.id,
        userId: 'alice',
      });
    });
  },
  { dialects: ['sqlite'] },
);
