import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { LOGIN_FAILURE_REASONS } from '../../src/auth/index.js';
import {
  createEventFactory,
  EventBusService,
  eventBusConfig,
  MemoryEventLog,
} from '../../src/events/index.js';
import { FakeClock } from '../../src/events/testing.js';
import {
  createMetrics,
  LOGIN_FAILURE_REASON_LABELS,
  METRICS_SERVICE_CONSUMER,
} from '../../src/metrics/index.js';
import { parseExposition, valueOf } from './exposition.js';

const buses: EventBusService[] = [];
afterEach(async () => {
  for (const bus of buses.splice(0)) await bus.close({ timeoutMs: 10 });
});

function setup() {
  const clock = new FakeClock();
  const metrics = createMetrics({ defaultMetrics: false });
  const bus = new EventBusService(eventBusConfig, {
    log: new MemoryEventLog({ clock }),
    clock,
    observer: metrics.busObserver(),
  });
  buses.push(bus);
  const makeEvent = createEventFactory({ clock });
  const tenantId = `tenant-${randomUUID().slice(0, 8)}`;
  const emit = (type: string, data: unknown) =>
    bus.emit('security', makeEvent({ type, source: 'auth-service', data, metadata: { tenantId } }));
  return { bus, metrics, emit, tenantId };
}

describe('security metrics (metrics-service)', () => {
  it('counts logins by outcome, failures by reason, lockouts and MFA failures', async () => {
    const { bus, metrics, emit } = setup();
    await metrics.subscribeSecurityMetrics(bus).ready;
    await emit('auth.login_succeeded', {
      userId: 'u1',
      username: 'ann',
      sessionId: 's',
      mfa: false,
    });
    await emit('auth.login_succeeded', {
      userId: 'u2',
      username: 'bob',
      sessionId: 't',
      mfa: true,
    });
    await emit('auth.login_failed', { username: 'ann', reason: 'bad_password' });
    await emit('auth.login_failed', { username: 'ann', reason: 'bad_password' });
    await emit('auth.login_failed', { username: 'eve', reason: 'unknown_user' });
    await emit('auth.login_failed', { username: 'mal', reason: 'not-a-reason' });
    await emit('auth.login_failed', 'not an object');
    await emit('auth.account_locked', { userId: 'u1', targetUserId: 'u1', failures: 5 });
    await emit('auth.mfa_failed', { userId: 'u2', reason: 'invalid_code' });
    await emit('auth.logout', { userId: 'u1', sessionId: 's' });
    await emit('auth.token_issued', { userId: 'u1' });
    await bus.drain();

    const m = parseExposition(await metrics.metrics());
    expect(valueOf(m, 'warden_auth_logins_total', { outcome: 'success' })).toBe(2);
    expect(valueOf(m, 'warden_auth_logins_total', { outcome: 'failure' })).toBe(5);
    expect(valueOf(m, 'warden_auth_login_failures_total', { reason: 'bad_password' })).toBe(2);
    expect(valueOf(m, 'warden_auth_login_failures_total', { reason: 'unknown_user' })).toBe(1);
    expect(valueOf(m, 'warden_auth_login_failures_total', { reason: 'other' })).toBe(2);
    expect(valueOf(m, 'warden_auth_login_failures_total', { reason: 'rate_limited' })).toBe(0);
    expect(valueOf(m, 'warden_auth_lockouts_total')).toBe(1);
    expect(valueOf(m, 'warden_auth_mfa_failures_total')).toBe(1);
  });

  it('consumes security as the named consumer metrics-service and acknowledges everything', async () => {
    const { bus, metrics, emit } = setup();
    const subscription = metrics.subscribeSecurityMetrics(bus);
    expect(subscription.consumer).toBe(METRICS_SERVICE_CONSUMER);
    expect(subscription.kind).toBe('named');
    await subscription.ready;
    for (let i = 0; i < 20; i++) await emit('auth.token_refreshed', { userId: `u${String(i)}` });
    await bus.drain();

    const m = parseExposition(await metrics.metrics());
    const consumer = { channel: 'security', consumer: 'metrics-service' };
    expect(valueOf(m, 'warden_bus_events_delivered_total', consumer)).toBe(20);
    expect(valueOf(m, 'warden_bus_events_failed_total', consumer)).toBe(0);
    expect(valueOf(m, 'warden_auth_logins_total', { outcome: 'success' })).toBe(0);
    metrics.trackBusHealth(bus);
    const after = parseExposition(await metrics.metrics());
    expect(valueOf(after, 'warden_bus_consumer_lag_events', consumer)).toBe(0);
  });

  it('knows every login failure reason the auth service emits', () => {
    expect([...LOGIN_FAILURE_REASON_LABELS]).toEqual([...LOGIN_FAILURE_REASONS]);
  });
});
