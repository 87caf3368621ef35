import { afterAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../src/storage/testing.js';
import { AuthHarness, asClient, newName, newTenant, rejection } from './auth-harness.js';

describeEachDatabase('auth accounts and passwords', (open) => {
  const h = new AuthHarness();
  afterAll(() => h.close());

  it('stores passwords as argon2id hashes with at least OWASP minimum cost', async () => {
    const database = await open();
    const auth = await h.service(database);
    const tenantId = newTenant();
    const user = await h.user(auth, tenantId);
    const row = await database.kysely
      .selectFrom('auth_users')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .executeTakeFirstOrThrow();
    expect(String(row.password_hash)).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(JSON.stringify(row)).not.toContain(user.password);
  });

  it('refuses short, common and username-containing passwords, listing each rule', async () => {
    const auth = await h.service(await open());
    const tenantId = newTenant();
    const short = await rejection(
      auth.createUser({ tenantId, username: newName(), password: h.secret('Xy7#kq2') }),
    );
    expect(short).toMatchObject({
      code: 'AUTH_PASSWORD_POLICY',
      details: { rules: ['too_short'] },
    });
    const common = await rejection(
      auth.createUser({ tenantId, username: newName(), password: h.secret('password1234') }),
    );
    expect(common).toMatchObject({ details: { rules: ['too_short', 'common'] } });
    const commonLong = await rejection(
      auth.createUser({
        tenantId,
        username: newName(),
        password: h.secret('correcthorsebatterystaple'),
      }),
    );
    expect(commonLong).toMatchObject({ details: { rules: ['common'] } });
    const username = newName();
    const mine = await rejection(
      auth.createUser({ tenantId, username, password: h.secret(`${username}-and-more-text`) }),
    );
    expect(mine).toMatchObject({ details: { rules: ['contains_username'] } });
  });

  it('accepts a 64-character password and never truncates a long one', async () => {
    const auth = await h.service(await open());
    const tenantId = newTenant();
    const username = newName();
    const long = h.secret(`${'Lq9#'.repeat(31)}zz`);
    expect(long).toHaveLength(126);
    await auth.createUser({ tenantId, username, password: long });
    h.tokens(await auth.login({ tenantId, login: username, password: long }));
    const prefix = await rejection(
      auth.login({ tenantId, login: username, password: long.slice(0, 72) }),
    );
    expect(prefix.code).toBe('AUTH_INVALID_CREDENTIALS');
    const tooLong = await rejection(
      auth.createUser({ tenantId, username: newName(), password: h.secret('Ab3$'.repeat(33)) }),
    );
    expect(tooLong).toMatchObject({ details: { rules: ['too_long'], maxLength: 128 } });
  });

  it('refuses a second user with the same username or email in a tenant, not in another', async () => {
    const auth = await h.service(await open());
    const tenantId = newTenant();
    const username = newName();
    await auth.createUser({
      tenantId,
      username,
      password: h.password(),
      email: `${username}@example.com`,
    });
    expect(
      (
        await rejection(
          auth.createUser({ tenantId, username: username.toUpperCase(), password: h.password() }),
        )
      ).code,
    ).toBe('AUTH_USER_EXISTS');
    expect(
      (
        await rejection(
          auth.createUser({
            tenantId,
            username: newName(),
            password: h.password(),
            email: `${username}@example.com`,
          }),
        )
      ).code,
    ).toBe('AUTH_USER_EXISTS');
    await auth.createUser({ tenantId: newTenant(), username, password: h.password() });
  });

  it('changes a password after checking the current one, revoking every session', async () => {
    const auth = await h.service(await open());
    const tenantId = newTenant();
    const user = await h.user(auth, tenantId);
    const tokens = h.tokens(
      await auth.login({ tenantId, login: user.username, password: user.password }),
    );
    const wrong = await rejection(
      auth.changePassword({
        tenantId,
        userId: user.userId,
        currentPassword: h.password(),
        newPassword: h.password(),
      }),
    );
    expect(wrong.code).toBe('AUTH_INVALID_CREDENTIALS');
    const next = h.password();
    await auth.changePassword({
      tenantId,
      userId: user.userId,
      currentPassword: user.password,
      newPassword: next,
    });
    expect((await rejection(auth.verifyAccessToken(tokens.accessToken))).code).toBe(
      'AUTH_TOKEN_REVOKED',
    );
    expect(
      (await rejection(auth.login({ tenantId, login: user.username, password: user.password })))
        .code,
    ).toBe('AUTH_INVALID_CREDENTIALS');
    h.tokens(await auth.login({ tenantId, login: user.username, password: next }));
    expect(await h.data('auth.password_change_failed')).toContainEqual(
      expect.objectContaining({ targetUserId: user.userId, reason: 'bad_password' }),
    );
    expect(await h.data('auth.password_changed')).toContainEqual({
      userId: user.userId,
      targetUserId: user.userId,
    });
  });

  it('lets an admin reset a password, clearing a lockout, with the admin as actor', async () => {
    const auth = await h.service(await open(), { lockoutThreshold: 2 });
    const tenantId = newTenant();
    const user = await h.user(auth, tenantId);
    for (let i = 0; i < 2; i++)
      await rejection(auth.login({ tenantId, login: user.username, password: h.password() }));
    const next = h.password();
    await asClient(
      tenantId,
      () => auth.resetPassword({ tenantId, userId: user.userId, newPassword: next }),
      { userId: 'admin-7' },
    );
    h.tokens(await auth.login({ tenantId, login: user.username, password: next }));
    expect(await h.data('auth.password_reset')).toContainEqual({
      userId: 'admin-7',
      targetUserId: user.userId,
    });
  });

  it('answers AUTH_USER_NOT_FOUND for a user of another tenant', async () => {
    const auth = await h.service(await open());
    const tenantId = newTenant();
    const user = await h.user(auth, tenantId);
    expect((await rejection(auth.getUser(newTenant(), user.userId))).code).toBe(
      'AUTH_USER_NOT_FOUND',
    );
    expect((await rejection(auth.disableUser(newTenant(), user.userId))).code).toBe(
      'AUTH_USER_NOT_FOUND',
    );
  });
});
