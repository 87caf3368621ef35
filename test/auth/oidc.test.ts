import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK } from 'jose';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../src/storage/testing.js';
import { AuthHarness, rejection } from './auth-harness.js';

const ISSUER = 'https://idp.example.test';

describeEachDatabase(
  'auth external OIDC tokens',
  (open) => {
    const h = new AuthHarness();
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    let server: Server;
    let jwksUrl = '';

    beforeAll(async () => {
      const jwk = { ...(await exportJWK(publicKey)), kid: 'idp-1', alg: 'ES256', use: 'sig' };
      server = createServer((_req, res) => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ keys: [jwk] }));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      jwksUrl = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}/jwks`;
    });
    afterAll(async () => {
      await h.close();
      await new Promise((resolve) => server.close(resolve));
    });

    const service = async () =>
      h.service(await open(), {
        oidcProviders: [
          { issuer: ISSUER, jwksUrl, audience: 'warden-api', tenantClaim: 'org', userClaim: 'sub' },
        ],
      });

    const idpToken = (claims: Record<string, unknown>, alg = 'ES256') =>
      new SignJWT({ org: 'tenant-idp', ...claims })
        .setProtectedHeader({ alg, kid: 'idp-1' })
        .setIssuer(ISSUER)
        .setAudience('warden-api')
        .setSubject('ext-user-1')
        .setIssuedAt(Math.floor(h.clock.now() / 1000))
        .setExpirationTime(Math.floor(h.clock.now() / 1000) + 300)
        .sign(privateKey);

    it('accepts a provider token through its JWKS URL and maps the tenant and user claims', async () => {
      const auth = await service();
      const identity = await auth.verifyExternalToken(await idpToken({}));
      expect(identity).toMatchObject({
        tenantId: 'tenant-idp',
        userId: 'ext-user-1',
        issuer: ISSUER,
      });
    });

    it('refuses a provider token with the wrong audience, an unknown issuer or past its expiry', async () => {
      const auth = await service();
      const wrongAudience = await new SignJWT({ org: 't' })
        .setProtectedHeader({ alg: 'ES256', kid: 'idp-1' })
        .setIssuer(ISSUER)
        .setAudience('someone-else')
        .setSubject('u')
        .setExpirationTime(Math.floor(h.clock.now() / 1000) + 300)
        .sign(privateKey);
      expect((await rejection(auth.verifyExternalToken(wrongAudience))).code).toBe(
        'AUTH_TOKEN_INVALID',
      );
      const token = await idpToken({});
      h.clock.advance(10 * 60_000);
      expect((await rejection(auth.verifyExternalToken(token))).code).toBe('AUTH_TOKEN_EXPIRED');
      const other = await new SignJWT({})
        .setProtectedHeader({ alg: 'ES256' })
        .setIssuer('https://evil.test')
        .sign(privateKey);
      expect((await rejection(auth.verifyExternalToken(other))).code).toBe('AUTH_TOKEN_INVALID');
    });

    it('refuses a provider token without the tenant claim', async () => {
      const auth = await service();
      expect(
        await rejection(auth.verifyExternalToken(await idpToken({ org: undefined }))),
      ).toMatchObject({
        code: 'AUTH_TOKEN_INVALID',
        details: { reason: 'no_tenant' },
      });
    });
  },
  { dialects: ['sqlite'] },
);
