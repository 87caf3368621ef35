import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import type { JWTVerifyGetKey } from 'jose';
import type { Clock } from '../shared/clock.js';
import type { OidcProviderConfig } from './config.js';
import { AuthError } from './errors.js';
import { MAX_TOKEN_LENGTH } from './access-tokens.js';

/** Who an external provider's token says the caller is, mapped to a Warden tenant. */
export interface ExternalIdentity {
  readonly tenantId: string;
  readonly userId: string;
  readonly issuer: string;
  /** Epoch ms. */
  readonly expiresAtMs: number;
}

function invalid(reason: string, cause?: unknown): AuthError {
  return new AuthError('AUTH_TOKEN_INVALID', 'the external token is invalid', {
    details: { reason },
    cause,
  });
}

/**
 * Verifies tokens of configured OIDC providers against their JWKS (fetched and cached by
 * `jose`'s remote key set), allowing only asymmetric algorithms, then maps a claim (or the
 * provider's fixed tenant) to the tenant and `userClaim` to the user.
 */
export class ExternalTokens {
  readonly #providers: readonly { config: OidcProviderConfig; keys: JWTVerifyGetKey }[];
  readonly #clock: Clock;
  readonly #skewSec: number;

  constructor(providers: readonly OidcProviderConfig[], clock: Clock, skewMs: number) {
    this.#providers = providers.map((config) => ({
      config,
      keys: createRemoteJWKSet(new URL(config.jwksUrl)),
    }));
    this.#clock = clock;
    this.#skewSec = Math.floor(skewMs / 1000);
  }

  /** @throws AuthError `AUTH_TOKEN_INVALID`, `AUTH_TOKEN_EXPIRED`. */
  async verify(token: unknown): Promise<ExternalIdentity> {
    if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH)
      throw invalid('malformed');
    let issuer: unknown;
    try {
      issuer = decodeJwt(token).iss;
    } catch (error) {
      throw invalid('malformed', error);
    }
    const provider = this.#providers.find((p) => p.config.issuer === issuer);
    if (provider === undefined) throw invalid('unknown_issuer');
    const { config } = provider;
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, provider.keys, {
        algorithms: [...(config.algorithms ?? ['RS256', 'ES256', 'EdDSA'])],
        issuer: config.issuer,
        audience: config.audience,
        currentDate: new Date(this.#clock.now()),
        clockTolerance: this.#skewSec,
        requiredClaims: ['exp'],
      }));
    } catch (error) {
      if ((error as { code?: unknown }).code === 'ERR_JWT_EXPIRED')
        throw new AuthError('AUTH_TOKEN_EXPIRED', 'the external token has expired');
      throw invalid('verification', error);
    }
    const tenantId =
      config.tenantClaim === undefined ? config.tenantId : payload[config.tenantClaim];
    const userId = payload[config.userClaim ?? 'sub'];
    if (typeof tenantId !== 'string' || tenantId === '') throw invalid('no_tenant');
    if (typeof userId !== 'string' || userId === '') throw invalid('no_user');
    return { tenantId, userId, issuer: config.issuer, expiresAtMs: Number(payload['exp']) * 1000 };
  }
}
