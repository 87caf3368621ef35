import { afterAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../src/storage/testing.js';
import { AuthHarness, asClient, newTenant, rejection } from './auth-harness.js';

const MINUTE = 60_000;

describeEachDatabase('auth login', (open) => {
  const h = new AuthHarness();
  afterAll(() => h.close());

  it('logs in by username or email and returns tokens for the session', async () => {
    const auth = await h.service(await open());
    const tenantId = newTenant();
    const user = await h.user(auth, tenantId, { email: `${tenantId}@example.com` });
    const byName = h.tokens(
      await auth.login({ tenantId, login: user.username, password: user.password }),
    );
    const byEmail = h.tokens(
      await auth.login({
        tenantId,
        login: `${tenantId.toUpperCase()}@EXAMPLE.com`,
        password: user.password,
      }),
    );
    expect(byName.userId).toBe(user.userId);
    expect(byEmail.userId).toBe(user.userId);
    expect(byName.sessionId).not.toBe(byEmail.sessionId);
    const claims = await auth.verifyAccessToken(byName.accessToken);
    expect(claims).toMatchObject({ tenantId, userId: user.userId, sessionId: byName.sessionId });
    expect(Buffer.from(byName.refreshToken, 'base64url').length).toBeGreaterThanOrEqual(16);
  });

  it('gives an unknown user and a wrong password the same error and message', async () => {
    const auth = await h.service(await open());
    const tenantId = newTenant();
    const user = await h.user(auth, tenantId);
    const unknown = await rejection(
      auth.login({ tenantId, login: 'nobody-here', password: h.password() }),
    );
    const wrong = await rejection(
      auth.login({ tenantId, login: user.username, password: h.password() }),
    );
    expect(unknown.code).toBe('AUTH_INVALID_CREDENTIALS');
    expect(wrong.code).toBe(unknown.code);
    expect(wrong.message).toBe(unknown.message);
    expect(wrong.details).toEqual(unknown.details);
  });

  it('spends an argon2 verification on unknown users as on wrong passwords', async () => {
    const auth = await h.service(await open());
    const tenantId = newTenant();
    const user = await h.user(auth, tenantId);
    const time = async (login: string) => {
      const started = performance.now();
      await rejection(auth.login({ tenantId, login, password: h.password() }));
      return performance.now() - started;
    };
    await time('warm-up-unknown');
    const unknown: number[] = [];
    const wrong: number[] = [];
    for (let i = 0; i < 4; i++) {
      unknown.push(await time(`nobody-${String(i)}`));
      wrong.push(await time(user.username));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
    // A skipped hash would make the unknown-user path ~100x faster than the wrong-password one.
    expect(median(unknown) / median(wrong)).toBeGreaterThan(0.4);
  });

  it('locks an account after five failures in the window and unlocks when the lockout expires', async () => {
    const auth = await h.service(await open());
    const tenantId = newTenant();
    const user = await h.user(auth, tenantId);
    for (let i = 0; i < 5; i++)
      await rejection(
        asClient(tenantId, () =>
          auth.login({ tenantId, login: user.username, password: h.password() }),
        ),
      );
    const locked = await rejection(
      auth.login({ tenantId, login: user.username, password: user.password }),
    );
    expect(locked.code).toBe('AUTH_ACCOUNT_LOCKED');
    expect(await h.data('auth.account_locked')).toContainEqual(
      expect.objectContaining({ targetUserId: user.userId, failures: 5 }),
    );
    h.clock.advance(5 * MINUTE);
    h.tokens(await auth.login({ tenantId, login: user.username, password: user.password }));
  });

  it('does not lock when the failures are spread beyond the window', async () => {
    const auth = await h.service(await open());
    const tenantId = newTenant();
    const user = await h.user(auth, tenantId);
    for (let i = 0; i < 8; i++) {
      await rejection(auth.login({ tenantId, login: user.username, password: h.password() }));
      h.clock.advance(4 * MINUTE);
    }
    h.tokens(await auth.login({ tenantId, login: user.username, password: user.password }));
  });

  it('doubles the lockout on each further lockout', async () => {
    const auth = await h.service(await open(), { lockoutThreshold: 2 });
    const tenantId = newTenant();
    const user = await h.user(auth, tenantId);
    const fail = async () => {
      for (let i = 0; i < 2; i++)
        await rejection(auth.login({ tenantId, login: user.username, password: h.password() }));
    };
    await fail();
    h.clock.advance(5 * MINUTE);
    await fail();
    h.clock.advance(5 * MINUTE);
    const still = await rejection(
      auth.login({ tenantId, login: user.username, password: user.password }),
    );
    expect(still.code).toBe('AUTH_ACCOUNT_LOCKED');
    h.clock.advance(5 * MINUTE);
    h.tokens(await auth.login({ tenantId, login: user.username, password: user.password }));
  });

  it('lets an admin unlock a locked account', async () => {
    const auth = await h.service(await open(), { lockoutThreshold: 2 });
    const tenantId = newTenant();
    const user = await h.user(auth, tenantId);
    for (let i = 0; i < 2; i++)
      await rejection(auth.login({ tenantId, login: user.username, password: h.password() }));
    expect((await auth.getUser(tenantId, user.userId)).lockedUntil).toBeDefined();
    await asClient(tenantId, () => auth.unlockUser(tenantId, user.userId), { userId: 'admin-1' });
    h.tokens(await auth.login({ tenantId, login: user.username, password: user.password }));
    expect(await h.seen('auth.account_unlocked')).toContainEqual(
      expect.objectContaining({ data: { userId: 'admin-1', targetUserId: user.userId } }),
    );
  });

  it('throttles login attempts per client IP across accounts', async () => {
    const auth = await h.service(await open(), { ipMaxAttempts: 3 });
    const tenantId = newTenant();
    const user = await h.user(auth, tenantId);
    const fromIp = (ip: string) =>
      asClient(
        tenantId,
        () => auth.login({ tenantId, login: user.username, password: user.password }),
        { ip },
      );
    for (let i = 0; i < 3; i++) h.tokens(await fromIp('198.51.100.1'));
    const limited = await rejection(fromIp('198.51.100.1'));
    expect(limited.code).toBe('AUTH_RATE_LIMITED');
    h.tokens(await fromIp('198.51.100.2'));
    h.clock.advance(MINUTE);
    h.tokens(await fromIp('198.51.100.1'));
  });

  it('refuses a disabled user and accepts them again once enabled', async () => {
    const auth = await h.service(await open());
    const tenantId = newTenant();
    const user = await h.user(auth, tenantId);
    const tokens = h.tokens(
      await auth.login({ tenantId, login: user.username, password: user.password }),
    );
    await auth.disableUser(tenantId, user.userId);
    expect(
      (await rejection(auth.login({ tenantId, login: user.username, password: user.password })))
        .code,
    ).toBe('AUTH_ACCOUNT_DISABLED');
    expect((await rejection(auth.verifyAccessToken(tokens.accessToken))).code).toBe(
      'AUTH_TOKEN_REVOKED',
    );
    await auth.enableUser(tenantId, user.userId);
    h.tokens(await auth.login({ tenantId, login: user.username, password: user.password }));
  });

  it('keeps tenants apart: a user of one tenant cannot log in to another', async () => {
    const auth = await h.service(await open());
    const tenantId = newTenant();
    const other = newTenant();
    const user = await h.user(auth, tenantId);
    const error = await rejection(
      auth.login({ tenantId: other, login: user.username, password: user.password }),
    );
    expect(error.code).toBe('AUTH_INVALID_CREDENTIALS');
  });

  it('rehashes a password on login when the argon2 parameters changed', async () => {
    const database = await open();
    const tenantId = newTenant();
    const dataDir = h.dataDir();
    const before = await h.service(database, { dataDir });
    const user = await h.user(before, tenantId);
    const stronger = await h.service(database, { dataDir, argon2: { iterations: 3 } });
    h.tokens(await stronger.login({ tenantId, login: user.username, password: user.password }));
    const row = await database.kysely
      .selectFrom('auth_users')
      .select('password_hash')
      .where('tenant_id', '=', tenantId)
      .executeTakeFirstOrThrow();
    expect(String(row.password_hash)).toMatch(/^\$argon2id\$v=19\$m=19456,t=3,p=1\$/);
    h.tokens(await before.login({ tenantId, login: user.username, password: user.password }));
  });

  it('refuses oversize and malformed input with a typed error before hashing', async () => {
    const auth = await h.service(await open());
    const tenantId = newTenant();
    const huge = await rejection(auth.login({ tenantId, login: 'x', password: 'p'.repeat(5000) }));
    expect(huge.code).toBe('AUTH_INPUT_INVALID');
    const longName = await rejection(
      auth.login({ tenantId, login: 'x'.repeat(300), password: 'p' }),
    );
    expect(longName.code).toBe('AUTH_INPUT_INVALID');
    const notString = await rejection(
      auth.login({ tenantId, login: 42 as unknown as string, password: 'p' }),
    );
    expect(notString).toMatchObject({ code: 'AUTH_INPUT_INVALID' });
    expect(JSON.stringify(notString)).not.toContain('at ');
  });
});
