import type { AuthCore, TokenSet } from './auth-core.js';
import { emitIssued, issueTokens, revokeSessions } from './auth-core.js';
import type { AccessTokenClaims } from './access-tokens.js';
import { authStore } from './auth-store.js';
import { AuthError } from './errors.js';
import { readName, readSecret } from './input.js';
import { sha256Hex } from './secrets.js';

function tokenInvalid(): AuthError {
  return new AuthError('AUTH_TOKEN_INVALID', 'the refresh token is invalid');
}

async function reuseDetected(
  core: AuthCore,
  tenantId: string,
  userId: string,
  sessionId: string,
): Promise<AuthError> {
  await authStore.revokeSession(core.db, tenantId, sessionId, core.clock.now(), 'refresh_reuse');
  await core.events.emit(tenantId, 'auth.token_reuse_detected', {
    userId,
    sessionId,
    resource: 'auth.session',
    resourceId: sessionId,
    outcome: 'failure',
  });
  await revokeSessions(core, tenantId, userId, [sessionId], 'refresh_reuse');
  return new AuthError(
    'AUTH_REFRESH_REUSED',
    'the refresh token was already used; the session is revoked',
  );
}

/**
 * Exchanges a refresh token for a new access token and a new refresh token (rotation).
 * Presenting a refresh token a second time revokes its whole session: whoever holds the
 * newer token (the user or a thief) must log in again.
 * @throws AuthError `AUTH_TOKEN_INVALID`, `AUTH_REFRESH_REUSED`, `AUTH_TOKEN_REVOKED`,
 *   `AUTH_TOKEN_EXPIRED` (idle timeout or absolute lifetime), `AUTH_ACCOUNT_DISABLED`.
 */
export async function refresh(
  core: AuthCore,
  input: { readonly tenantId: string; readonly refreshToken: string },
): Promise<TokenSet> {
  const tenantId = readName('tenantId', input.tenantId);
  const hash = sha256Hex(readSecret('refreshToken', input.refreshToken, 256));
  const stored = await authStore.refreshToken(core.db, tenantId, hash);
  if (stored === undefined) throw tokenInvalid();
  const { sessionId, userId } = stored;
  if (stored.used) throw await reuseDetected(core, tenantId, userId, sessionId);
  const session = await authStore.session(core.db, tenantId, sessionId);
  if (session === undefined) throw tokenInvalid();
  if (session.revokedAt !== undefined)
    throw new AuthError('AUTH_TOKEN_REVOKED', 'the session was revoked');
  const now = core.clock.now();
  if (now >= session.expiresAt || now - session.lastSeenAt >= core.config.sessionIdleTimeoutMs) {
    const reason = now >= session.expiresAt ? 'absolute_timeout' : 'idle_timeout';
    if (await authStore.revokeSession(core.db, tenantId, sessionId, now, reason))
      await revokeSessions(core, tenantId, userId, [sessionId], reason);
    throw new AuthError('AUTH_TOKEN_EXPIRED', 'the session has expired', { details: { reason } });
  }
  const user = await authStore.userById(core.db, tenantId, userId);
  if (user === undefined || user.disabled)
    throw new AuthError('AUTH_ACCOUNT_DISABLED', 'the account is disabled');
  const issued = await core.transact(async (trx) => {
    if (!(await authStore.useRefreshToken(trx, tenantId, hash, now))) return undefined;
    await authStore.touchSession(trx, tenantId, sessionId, now);
    const amr = ['pwd', ...(user.mfaSecret === null ? [] : ['otp'])];
    return issueTokens(
      core,
      trx,
      { tenantId, userId, sessionId, expiresAt: session.expiresAt },
      amr,
    );
  });
  // Another exchange of the same token won the race: that is reuse too.
  if (issued === undefined) throw await reuseDetected(core, tenantId, userId, sessionId);
  await core.events.emit(tenantId, 'auth.token_refreshed', {
    userId,
    sessionId,
    tokenId: issued.claims.tokenId,
    resource: 'auth.session',
    resourceId: sessionId,
    outcome: 'success',
  });
  await emitIssued(core, issued.claims);
  return issued.tokens;
}

/** Ends a session (idempotent): its refresh token stops working, its access tokens fail verification. */
export async function logout(
  core: AuthCore,
  input: { readonly tenantId: string; readonly sessionId: string },
): Promise<void> {
  const tenantId = readName('tenantId', input.tenantId);
  const sessionId = readName('sessionId', input.sessionId);
  const session = await authStore.session(core.db, tenantId, sessionId);
  if (session === undefined) return;
  const now = core.clock.now();
  if (!(await authStore.revokeSession(core.db, tenantId, sessionId, now, 'logout'))) return;
  core.sessions.revoked(tenantId, [sessionId], now);
  await core.events.emit(tenantId, 'auth.logout', { userId: session.userId, sessionId });
  await revokeSessions(core, tenantId, session.userId, [sessionId], 'logout');
}

/**
 * Verifies a Warden access token for the server: signature, algorithm, issuer, audience,
 * expiry (with skew), then that its session is live.
 * @throws AuthError `AUTH_TOKEN_INVALID`, `AUTH_TOKEN_EXPIRED`, `AUTH_TOKEN_REVOKED`.
 */
export async function verifyAccessToken(
  core: AuthCore,
  token: unknown,
): Promise<AccessTokenClaims> {
  if (typeof token !== 'string' || token.length === 0)
    throw new AuthError('AUTH_TOKEN_INVALID', 'the access token is invalid', {
      details: { reason: 'missing' },
    });
  const claims = await core.tokens.verify(token);
  if (!(await core.sessions.isLive(claims.tenantId, claims.sessionId, core.clock.now())))
    throw new AuthError('AUTH_TOKEN_REVOKED', 'the session of the access token has ended');
  return claims;
}
