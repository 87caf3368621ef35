import { describe, expect, it } from 'vitest';
import { defaultAlertRules } from '../../src/alerts/index.js';
import { EngineHarness, newName, newTenant } from './alert-fixture.js';

const harness = (): EngineHarness => new EngineHarness(defaultAlertRules());

function failLogin(
  h: EngineHarness,
  tenantId: string,
  username: string,
  ip = '198.51.100.7',
): string[] {
  return h.raise('auth.login_failed', { username, reason: 'bad_password' }, { tenantId, ip });
}

describe('default rules', () => {
  it('auth.brute_force: 5 failed logins for one username within 5 minutes', () => {
    const h = harness();
    const tenantId = newTenant();
    const username = newName();
    for (let i = 0; i < 4; i++) {
      expect(failLogin(h, tenantId, username)).not.toContain('auth.brute_force');
      h.clock.advance(60_000);
    }
    expect(failLogin(h, tenantId, username)).toContain('auth.brute_force');
    expect(failLogin(h, newTenant(), username)).not.toContain('auth.brute_force');
  });

  it('auth.brute_force: failures spread over more than 5 minutes raise nothing', () => {
    const h = harness();
    const tenantId = newTenant();
    const username = newName();
    for (let i = 0; i < 10; i++) {
      expect(failLogin(h, tenantId, username)).not.toContain('auth.brute_force');
      h.clock.advance(75_000);
    }
  });

  it('auth.credential_stuffing: one IP failing for 10 distinct usernames within 10 minutes', () => {
    const h = harness();
    const tenantId = newTenant();
    for (let i = 0; i < 9; i++)
      expect(failLogin(h, tenantId, newName(), '203.0.113.50')).toEqual([]);
    expect(failLogin(h, tenantId, newName(), '203.0.113.51')).toEqual([]);
    expect(failLogin(h, tenantId, newName(), '203.0.113.50')).toEqual(['auth.credential_stuffing']);
  });

  it('auth.failures_then_success: 5 failures then a success for the same username', () => {
    const h = harness();
    const tenantId = newTenant();
    const username = newName();
    for (let i = 0; i < 5; i++) failLogin(h, tenantId, username);
    const success = { userId: 'u1', username, sessionId: 's1', mfa: false };
    expect(
      h.raise('auth.login_succeeded', { ...success, username: newName() }, { tenantId }),
    ).toEqual([]);
    expect(h.raise('auth.login_succeeded', success, { tenantId })).toEqual([
      'auth.failures_then_success',
    ]);
  });

  it('rbac.privilege_escalation: an admin role assigned, not a plain one nor a removal', () => {
    const h = harness();
    const tenantId = newTenant();
    const change = (changeType: string, adminRole: boolean): string[] =>
      h.engine
        .evaluate({
          ...h.event(
            'rbac.role_change',
            { targetUserId: newName(), changedBy: 'admin', changeType, roleId: 'tenant-admin' },
            { tenantId },
          ),
          enrichment: { adminRole },
        })
        .map((a) => a.ruleId);
    expect(change('assigned', false)).toEqual([]);
    expect(change('removed', true)).toEqual([]);
    expect(change('assigned', true)).toEqual(['rbac.privilege_escalation']);
  });

  it('rbac.permission_denied_spike: 20 denied checks for one user within a minute', () => {
    const h = harness();
    const tenantId = newTenant();
    const userId = newName();
    const check = (granted: boolean): string[] =>
      h.raise(
        'rbac.permission_check',
        { userId, resource: 'doc', action: 'read', granted },
        { tenantId },
      );
    for (let i = 0; i < 30; i++) expect(check(true)).toEqual([]);
    for (let i = 0; i < 19; i++) expect(check(false)).toEqual([]);
    expect(check(false)).toEqual(['rbac.permission_denied_spike']);
  });

  it('tenancy.cross_tenant_operation: raised in the source tenant for any event type', () => {
    const h = harness();
    const [source, target] = [newTenant(), newTenant()];
    const metadata = {
      tenantId: source,
      crossTenant: true,
      sourceTenantId: source,
      targetTenantId: target,
    };
    const [alert] = h.engine.evaluate(h.event('billing.invoice_shared', {}, metadata));
    expect(alert).toMatchObject({ ruleId: 'tenancy.cross_tenant_operation', tenantId: source });
    expect(h.raise('billing.invoice_shared', {}, { tenantId: source })).toEqual([]);
  });

  it('system.dead_letters: a dead letter raises an alert in the system tenant', () => {
    const h = harness();
    const data = {
      channel: 'security',
      consumer: 'audit-logger',
      eventId: 'e1',
      reason: 'attempts_exhausted',
    };
    const [alert] = h.engine.evaluate(h.event('system.dead_letter.added', data));
    expect(alert).toMatchObject({
      ruleId: 'system.dead_letters',
      tenantId: 'system',
      group: { 'data.channel': 'security', 'data.consumer': 'audit-logger' },
    });
    expect(h.raise('system.dead_letter.added', data)).toEqual([]);
  });

  it('system.circuit_breaker_opened: an opening raises, a half-opening does not', () => {
    const h = harness();
    const data = { channel: 'rbac', consumer: 'audit-logger', from: 'closed', to: 'open' };
    expect(h.raise('system.circuit_breaker.half_opened', data)).toEqual([]);
    expect(h.raise('system.circuit_breaker.opened', data)).toEqual([
      'system.circuit_breaker_opened',
    ]);
  });
});
