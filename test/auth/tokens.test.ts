import { generateKeyPairSync } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT, UnsecuredJWT, createLocalJWKSet, decodeJwt, jwtVerify } from 'jose';
import { afterAll, expect, it } from 'vitest';
import { AUTH_SIGNING_KEY_FILE } from '../../src/auth/index.js';
import type { AuthService } from '../../src/auth/index.js';
import { describeEachDatabase } from '../../src/storage/testing.js';
import { AuthHarness, newTenant, rejection } from './auth-harness.js';

const MINUTE = 60_000;

describeEachDatabase('auth access tokens', (open) => {
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

  function swapPayload(token: string, change: Record<string, unknown>): string {
    const [header, , signature] = token.split('.');
    const payload = { ...decodeJwt(token), ...change };
    return `${header ?? ''}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${signature ?? ''}`;
  }

  it('refuses a token whose payload was changed', async () => {
    const auth = await h.service(await open());
    const { tokens } = await loggedIn(auth);
    const forged = swapPayload(tokens.accessToken, { sub: 'someone-else' });
    expect((await rejection(auth.verifyAccessToken(forged))).code).toBe('AUTH_TOKEN_INVALID');
  });

  it('refuses alg none', async () => {
    const auth = await h.service(await open());
    const { tokens } = await loggedIn(auth);
    const claims = decodeJwt(tokens.accessToken);
    const unsigned = new UnsecuredJWT(claims).encode();
    expect((await rejection(auth.verifyAccessToken(unsigned))).code).toBe('AUTH_TOKEN_INVALID');
    const [, payload] = tokens.accessToken.split('.');
    const noneWithKid = `${Buffer.from(JSON.stringify({ alg: 'none', kid: auth.jwks().keys[0]?.kid })).toString('base64url')}.${payload ?? ''}.`;
    expect((await rejection(auth.verifyAccessToken(noneWithKid))).code).toBe('AUTH_TOKEN_INVALID');
  });

  it('refuses an HMAC token keyed with the public key (algorithm confusion)', async () => {
    const auth = await h.service(await open());
    const { tokens } = await loggedIn(auth);
    const jwk = auth.jwks().keys[0];
    const secret = new TextEncoder().encode(JSON.stringify(jwk));
    const forged = await new SignJWT(decodeJwt(tokens.accessToken))
      .setProtectedHeader({ alg: 'HS256', kid: jwk?.kid ?? '' })
      .sign(secret);
    expect((await rejection(auth.verifyAccessToken(forged))).code).toBe('AUTH_TOKEN_INVALID');
  });

  it('refuses a token signed by another key under the right key id', async () => {
    const auth = await h.service(await open());
    const { tokens } = await loggedIn(auth);
    const { privateKey } = generateKeyPairSync('ed25519');
    const forged = await new SignJWT(decodeJwt(tokens.accessToken))
      .setProtectedHeader({ alg: 'EdDSA', kid: auth.jwks().keys[0]?.kid ?? '' })
      .sign(privateKey);
    expect((await rejection(auth.verifyAccessToken(forged))).code).toBe('AUTH_TOKEN_INVALID');
  });

  it('refuses a token of another issuer or audience', async () => {
    const database = await open();
    const dataDir = h.dataDir();
    const auth = await h.service(database, { dataDir });
    const other = await h.service(database, { dataDir, audience: 'another-service' });
    const { tokens } = await loggedIn(auth);
    expect((await rejection(other.verifyAccessToken(tokens.accessToken))).code).toBe(
      'AUTH_TOKEN_INVALID',
    );
  });

  it('refuses an expired token, allowing the configured clock skew', async () => {
    const auth = await h.service(await open());
    const { tokens } = await loggedIn(auth);
    await auth.verifyAccessToken(tokens.accessToken);
    h.clock.advance(10 * MINUTE + 20_000);
    await auth.verifyAccessToken(tokens.accessToken);
    h.clock.advance(20_000);
    expect((await rejection(auth.verifyAccessToken(tokens.accessToken))).code).toBe(
      'AUTH_TOKEN_EXPIRED',
    );
  });

  it('refuses an expired token on its first verification as well', async () => {
    const auth = await h.service(await open());
    const { tokens } = await loggedIn(auth);
    h.clock.advance(11 * MINUTE);
    expect((await rejection(auth.verifyAccessToken(tokens.accessToken))).code).toBe(
      'AUTH_TOKEN_EXPIRED',
    );
  });

  it('refuses a token of a revoked session, at once and on another instance after the check interval', async () => {
    const database = await open();
    const dataDir = h.dataDir();
    const auth = await h.service(database, { dataDir });
    const peer = await h.service(database, { dataDir });
    const { tenantId, tokens } = await loggedIn(auth);
    await peer.verifyAccessToken(tokens.accessToken);
    await auth.logout({ tenantId, sessionId: tokens.sessionId });
    expect((await rejection(auth.verifyAccessToken(tokens.accessToken))).code).toBe(
      'AUTH_TOKEN_REVOKED',
    );
    h.clock.advance(5000);
    expect((await rejection(peer.verifyAccessToken(tokens.accessToken))).code).toBe(
      'AUTH_TOKEN_REVOKED',
    );
  });

  it('refuses garbage and oversize tokens with AUTH_TOKEN_INVALID', async () => {
    const auth = await h.service(await open());
    for (const token of ['', 'abc', 'a.b.c', 'x'.repeat(9000), 42])
      expect((await rejection(auth.verifyAccessToken(token))).code).toBe('AUTH_TOKEN_INVALID');
  });

  it('publishes a JWKS document that verifies its tokens with plain jose', async () => {
    const auth = await h.service(await open());
    const { tokens, tenantId } = await loggedIn(auth);
    const jwks = auth.jwks();
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
    expect(JSON.stringify(jwks)).not.toMatch(/"d"/);
    const { payload, protectedHeader } = await jwtVerify(
      tokens.accessToken,
      createLocalJWKSet(jwks as never),
      {
        issuer: 'warden',
        audience: 'warden',
        currentDate: new Date(h.clock.now()),
      },
    );
    expect(protectedHeader).toMatchObject({ alg: 'EdDSA', kid: jwks.keys[0]?.kid });
    expect(payload).toMatchObject({ tid: tenantId, sid: tokens.sessionId, amr: ['pwd'] });
  });

  it('creates one signing key file, readable by its owner only, when instances start together', async () => {
    const database = await open();
    const dataDir = h.dataDir();
    const [a, b] = await Promise.all([
      h.service(database, { dataDir }),
      h.service(database, { dataDir }),
    ]);
    expect(a.jwks()).toEqual(b.jwks());
    expect(statSync(join(dataDir, AUTH_SIGNING_KEY_FILE)).mode & 0o777).toBe(0o600);
  });

  it('keeps its signing key across restarts', async () => {
    const database = await open();
    const dataDir = h.dataDir();
    const first = await h.service(database, { dataDir });
    const { tokens } = await loggedIn(first);
    const second = await h.service(database, { dataDir });
    expect(second.jwks()).toEqual(first.jwks());
    await second.verifyAccessToken(tokens.accessToken);
  });

  it('rotates the signing key: old tokens verify until they expire, then the old key is dropped', async () => {
    const database = await open();
    const dataDir = h.dataDir();
    const auth = await h.service(database, { dataDir });
    const { tokens } = await loggedIn(auth);
    const { previousKid, kid } = await auth.rotateSigningKey();
    expect(auth.jwks().keys.map((k) => k.kid)).toEqual([kid, previousKid]);
    const restarted = await h.service(database, { dataDir });
    await restarted.verifyAccessToken(tokens.accessToken);
    const next = h.tokens(
      await (async () => {
        const tenantId = newTenant();
        const user = await h.user(restarted, tenantId);
        return restarted.login({ tenantId, login: user.username, password: user.password });
      })(),
    );
    expect(decodeJwt(next.accessToken)).toBeDefined();
    h.clock.advance(10 * MINUTE + 30_001);
    expect(restarted.jwks().keys.map((k) => k.kid)).toEqual([kid]);
    expect(await h.data('auth.config_changed')).toContainEqual(
      expect.objectContaining({ previousKeyId: previousKid, keyId: kid }),
    );
  });
});
