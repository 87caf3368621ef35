import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  AUTH_ERROR_CODES,
  AuthError,
  parseAuthConfig,
  parseUserAgent,
} from '../../src/auth/index.js';
import { isCommonPassword } from '../../src/auth/common-passwords.js';
import { base32Decode, base32Encode, hotp, matchTotp, totpCode } from '../../src/auth/totp.js';
import { IpThrottle, registerFailure } from '../../src/auth/lockout.js';
import { ERROR_CATALOGUE } from '../../src/shared/error-catalogue.js';

describe('auth config', () => {
  it('fills OWASP-range defaults', () => {
    const config = parseAuthConfig({ dataDir: '/tmp/x' });
    expect(config).toMatchObject({
      argon2: { memoryKiB: 19456, iterations: 2, parallelism: 1 },
      accessTokenTtlMs: 600_000,
      sessionIdleTimeoutMs: 1_800_000,
      sessionAbsoluteLifetimeMs: 28_800_000,
      passwordMinLength: 15,
      passwordMinLengthWithMfa: 8,
      passwordMaxLength: 128,
      lockoutThreshold: 5,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('refuses argon2 parameters below the OWASP minimum and lists every bad path', () => {
    let error: unknown;
    try {
      parseAuthConfig({
        argon2: { memoryKiB: 4096, iterations: 1 },
        passwordMaxLength: 32,
        oidcProviders: [{ issuer: 'x', jwksUrl: 'ftp://x', audience: 'a' }],
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AuthError);
    const paths = ((error as AuthError).details['issues'] as { path: string }[]).map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'dataDir',
        'argon2.memoryKiB',
        'argon2.iterations',
        'passwordMaxLength',
        'oidcProviders.0.jwksUrl',
        'oidcProviders.0',
      ]),
    );
    expect((error as AuthError).code).toBe('AUTH_CONFIG_INVALID');
  });

  it('refuses HMAC algorithms for external providers', () => {
    expect(() =>
      parseAuthConfig({
        dataDir: '/x',
        oidcProviders: [
          {
            issuer: 'i',
            jwksUrl: 'https://i/j',
            audience: 'a',
            tenantId: 't',
            algorithms: ['HS256'],
          },
        ],
      }),
    ).toThrow(/algorithms/);
  });
});

describe('TOTP', () => {
  // RFC 6238 appendix B, SHA-1 seed "12345678901234567890", last 6 of the 8-digit values.
  const seed = base32Encode(Buffer.from('12345678901234567890'));
  it.each([
    [59, '287082'],
    [1111111109, '081804'],
    [1111111111, '050471'],
    [1234567890, '005924'],
    [2000000000, '279037'],
    [20000000000, '353130'],
  ])('gives the RFC 6238 code at %i s', (seconds, code) => {
    expect(totpCode(seed, seconds * 1000)).toBe(code);
  });

  it('round-trips base32 and matches RFC 4226 HOTP', () => {
    expect(base32Decode(seed).toString()).toBe('12345678901234567890');
    expect(hotp(seed, 0)).toBe('755224');
    expect(hotp(seed, 9)).toBe('520489');
  });

  it('matches within the window only', () => {
    const now = 1_700_000_000_000;
    expect(matchTotp(seed, totpCode(seed, now - 30_000), now, 1)).toBeDefined();
    expect(matchTotp(seed, totpCode(seed, now - 60_000), now, 1)).toBeUndefined();
  });
});

describe('user agent parser', () => {
  it.each([
    [
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
      'Chrome',
      'Windows',
      'desktop',
    ],
    [
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36 Edg/126.0',
      'Edge',
      'Windows',
      'desktop',
    ],
    [
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
      'Safari',
      'iOS',
      'mobile',
    ],
    [
      'Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
      'Safari',
      'iOS',
      'tablet',
    ],
    [
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
      'Safari',
      'macOS',
      'desktop',
    ],
    [
      'Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0',
      'Firefox',
      'Linux',
      'desktop',
    ],
    [
      'Mozilla/5.0 (Linux; Android 14; SM-X910) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
      'Chrome',
      'Android',
      'tablet',
    ],
    ['curl/8.5.0', 'curl', 'unknown', 'bot'],
    [
      'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
      'unknown',
      'unknown',
      'bot',
    ],
  ])('parses %s', (ua, browser, os, type) => {
    expect(parseUserAgent(ua)).toEqual({ browser, os, type });
  });

  it('reads a missing user agent as unknown', () => {
    expect(parseUserAgent(undefined)).toEqual({
      browser: 'unknown',
      os: 'unknown',
      type: 'unknown',
    });
  });
});

describe('lockout arithmetic', () => {
  const policy = {
    lockoutThreshold: 3,
    lockoutWindowMs: 1000,
    lockoutBaseMs: 100,
    lockoutMaxMs: 250,
  };
  const user = {
    tenantId: 't',
    id: 'u',
    username: 'u',
    email: null,
    passwordHash: '',
    disabled: false,
    failedCount: 2,
    failureWindowStart: 0,
    lockedUntil: undefined,
    lockoutCount: 2,
    mfaSecret: null,
    mfaPendingSecret: null,
    mfaLastStep: undefined,
    createdAt: 0,
  };
  it('caps the growing lockout at the maximum', () => {
    expect(registerFailure(policy, user, 10).lockedUntil).toBe(10 + 250);
    expect(registerFailure(policy, { ...user, lockoutCount: 0 }, 10).lockedUntil).toBe(10 + 100);
  });

  it('throttles an IP past the limit until its window ends', () => {
    const throttle = new IpThrottle(2, 1000);
    expect([throttle.attempt('a', 0), throttle.attempt('a', 1), throttle.attempt('a', 2)]).toEqual([
      0, 0, 998,
    ]);
    expect(throttle.attempt('a', 1000)).toBe(0);
  });
});

describe('common passwords', () => {
  it('refuses listed passwords in any case and with digits appended', () => {
    expect(isCommonPassword('PassWord')).toBe(true);
    expect(isCommonPassword('iloveyou2024!')).toBe(true);
    expect(isCommonPassword('quiet-harbour-lantern')).toBe(false);
  });
});

describe('auth error codes', () => {
  const docs = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
  it.each(Object.values(AUTH_ERROR_CODES))(
    '%s is in the catalogue with its category and documented',
    (code) => {
      const entry = ERROR_CATALOGUE.find((e) => e.code === code);
      expect(entry?.category).toBe(new AuthError(code, 'x').category);
      expect(docs).toContain(`| \`${code}\` | \`${entry?.category ?? ''}\` |`);
    },
  );
});
