import type { Kysely } from 'kysely';
import type { Clock } from '../shared/clock.js';
import { getCurrentUserId } from '../tenancy/index.js';
import type { AccessTokenClaims, AccessTokens } from './access-tokens.js';
import { authStore } from './auth-store.js';
import type { AuthTables } from './auth-tables.js';
import type { ResolvedAuthConfig } from './config.js';
import type { PasswordHasher } from './password-hasher.js';
import type { SecurityEvents } from './security-events.js';
import type { SessionState } from './session-state.js';
import { randomToken, sha256Hex } from './secrets.js';

/** What the flows of the service share (internal). */
export interface AuthCore {
  readonly db: Kysely<AuthTables>;
  /** Runs `fn` in one storage transaction (`Database.transaction`: errors translated). */
  readonly transact: <T>(fn: (db: Kysely<AuthTables>) => Promise<T>) => Promise<T>;
  readonly config: ResolvedAuthConfig;
  readonly clock: Clock;
  readonly events: SecurityEvents;
  readonly hasher: PasswordHasher;
  readonly tokens: AccessTokens;
  readonly sessions: SessionState;
}

/** What a login or a refresh returns. */
export interface TokenSet {
  /** The EdDSA-signed JWT to send as `Authorization: Bearer`. */
  readonly accessToken: string;
  /** Epoch ms. */
  readonly accessTokenExpiresAt: number;
  /** The opaque refresh token: 256 random bits, stored only as a SHA-256 hash. Single use. */
  readonly refreshToken: string;
  readonly sessionId: string;
  readonly userId: string;
  readonly tenantId: string;
  /** The session's absolute end (epoch ms). */
  readonly sessionExpiresAt: number;
}

/** Who performs an admin operation: the request context's user, else `system`. */
export function actorId(): string {
  return getCurrentUserId() ?? 'system';
}

/** Issues an access token and stores a new refresh token for a session. */
export async function issueTokens(
  core: AuthCore,
  db: Kysely<AuthTables>,
  session: { tenantId: string; userId: string; sessionId: string; expiresAt: number },
  amr: readonly string[],
): Promise<{ tokens: TokenSet; claims: AccessTokenClaims }> {
  const refreshToken = randomToken(32);
  await authStore.insertRefreshToken(db, {
    tenantId: session.tenantId,
    hash: sha256Hex(refreshToken),
    sessionId: session.sessionId,
    userId: session.userId,
    at: core.clock.now(),
  });
  const { token, claims } = await core.tokens.issue({ ...session, amr });
  return {
    claims,
    tokens: {
      accessToken: token,
      accessTokenExpiresAt: claims.expiresAtMs,
      refreshToken,
      sessionId: session.sessionId,
      userId: session.userId,
      tenantId: session.tenantId,
      sessionExpiresAt: session.expiresAt,
    },
  };
}

/** Emits `auth.token_issued` for a token. */
export async function emitIssued(core: AuthCore, claims: AccessTokenClaims): Promise<void> {
  await core.events.emit(claims.tenantId, 'auth.token_issued', {
    userId: claims.userId,
    sessionId: claims.sessionId,
    tokenId: claims.tokenId,
    expiresAt: new Date(claims.expiresAtMs).toISOString(),
  });
}

/** Revokes sessions and emits `auth.token_revoked` for each. */
export async function revokeSessions(
  core: AuthCore,
  tenantId: string,
  userId: string,
  sessionIds: readonly string[],
  reason: string,
): Promise<void> {
  core.sessions.revoked(tenantId, sessionIds, core.clock.now());
  for (const sessionId of sessionIds)
    await core.events.emit(tenantId, 'auth.token_revoked', {
      userId,
      sessionId,
      tokenId: sessionId,
      reason,
    });
}
