import { afterAll, expect, it } from 'vitest';
import type { AuthService } from '../../src/auth/index.js';
import { describeEachDatabase } from '../../src/storage/testing.js';
import { AuthHarness, newTenant, rejection } from './auth-harness.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

describeEachDatabase('auth sessions and refresh tokens', (open) => {
  const h = new AuthHarness();
  afterAll(() => h.close());

  async function loggedIn(auth: AuthService) {
    const tenantId = newTenant();
    const user = await h.user(auth, tenantId);
    const tokens = h.tokens(
      await auth.login({ tenantId, login: user.username, password: user.password }),
    );
    return { tenantId, user, tokens };
  }

  it('rotates the refresh token: a refresh returns new tokens for the same session', async () => {
    const auth = await h.service(await open());
    const { tenantId, tokens } = await loggedIn(auth);
    const next = h.tokens(await auth.refresh({ tenantId, refreshToken: tokens.refreshToken }));
    expect(next.sessionId).toBe(tokens.sessionId);
    expect(next.refreshToken).not.toBe(tokens.refreshToken);
    expect(next.accessToken).not.toBe(tokens.accessToken);
    await auth.verifyAccessToken(next.accessToken);
    expect(await h.data('auth.token_refreshed')).toContainEqual(
      expect.objectContaining({ sessionId: tokens.sessionId }),
    );
  });

  it('revokes the whole session when an old refresh token is presented again', async () => {
    const auth = await h.service(await open());
    const { tenantId, tokens } = await loggedIn(auth);
    const next = h.tokens(await auth.refresh({ tenantId, refreshToken: tokens.refreshToken }));
    const reused = await rejection(auth.refresh({ tenantId, refreshToken: tokens.refreshToken }));
    expect(reused.code).toBe('AUTH_REFRESH_REUSED');
    expect(
      (await rejection(auth.refresh({ tenantId, refreshToken: next.refreshToken }))).code,
    ).toBe('AUTH_TOKEN_REVOKED');
    expect((await rejection(auth.verifyAccessToken(next.accessToken))).code).toBe(
      'AUTH_TOKEN_REVOKED',
    );
    expect(await h.data('auth.token_reuse_detected')).toContainEqual(
      expect.objectContaining({ sessionId: tokens.sessionId, outcome: 'failure' }),
    );
  });

  it('lets only one of two concurrent refreshes with the same token win', async () => {
    const auth = await h.service(await open());
    const { tenantId, tokens } = await loggedIn(auth);
    const results = await Promise.allSettled([
      auth.refresh({ tenantId, refreshToken: tokens.refreshToken }),
      auth.refresh({ tenantId, refreshToken: tokens.refreshToken }),
    ]);
    for (const r of results) if (r.status === 'fulfilled') h.tokens(r.value);
    expect(results.filter((r) => r.status === 'fulfilled').length).toBeLessThanOrEqual(1);
    expect(results.filter((r) => r.status === 'rejected').length).toBeGreaterThanOrEqual(1);
  });

  it('refuses an unknown refresh token and one of another tenant', async () => {
    const auth = await h.service(await open());
    const { tokens } = await loggedIn(auth);
    expect(
      (await rejection(auth.refresh({ tenantId: newTenant(), refreshToken: tokens.refreshToken })))
        .code,
    ).toBe('AUTH_TOKEN_INVALID');
    expect(
      (await rejection(auth.refresh({ tenantId: tokens.tenantId, refreshToken: 'nope' }))).code,
    ).toBe('AUTH_TOKEN_INVALID');
  });

  it('ends a session after the idle timeout', async () => {
    const auth = await h.service(await open());
    const { tenantId, tokens } = await loggedIn(auth);
    h.clock.advance(29 * MINUTE);
    const next = h.tokens(await auth.refresh({ tenantId, refreshToken: tokens.refreshToken }));
    h.clock.advance(30 * MINUTE);
    const idle = await rejection(auth.refresh({ tenantId, refreshToken: next.refreshToken }));
    expect(idle).toMatchObject({ code: 'AUTH_TOKEN_EXPIRED', details: { reason: 'idle_timeout' } });
  });

  it('ends a session at its absolute lifetime however active it is', async () => {
    const auth = await h.service(await open());
    const { tenantId, tokens } = await loggedIn(auth);
    let refreshToken = tokens.refreshToken;
    for (let elapsed = 0; elapsed < 8 * HOUR - 20 * MINUTE; elapsed += 20 * MINUTE) {
      h.clock.advance(20 * MINUTE);
      refreshToken = h.tokens(await auth.refresh({ tenantId, refreshToken })).refreshToken;
    }
    h.clock.advance(20 * MINUTE);
    const expired = await rejection(auth.refresh({ tenantId, refreshToken }));
    expect(expired).toMatchObject({
      code: 'AUTH_TOKEN_EXPIRED',
      details: { reason: 'absolute_timeout' },
    });
  });

  it('logs out: the refresh token and the access token stop working, and logout is idempotent', async () => {
    const auth = await h.service(await open());
    const { tenantId, tokens } = await loggedIn(auth);
    await auth.logout({ tenantId, sessionId: tokens.sessionId });
    await auth.logout({ tenantId, sessionId: tokens.sessionId });
    expect(
      (await rejection(auth.refresh({ tenantId, refreshToken: tokens.refreshToken }))).code,
    ).toBe('AUTH_TOKEN_REVOKED');
    expect((await rejection(auth.verifyAccessToken(tokens.accessToken))).code).toBe(
      'AUTH_TOKEN_REVOKED',
    );
    const logouts = (await h.data('auth.logout')).filter(
      (d) => d['sessionId'] === tokens.sessionId,
    );
    expect(logouts).toHaveLength(1);
  });

  it('stores refresh tokens only as hashes', async () => {
    const database = await open();
    const auth = await h.service(database);
    const { tenantId, tokens } = await loggedIn(auth);
    const rows = await database.kysely
      .selectFrom('auth_refresh_tokens')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .execute();
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(tokens.refreshToken);
    expect(String(rows[0]?.token_hash)).toMatch(/^[0-9a-f]{64}$/);
  });
});
