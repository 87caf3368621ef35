import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { BaseEvent } from '../../src/events/index.js';
import { SECURITY_EVENT_TYPES, totpCode } from '../../src/auth/index.js';
import { normaliseEvent } from '../../src/audit/index.js';
import { describeEachDatabase } from '../../src/storage/testing.js';
import { runWithContext } from '../../src/tenancy/index.js';
import { AuthHarness, FIREFOX_ANDROID, newTenant, rejection } from './auth-harness.js';

/** The outcome the audit logger must give each type. */
const OUTCOMES: Record<(typeof SECURITY_EVENT_TYPES)[number], string> = {
  'auth.login_succeeded': 'success',
  'auth.login_failed': 'failure',
  'auth.logout': 'success',
  'auth.token_issued': 'success',
  'auth.token_refreshed': 'success',
  'auth.token_reuse_detected': 'failure',
  'auth.token_revoked': 'success',
  'auth.password_changed': 'success',
  'auth.password_change_failed': 'failure',
  'auth.password_reset': 'success',
  'auth.account_created': 'success',
  'auth.account_disabled': 'success',
  'auth.account_enabled': 'success',
  'auth.account_locked': 'failure',
  'auth.account_unlocked': 'success',
  'auth.mfa_enrolled': 'success',
  'auth.mfa_failed': 'failure',
  'auth.mfa_recovery_code_used': 'success',
  'auth.config_changed': 'success',
};

