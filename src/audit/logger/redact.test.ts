import { describe, expect, it } from 'vitest';
import { REDACTED, isSecretFieldName, redactSecrets } from './index.js';

describe('redactSecrets', () => {
  it.each([
    'password',
    'newPassword',
    'password_hash',
    'clientSecret',
    'accessToken',
    'refresh_token',
    'id-token',
    'apiKey',
    'API_KEY',
    'Authorization',
    'set-cookie',
    'credentials',
    'privateKey',
    'mfa_otp',
  ])('treats %s as a secret', (name) => {
    expect(isSecretFieldName(name)).toBe(true);
  });

  it.each(['tokenId', 'tokenType', 'sessionId', 'userId', 'resource', 'reason'])(
    'keeps %s',
    (name) => {
      expect(isSecretFieldName(name)).toBe(false);
    },
  );

  it('replaces secrets at any depth, in objects and arrays, and leaves the input untouched', () => {
    const input = {
      user: 'alice',
      credentials: { password: 'p' },
      steps: [{ otp: '123456', ok: true }, 'plain'],
      nested: { deeper: { apiKey: 'k', keep: 1 } },
    };
    const before = structuredClone(input);
    expect(redactSecrets(input)).toEqual({
      user: 'alice',
      credentials: REDACTED,
      steps: [{ otp: REDACTED, ok: true }, 'plain'],
      nested: { deeper: { apiKey: REDACTED, keep: 1 } },
    });
    expect(input).toEqual(before);
  });

  it('returns a payload without secrets as the same object', () => {
    const input = { a: [1, { b: 'c' }], d: null };
    expect(redactSecrets(input)).toBe(input);
  });

  it('keeps a JSON "__proto__" key a plain field when copying', () => {
    const input = JSON.parse('{"__proto__": {"x": 1}, "token": "t"}') as unknown;
    const output = redactSecrets(input) as Record<string, unknown>;
    expect(Object.getPrototypeOf(output)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(output, '__proto__')?.value).toEqual({ x: 1 });
    expect(output['token']).toBe(REDACTED);
  });

  it('leaves scalars as they are', () => {
    for (const value of ['s', 1, true, null]) expect(redactSecrets(value)).toBe(value);
  });
});
