import { SignJWT, decodeProtectedHeader, errors as joseErrors, jwtVerify } from 'jose';
import type { JWTPayload } from 'jose';
import type { Clock } from '../shared/clock.js';
import { AuthError } from './errors.js';
import { randomToken } from './secrets.js';
import type { SigningKeyring } from './signing-keys.js';

/** The only algorithm Warden signs or accepts on its own tokens (no `none`, HMAC or RSA). */
export const ACCESS_TOKEN_ALGORITHM = 'EdDSA';
/** Longest access token accepted; longer input is refused before any parsing. */
export const MAX_TOKEN_LENGTH = 8192;

/** What a verified Warden access token says. */
export interface AccessTokenClaims {
  readonly tenantId: string;
  readonly userId: string;
  readonly sessionId: string;
  /** The token id (`jti`). */
  readonly tokenId: string;
  /** Expiry, epoch ms. */
  readonly expiresAtMs: number;
  /** `['pwd']` or `['pwd', 'otp']` (RFC 8176 method references). */
  readonly amr: readonly string[];
}

export interface AccessTokenSettings {
  readonly issuer: string;
  readonly audience: string;
  readonly ttlMs: number;
  readonly clockSkewMs: number;
  readonly cacheSize: number;
}

function invalid(reason: string, cause?: unknown): AuthError {
  return new AuthError('AUTH_TOKEN_INVALID', 'the access token is invalid', {
    details: { reason },
    cause,
  });
}

function claimsOf(payload: JWTPayload): AccessTokenClaims {
  const { sub, tid, sid, jti, exp, amr } = payload as Record<string, unknown>;
  if (
    typeof sub !== 'string' ||
    typeof tid !== 'string' ||
    typeof sid !== 'string' ||
    typeof jti !== 'string' ||
    typeof exp !== 'number' ||
    !Array.isArray(amr)
  )
    throw invalid('claims');
  return Object.freeze({
    tenantId: tid,
    userId: sub,
    sessionId: sid,
    tokenId: jti,
    expiresAtMs: exp * 1000,
    amr: Object.freeze(amr.filter((m): m is string => typeof m === 'string')),
  });
}

/**
 * Issues and verifies Warden's access tokens (JWT, EdDSA, `kid` header). A verified token
 * is cached by its exact text (bounded, oldest evicted), so a token presented again skips
 * the signature check; expiry is still checked on every call, and session revocation by the
 * caller. A changed byte anywhere makes a different text and misses the cache.
 */
export class AccessTokens {
  readonly #keys: SigningKeyring;
  readonly #clock: Clock;
  readonly #settings: AccessTokenSettings;
  readonly #verified = new Map<string, AccessTokenClaims>();

  constructor(keys: SigningKeyring, clock: Clock, settings: AccessTokenSettings) {
    this.#keys = keys;
    this.#clock = clock;
    this.#settings = settings;
  }

  /** Signs a token for a session. */
  async issue(input: {
    readonly tenantId: string;
    readonly userId: string;
    readonly sessionId: string;
    readonly amr: readonly string[];
  }): Promise<{ readonly token: string; readonly claims: AccessTokenClaims }> {
    const key = this.#keys.current;
    const nowSec = Math.floor(this.#clock.now() / 1000);
    const exp = nowSec + Math.floor(this.#settings.ttlMs / 1000);
    const jti = randomToken(16);
    const token = await new SignJWT({
      tid: input.tenantId,
      sid: input.sessionId,
      amr: [...input.amr],
    })
      .setProtectedHeader({ alg: ACCESS_TOKEN_ALGORITHM, typ: 'at+jwt', kid: key.kid })
      .setSubject(input.userId)
      .setIssuer(this.#settings.issuer)
      .setAudience(this.#settings.audience)
      .setIssuedAt(nowSec)
      .setNotBefore(nowSec)
      .setExpirationTime(exp)
      .setJti(jti)
      .sign(key.privateKey);
    return {
      token,
      claims: claimsOf({
        sub: input.userId,
        tid: input.tenantId,
        sid: input.sessionId,
        jti,
        exp,
        amr: [...input.amr],
      }),
    };
  }

  /**
   * Checks signature (EdDSA only, key by `kid`), issuer, audience, `nbf` and `exp` with the
   * configured skew. @throws AuthError `AUTH_TOKEN_EXPIRED`, `AUTH_TOKEN_INVALID`.
   */
  async verify(token: string): Promise<AccessTokenClaims> {
    const cached = this.#verified.get(token);
    if (cached !== undefined) {
      this.#checkExpiry(cached);
      return cached;
    }
    if (token.length > MAX_TOKEN_LENGTH) throw invalid('too_long');
    const claims = await this.#verifySignature(token);
    this.#remember(token, claims);
    return claims;
  }

  async #verifySignature(token: string): Promise<AccessTokenClaims> {
    let kid: unknown;
    try {
      const header = decodeProtectedHeader(token);
      if (header.alg !== ACCESS_TOKEN_ALGORITHM) throw invalid('algorithm');
      kid = header.kid;
    } catch (error) {
      throw error instanceof AuthError ? error : invalid('malformed', error);
    }
    const now = this.#clock.now();
    const key = typeof kid === 'string' ? this.#keys.publicKey(kid, now) : undefined;
    if (key === undefined) throw invalid('unknown_key');
    try {
      const { payload } = await jwtVerify(token, key, {
        algorithms: [ACCESS_TOKEN_ALGORITHM],
        issuer: this.#settings.issuer,
        audience: this.#settings.audience,
        currentDate: new Date(now),
        clockTolerance: Math.floor(this.#settings.clockSkewMs / 1000),
        requiredClaims: ['exp', 'sub', 'jti'],
      });
      return claimsOf(payload);
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired)
        throw new AuthError('AUTH_TOKEN_EXPIRED', 'the access token has expired');
      throw error instanceof AuthError ? error : invalid('verification', error);
    }
  }

  #checkExpiry(claims: AccessTokenClaims): void {
    if (claims.expiresAtMs + this.#settings.clockSkewMs <= this.#clock.now())
      throw new AuthError('AUTH_TOKEN_EXPIRED', 'the access token has expired');
  }

  #remember(token: string, claims: AccessTokenClaims): void {
    if (this.#settings.cacheSize === 0) return;
    if (this.#verified.size >= this.#settings.cacheSize) {
      const oldest = this.#verified.keys().next();
      if (oldest.done !== true) this.#verified.delete(oldest.value);
    }
    this.#verified.set(token, claims);
  }
}