describeEachDatabase('auth security events', (open) => {
  const h = new AuthHarness();
  afterAll(() => h.close());

  /** Every flow once, as a Firefox-on-Android client, so every event type is emitted. */
  async function everyFlow(correlationId: string) {
    const auth = await h.service(await open(), { lockoutThreshold: 2 });
    const tenantId = newTenant();
    const context = { tenantId, ip: '198.51.100.9', userAgent: FIREFOX_ANDROID, correlationId };
    await runWithContext(context, async () => {
      const user = await h.user(auth, tenantId);
      const first = h.tokens(
        await auth.login({ tenantId, login: user.username, password: user.password }),
      );
      const second = h.tokens(await auth.refresh({ tenantId, refreshToken: first.refreshToken }));
      await rejection(auth.refresh({ tenantId, refreshToken: first.refreshToken }));
      const third = h.tokens(
        await auth.login({ tenantId, login: user.username, password: user.password }),
      );
      await auth.logout({ tenantId, sessionId: third.sessionId });
      expect(second.sessionId).toBe(first.sessionId);
      await rejection(
        auth.changePassword({
          tenantId,
          userId: user.userId,
          currentPassword: h.password(),
          newPassword: h.password(),
        }),
      );
      const changed = h.password();
      await auth.changePassword({
        tenantId,
        userId: user.userId,
        currentPassword: user.password,
        newPassword: changed,
      });
      for (let i = 0; i < 2; i++)
        await rejection(auth.login({ tenantId, login: user.username, password: h.password() }));
      await rejection(auth.login({ tenantId, login: user.username, password: changed }));
      await auth.unlockUser(tenantId, user.userId);
      await auth.resetPassword({ tenantId, userId: user.userId, newPassword: h.password() });
      await auth.disableUser(tenantId, user.userId);
      await auth.enableUser(tenantId, user.userId);
      const { secret } = await auth.enrolMfa(tenantId, user.userId);
      h.secret(secret);
      const { recoveryCodes } = await auth.confirmMfa(
        tenantId,
        user.userId,
        h.secret(totpCode(secret, h.clock.now())),
      );
      for (const c of recoveryCodes) h.secret(c);
      await rejection(auth.verifyMfa(tenantId, user.userId, '000000'));
      await auth
        .regenerateRecoveryCodes(tenantId, user.userId)
        .then((codes) => codes.map((c) => h.secret(c)));
      await rejection(auth.login({ tenantId, login: user.username, password: h.password() }));
      await auth.rotateSigningKey();
    });
    return { tenantId, auth };
  }

  it('emits every documented event type, each filed under the tenant with the client device', async () => {
    const correlationId = randomUUID();
    const { tenantId } = await everyFlow(correlationId);
    const events = (await h.seen()).filter((e) => e.correlationId === correlationId);
    const types = new Set(events.map((e) => e.type));
    const expected = SECURITY_EVENT_TYPES.filter((t) => t !== 'auth.mfa_recovery_code_used');
    for (const type of expected) expect(types, type).toContain(type);
    for (const event of events) {
      expect(event.source).toBe('auth-service');
      expect(event.metadata).toMatchObject({
        ip: '198.51.100.9',
        userAgent: FIREFOX_ANDROID,
        correlationId,
        device: { browser: 'Firefox', os: 'Android', type: 'mobile' },
      });
      if (event.type !== 'auth.config_changed') expect(event.metadata?.tenantId).toBe(tenantId);
      expect(typeof event.metadata?.user).toBe('string');
    }
  });

  it('maps to the audit outcomes the audit logger documents', async () => {
    const correlationId = randomUUID();
    await everyFlow(correlationId);
    const events = (await h.seen()).filter((e) => e.correlationId === correlationId);
    for (const event of events) {
      const record = normaliseEvent(event, 'security', () => randomUUID());
      expect([event.type, record.outcome]).toEqual([
        event.type,
        OUTCOMES[event.type as keyof typeof OUTCOMES],
      ]);
      expect(record.actor.userId, event.type).not.toBeNull();
    }
  });

  it('gives login failures a reason code and a lockout its data', async () => {
    const correlationId = randomUUID();
    await everyFlow(correlationId);
    const events = (await h.seen()).filter((e) => e.correlationId === correlationId);
    const reasons = events
      .filter((e) => e.type === 'auth.login_failed')
      .map((e) => (e.data as { reason: string }).reason);
    expect(reasons).toEqual(expect.arrayContaining(['bad_password', 'account_locked']));
    const locked = events.find((e) => e.type === 'auth.account_locked');
    expect(locked?.data).toMatchObject({
      failures: 2,
      lockoutCount: 1,
      lockedUntil: expect.any(String) as unknown,
    });
  });

  it('reports a security setting changed since the previous start', async () => {
    const database = await open();
    const dataDir = h.dataDir();
    const settingsChanges = async () =>
      (await h.data('auth.config_changed')).filter(
        (d) => d['change'] === 'settings_changed' && d['changed'] !== undefined,
      );
    const before = (await settingsChanges()).length;
    await h.service(database, { dataDir });
    await h.service(database, { dataDir });
    expect(await settingsChanges()).toHaveLength(before);
    await h.service(database, { dataDir, lockoutThreshold: 3, argon2: { iterations: 3 } });
    const changes = await settingsChanges();
    expect(changes).toHaveLength(before + 1);
    expect(changes.at(-1)).toMatchObject({
      changed: ['argon2.iterations', 'lockoutThreshold'],
      outcome: 'success',
    });
  });

  it('never puts a password, token, secret or code into any event', async () => {
    await everyFlow(randomUUID());
    expect(h.secrets.size).toBeGreaterThan(20);
    await h.scan();
    const text = JSON.stringify(await h.seen());
    expect(text).not.toMatch(/\$argon2id\$/);
    expect(text).not.toMatch(/otpauth:/);
  });
});

describe('the secret scan of the auth tests', () => {
  it('fails when an event carries a remembered secret', async () => {
    const h = new AuthHarness();
    const password = h.password();
    await h.bus.emit('security', {
      id: randomUUID(),
      type: 'auth.test_leak',
      source: 'test',
      time: new Date(h.clock.now()).toISOString(),
      dataVersion: '1.0',
      data: { note: `oops ${password}` },
    } as BaseEvent);
    await expect(h.scan()).rejects.toThrow();
    h.secrets.clear();
    await h.close();
  });
});
