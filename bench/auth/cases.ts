/** Access-token verification rates and login latency cases of the auth benchmark. */
import { jwtVerify } from 'jose';
import { createPublicKey } from 'node:crypto';
import { LatencyHistogram } from '../lib/histogram.js';
import type { BenchCase, BenchOptions } from '../lib/types.js';
import { authFixture, rateOf } from './fixture.js';

const MIN_TIMED_MS = 3000;
const TOKENS = 100;

/** Verification of `TOKENS` distinct tokens round-robin through `AuthService.verifyAccessToken`. */
function verifyCase(name: string, description: string, cacheSize: number): BenchCase {
  return {
    name,
    description,
    async run(options: BenchOptions) {
      const f = await authFixture(TOKENS / 10, { verifiedTokenCacheSize: cacheSize }, 9);
      try {
        const tokens = f.tokens.map((t) => t.accessToken);
        for (const token of tokens) await f.auth.verifyAccessToken(token);
        const rate = await rateOf(MIN_TIMED_MS * options.scale, (i) =>
          f.auth.verifyAccessToken(tokens[i % tokens.length]),
        );
        return {
          metrics: {
            verifications: rate.count,
            verifyPerSec: rate.perSec,
            verifyPerCpuSec: rate.perCpuSec,
          },
          notes: [
            `${name}: ${String(TOKENS)} distinct tokens (10 sessions, 10 access tokens each) round-robin, each call awaited; session liveness read from SQLite at most every 5 s per session`,
          ],
        };
      } finally {
        await f.close();
      }
    },
  };
}

export const verifyCases: readonly BenchCase[] = [
  verifyCase(
    'verify-warden',
    'AuthService.verifyAccessToken, defaults (verified-token cache on): expiry, revocation and session checks per call, signature once per token',
    10_000,
  ),
  verifyCase(
    'verify-warden-no-cache',
    'AuthService.verifyAccessToken with verifiedTokenCacheSize 0: EdDSA signature checked by jose on every call',
    0,
  ),
  {
    name: 'verify-jose',
    description:
      'Ceiling: plain jose jwtVerify (EdDSA, issuer, audience) of the same tokens with the public key, nothing else',
    async run(options: BenchOptions) {
      const f = await authFixture(TOKENS / 10, {}, 9);
      try {
        const jwk = f.auth.jwks().keys[0];
        if (jwk === undefined) throw new Error('no key');
        const key = createPublicKey({ key: { ...jwk }, format: 'jwk' });
        const tokens = f.tokens.map((t) => t.accessToken);
        const verify = (token: string | undefined) =>
          jwtVerify(token ?? '', key, {
            algorithms: ['EdDSA'],
            issuer: 'warden',
            audience: 'warden',
          });
        const rate = await rateOf(MIN_TIMED_MS * options.scale, (i) =>
          verify(tokens[i % tokens.length]),
        );
        return {
          metrics: {
            verifications: rate.count,
            verifyPerSec: rate.perSec,
            verifyPerCpuSec: rate.perCpuSec,
          },
        };
      } finally {
        await f.close();
      }
    },
  },
];

/** Sequential logins at the default argon2 cost (m=19 MiB, t=2, p=1): latency percentiles. */
function loginCase(name: string, description: string, unknownUser: boolean): BenchCase {
  return {
    name,
    description,
    async run(options: BenchOptions) {
      const f = await authFixture(4);
      try {
        const histogram = new LatencyHistogram();
        const logins = Math.max(20, Math.round(100 * options.scale));
        for (let i = 0; i < logins + 5; i++) {
          const user = f.users[i % f.users.length];
          if (user === undefined) throw new Error('no user');
          const start = process.hrtime.bigint();
          if (unknownUser) {
            await f.auth
              .login({
                tenantId: f.tenantId,
                login: `nobody-${String(i)}`,
                password: user.password,
              })
              .then(
                () => {
                  throw new Error('an unknown user logged in');
                },
                () => undefined,
              );
          } else {
            await f.auth.login({
              tenantId: f.tenantId,
              login: user.login,
              password: user.password,
            });
          }
          if (i >= 5) histogram.record(Number(process.hrtime.bigint() - start));
        }
        return {
          metrics: {
            logins,
            loginP50Ms: histogram.quantileNs(0.5) / 1e6,
            loginP99Ms: histogram.quantileNs(0.99) / 1e6,
            loginMaxMs: histogram.quantileNs(1) / 1e6,
          },
        };
      } finally {
        await f.close();
      }
    },
  };
}

export const loginCases: readonly BenchCase[] = [
  loginCase(
    'login',
    'AuthService.login, right password, default argon2id (19 MiB, t=2, p=1): session, refresh and access token written, events emitted',
    false,
  ),
  loginCase(
    'login-unknown-user',
    'AuthService.login for a user that does not exist: one argon2id verification of a dummy hash (equal-time), then AUTH_INVALID_CREDENTIALS',
    true,
  ),
];
