import { afterAll, expect, it } from 'vitest';
import type { AuthService } from '../../src/auth/index.js';
import { totpCode } from '../../src/auth/index.js';
import { describeEachDatabase } from '../../src/storage/testing.js';
import { AuthHarness, newTenant, rejection } from './auth-harness.js';

describeEachDatabase('auth TOTP MFA', (open) => {
  const h = new AuthHarness();
  afterAll(() => h.close());

  /** A user with MFA confirmed; the clock is moved past the confirming code's step. */
  async function enrolled(auth: AuthService) {
    const tenantId = newTenant();
    const user = await h.user(auth, tenantId);
    const { secret, otpauthUri } = await auth.enrolMfa(tenantId, user.userId);
    h.secret(secret);
    const { recoveryCodes } = await auth.confirmMfa(
      tenantId,
      user.userId,
      h.secret(totpCode(secret, h.clock.now())),
    );
    for (const code of recoveryCodes) h.secret(code);
    h.clock.advance(30_000);
    return { tenantId, user, secret, otpauthUri, recoveryCodes };
  }

  const code = (secret: string) => h.secret(totpCode(secret, h.clock.now()));

  it('enrols with a secret and an otpauth URI, and confirms with a code', async () => {
    const auth = await h.service(await open());
    const { tenantId, user, secret, otpauthUri, recoveryCodes } = await enrolled(auth);
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(otpauthUri).toMatch(/^otpauth:\/\/totp\/Warden:user-[0-9a-f]{8}\?/);
    expect(new URL(otpauthUri).searchParams.get('secret')).toBe(secret);
    expect(recoveryCodes).toHaveLength(10);
    expect((await auth.getUser(tenantId, user.userId)).mfaEnrolled).toBe(true);
    expect(await h.data('auth.mfa_enrolled')).toContainEqual(
      expect.objectContaining({ resourceId: user.userId }),
    );
  });

  it('does not enable MFA when the confirming code is wrong', async () => {
    const auth = await h.service(await open());
    const tenantId = newTenant();
    const user = await h.user(auth, tenantId);
    h.secret((await auth.enrolMfa(tenantId, user.userId)).secret);
    expect((await rejection(auth.confirmMfa(tenantId, user.userId, '000000'))).code).toBe(
      'AUTH_MFA_INVALID',
    );
    expect((await auth.getUser(tenantId, user.userId)).mfaEnrolled).toBe(false);
    h.tokens(await auth.login({ tenantId, login: user.username, password: user.password }));
  });

  it('requires the second factor at login once enrolled', async () => {
    const auth = await h.service(await open());
    const { tenantId, user, secret } = await enrolled(auth);
    const missing = await rejection(
      auth.login({ tenantId, login: user.username, password: user.password }),
    );
    expect(missing.code).toBe('AUTH_MFA_REQUIRED');
    const tokens = h.tokens(
      await auth.login({
        tenantId,
        login: user.username,
        password: user.password,
        totpCode: code(secret),
      }),
    );
    expect((await auth.verifyAccessToken(tokens.accessToken)).amr).toEqual(['pwd', 'otp']);
  });

  it('refuses a wrong code, and a wrong code counts towards lockout', async () => {
    const auth = await h.service(await open(), { lockoutThreshold: 3 });
    const { tenantId, user } = await enrolled(auth);
    for (let i = 0; i < 3; i++) {
      const wrong = await rejection(
        auth.login({ tenantId, login: user.username, password: user.password, totpCode: '123456' }),
      );
      expect(wrong.code).toBe('AUTH_MFA_INVALID');
    }
    expect((await auth.getUser(tenantId, user.userId)).lockedUntil).toBeDefined();
    expect(await h.data('auth.mfa_failed')).toContainEqual(
      expect.objectContaining({ userId: user.userId, reason: 'invalid_code' }),
    );
  });

  it('accepts a code from the previous step but not from two steps back', async () => {
    const auth = await h.service(await open());
    const { tenantId, user, secret } = await enrolled(auth);
    const previous = h.secret(totpCode(secret, h.clock.now()));
    h.clock.advance(30_000);
    h.tokens(
      await auth.login({
        tenantId,
        login: user.username,
        password: user.password,
        totpCode: previous,
      }),
    );
    const old = h.secret(totpCode(secret, h.clock.now()));
    h.clock.advance(60_000);
    const stale = await rejection(
      auth.login({ tenantId, login: user.username, password: user.password, totpCode: old }),
    );
    expect(stale.code).toBe('AUTH_MFA_INVALID');
  });

  it('never accepts the same code twice', async () => {
    const auth = await h.service(await open());
    const { tenantId, user, secret } = await enrolled(auth);
    const once = code(secret);
    h.tokens(
      await auth.login({ tenantId, login: user.username, password: user.password, totpCode: once }),
    );
    const replay = await rejection(
      auth.login({ tenantId, login: user.username, password: user.password, totpCode: once }),
    );
    expect(replay.code).toBe('AUTH_MFA_INVALID');
    expect(await h.data('auth.mfa_failed')).toContainEqual(
      expect.objectContaining({ userId: user.userId, reason: 'replayed_code' }),
    );
  });

  it('accepts each recovery code once, stored only as hashes', async () => {
    const database = await open();
    const auth = await h.service(database);
    const { tenantId, user, recoveryCodes } = await enrolled(auth);
    const recoveryCode = recoveryCodes[0] ?? '';
    h.tokens(
      await auth.login({ tenantId, login: user.username, password: user.password, recoveryCode }),
    );
    const again = await rejection(
      auth.login({ tenantId, login: user.username, password: user.password, recoveryCode }),
    );
    expect(again.code).toBe('AUTH_MFA_INVALID');
    const rows = await database.kysely
      .selectFrom('auth_recovery_codes')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .execute();
    expect(rows).toHaveLength(10);
    expect(JSON.stringify(rows)).not.toContain(recoveryCode.replace(/-/g, ''));
    expect(await h.data('auth.mfa_recovery_code_used')).toContainEqual(
      expect.objectContaining({ userId: user.userId, remaining: 9 }),
    );
  });

  it('replaces recovery codes on regeneration', async () => {
    const auth = await h.service(await open());
    const { tenantId, user, recoveryCodes } = await enrolled(auth);
    const fresh = await auth.regenerateRecoveryCodes(tenantId, user.userId);
    for (const c of fresh) h.secret(c);
    const old = await rejection(
      auth.login({
        tenantId,
        login: user.username,
        password: user.password,
        recoveryCode: recoveryCodes[1] ?? '',
      }),
    );
    expect(old.code).toBe('AUTH_MFA_INVALID');
    h.tokens(
      await auth.login({
        tenantId,
        login: user.username,
        password: user.password,
        recoveryCode: fresh[0] ?? '',
      }),
    );
  });

  it('verifies a step-up code and refuses one for a user without MFA', async () => {
    const auth = await h.service(await open());
    const { tenantId, user, secret } = await enrolled(auth);
    await auth.verifyMfa(tenantId, user.userId, code(secret));
    const plain = await h.user(auth, tenantId);
    expect((await rejection(auth.verifyMfa(tenantId, plain.userId, '123456'))).code).toBe(
      'AUTH_MFA_NOT_ENROLLED',
    );
  });

  it('lets a user with MFA have a password of 8 characters, unlike one without', async () => {
    const auth = await h.service(await open());
    const { tenantId, user } = await enrolled(auth);
    const short = h.secret('Vk8#qZ2m');
    await auth.resetPassword({ tenantId, userId: user.userId, newPassword: short });
    const plain = await h.user(auth, tenantId);
    const refused = await rejection(
      auth.resetPassword({ tenantId, userId: plain.userId, newPassword: short }),
    );
    expect(refused).toMatchObject({
      code: 'AUTH_PASSWORD_POLICY',
      details: { rules: ['too_short'] },
    });
  });
});
