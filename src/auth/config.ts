import { AuthError } from './errors.js';

/** Argon2id cost. OWASP's minimum (m=19 MiB, t=2, p=1) is also the lowest accepted. */
export interface Argon2Params {
  readonly memoryKiB: number;
  readonly iterations: number;
  readonly parallelism: number;
}

/** An external OpenID Connect provider whose access or ID tokens Warden accepts. */
export interface OidcProviderConfig {
  /** The `iss` the tokens must carry. */
  readonly issuer: string;
  /** Where the provider publishes its JWKS (`https://…/.well-known/jwks.json`). */
  readonly jwksUrl: string;
  /** The `aud` the tokens must carry. */
  readonly audience: string;
  /** The tenant every token of this provider belongs to, unless `tenantClaim` is set. */
  readonly tenantId?: string;
  /** A claim holding the tenant id (wins over `tenantId`). */
  readonly tenantClaim?: string;
  /** The claim holding the user id. Default `sub`. */
  readonly userClaim?: string;
  /** Accepted algorithms (asymmetric only). Default `['RS256', 'ES256', 'EdDSA']`. */
  readonly algorithms?: readonly string[];
}

/** Configuration of {@link AuthService}; every field but `dataDir` has a default. */
export interface AuthConfig {
  /** Holds `auth-signing-key.pem` (created at first start) and its retired public keys. */
  readonly dataDir: string;
  /** `iss` of issued access tokens. Default `warden`. */
  readonly issuer?: string;
  /** `aud` of issued access tokens. Default `warden`. */
  readonly audience?: string;
  /** Access-token lifetime. Default 10 minutes; at most 1 hour. */
  readonly accessTokenTtlMs?: number;
  /** Tolerated clock difference when checking `exp`/`nbf`. Default 30 s; at most 5 minutes. */
  readonly clockSkewMs?: number;
  /** Session idle timeout (no refresh for this long ends it). Default 30 minutes. */
  readonly sessionIdleTimeoutMs?: number;
  /** Session absolute lifetime from login. Default 8 hours. */
  readonly sessionAbsoluteLifetimeMs?: number;
  /** Default `{ memoryKiB: 19456, iterations: 2, parallelism: 1 }` (OWASP's minimum). */
  readonly argon2?: Partial<Argon2Params>;
  /** Minimum password length for users with MFA. Default 8 (OWASP), at least 8. */
  readonly passwordMinLengthWithMfa?: number;
  /** Minimum password length for users without MFA. Default 15 (OWASP), at least 8. */
  readonly passwordMinLength?: number;
  /** Longest password accepted (never truncated). Default 128; at least 64, at most 1024. */
  readonly passwordMaxLength?: number;
  /** Failed logins within `lockoutWindowMs` that lock an account. Default 5. 0 disables. */
  readonly lockoutThreshold?: number;
  /** Window over which failures count. Default 15 minutes. */
  readonly lockoutWindowMs?: number;
  /** First lockout duration; doubles with each further lockout. Default 5 minutes. */
  readonly lockoutBaseMs?: number;
  /** Longest lockout. Default 24 hours. */
  readonly lockoutMaxMs?: number;
  /** Login attempts allowed per client IP within `ipWindowMs`. Default 30. 0 disables. */
  readonly ipMaxAttempts?: number;
  /** Default 1 minute. */
  readonly ipWindowMs?: number;
  /** Name shown in authenticator apps. Default `Warden`. */
  readonly totpIssuer?: string;
  /** TOTP steps accepted either side of now. Default 1 (±30 s); at most 2. */
  readonly totpWindow?: number;
  /** Recovery codes generated at MFA enrolment. Default 10. */
  readonly recoveryCodeCount?: number;
  /** Verified access tokens cached (signature checked once per token). Default 10,000. */
  readonly verifiedTokenCacheSize?: number;
  /** How long a session's state read for token verification is reused. Default 5 s. */
  readonly sessionCheckIntervalMs?: number;
  /** External OIDC providers. Default none. */
  readonly oidcProviders?: readonly OidcProviderConfig[];
}

/** {@link AuthConfig} with every default filled in, frozen. */
export interface ResolvedAuthConfig {
  readonly dataDir: string;
  readonly issuer: string;
  readonly audience: string;
  readonly accessTokenTtlMs: number;
  readonly clockSkewMs: number;
  readonly sessionIdleTimeoutMs: number;
  readonly sessionAbsoluteLifetimeMs: number;
  readonly argon2: Argon2Params;
  readonly passwordMinLengthWithMfa: number;
  readonly passwordMinLength: number;
  readonly passwordMaxLength: number;
  readonly lockoutThreshold: number;
  readonly lockoutWindowMs: number;
  readonly lockoutBaseMs: number;
  readonly lockoutMaxMs: number;
  readonly ipMaxAttempts: number;
  readonly ipWindowMs: number;
  readonly totpIssuer: string;
  readonly totpWindow: number;
  readonly recoveryCodeCount: number;
  readonly verifiedTokenCacheSize: number;
  readonly sessionCheckIntervalMs: number;
  readonly oidcProviders: readonly OidcProviderConfig[];
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** OWASP's minimum argon2id parameters, the defaults and the floor. */
export const MIN_ARGON2: Argon2Params = Object.freeze({
  memoryKiB: 19456,
  iterations: 2,
  parallelism: 1,
});

type NumberKey = {
  [K in keyof ResolvedAuthConfig]: ResolvedAuthConfig[K] extends number ? K : never;
}[keyof ResolvedAuthConfig];

/** Default, minimum and maximum of each numeric setting. */
const NUMBERS: Readonly<Record<NumberKey, readonly [number, number, number]>> = {
  accessTokenTtlMs: [10 * MINUTE, 10_000, HOUR],
  clockSkewMs: [30_000, 0, 5 * MINUTE],
  sessionIdleTimeoutMs: [30 * MINUTE, MINUTE, 7 * 24 * HOUR],
  sessionAbsoluteLifetimeMs: [8 * HOUR, MINUTE, 90 * 24 * HOUR],
  passwordMinLengthWithMfa: [8, 8, 64],
  passwordMinLength: [15, 8, 64],
  passwordMaxLength: [128, 64, 1024],
  lockoutThreshold: [5, 0, 100],
  lockoutWindowMs: [15 * MINUTE, 1000, 24 * HOUR],
  lockoutBaseMs: [5 * MINUTE, 1000, 24 * HOUR],
  lockoutMaxMs: [24 * HOUR, 1000, 30 * 24 * HOUR],
  ipMaxAttempts: [30, 0, 100_000],
  ipWindowMs: [MINUTE, 1000, HOUR],
  totpWindow: [1, 0, 2],
  recoveryCodeCount: [10, 1, 50],
  verifiedTokenCacheSize: [10_000, 0, 1_000_000],
  sessionCheckIntervalMs: [5000, 0, MINUTE],
};

interface Issue {
  readonly path: string;
  readonly reason: string;
}

function readNumber(
  record: Record<string, unknown>,
  key: string,
  [fallback, min, max]: readonly [number, number, number],
  issues: Issue[],
  path = key,
): number {
  const value = record[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    issues.push({ path, reason: `must be an integer from ${String(min)} to ${String(max)}` });
    return fallback;
  }
  return value;
}

function readString(
  record: Record<string, unknown>,
  key: string,
  fallback: string | undefined,
  issues: Issue[],
  path = key,
): string {
  const value = record[key];
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'string' || value.length === 0 || value.length > 1024) {
    issues.push({ path, reason: 'must be a non-empty string of at most 1024 characters' });
    return fallback ?? '';
  }
  return value;
}

function readArgon2(value: unknown, issues: Issue[]): Argon2Params {
  if (value === undefined) return MIN_ARGON2;
  if (typeof value !== 'object' || value === null) {
    issues.push({ path: 'argon2', reason: 'must be an object' });
    return MIN_ARGON2;
  }
  const record = value as Record<string, unknown>;
  return Object.freeze({
    memoryKiB: readNumber(
      record,
      'memoryKiB',
      [19456, 19456, 4 * 1024 * 1024],
      issues,
      'argon2.memoryKiB',
    ),
    iterations: readNumber(record, 'iterations', [2, 2, 100], issues, 'argon2.iterations'),
    parallelism: readNumber(record, 'parallelism', [1, 1, 16], issues, 'argon2.parallelism'),
  });
}

function readProvider(value: unknown, index: number, issues: Issue[]): OidcProviderConfig {
  const path = `oidcProviders.${String(index)}`;
  if (typeof value !== 'object' || value === null) {
    issues.push({ path, reason: 'must be an object' });
    return { issuer: '', jwksUrl: '', audience: '' };
  }
  const record = value as Record<string, unknown>;
  const jwksUrl = readString(record, 'jwksUrl', undefined, issues, `${path}.jwksUrl`);
  if (jwksUrl !== '' && !/^https?:\/\//.test(jwksUrl))
    issues.push({ path: `${path}.jwksUrl`, reason: 'must be an http(s) URL' });
  const provider: Record<string, unknown> = {
    issuer: readString(record, 'issuer', undefined, issues, `${path}.issuer`),
    jwksUrl,
    audience: readString(record, 'audience', undefined, issues, `${path}.audience`),
    userClaim: readString(record, 'userClaim', 'sub', issues, `${path}.userClaim`),
  };
  for (const key of ['tenantId', 'tenantClaim'] as const)
    if (record[key] !== undefined)
      provider[key] = readString(record, key, undefined, issues, `${path}.${key}`);
  if (record['tenantId'] === undefined && record['tenantClaim'] === undefined)
    issues.push({ path, reason: 'needs tenantId or tenantClaim' });
  provider['algorithms'] = readAlgorithms(record['algorithms'], `${path}.algorithms`, issues);
  return Object.freeze(provider) as unknown as OidcProviderConfig;
}

const ASYMMETRIC = /^(RS|PS|ES)(256|384|512)$|^EdDSA$/;

function readAlgorithms(value: unknown, path: string, issues: Issue[]): readonly string[] {
  if (value === undefined) return Object.freeze(['RS256', 'ES256', 'EdDSA']);
  if (
    !Array.isArray(value) ||
    value.length === 0 ||
    !value.every((a) => typeof a === 'string' && ASYMMETRIC.test(a))
  ) {
    issues.push({ path, reason: 'must list asymmetric JWS algorithms (RS*, PS*, ES*, EdDSA)' });
    return [];
  }
  return Object.freeze([...(value as string[])]);
}

/**
 * Checks an untrusted config and returns it with defaults, frozen.
 * @throws AuthError `AUTH_CONFIG_INVALID`; `details.issues` lists every bad path.
 */
export function parseAuthConfig(input: unknown): ResolvedAuthConfig {
  const issues: Issue[] = [];
  if (typeof input !== 'object' || input === null) {
    throw configInvalid([{ path: '', reason: 'must be an object' }]);
  }
  const record = input as Record<string, unknown>;
  const numbers: Record<string, number> = {};
  for (const [key, range] of Object.entries(NUMBERS))
    numbers[key] = readNumber(record, key, range, issues);
  const providers = record['oidcProviders'] ?? [];
  if (!Array.isArray(providers)) issues.push({ path: 'oidcProviders', reason: 'must be an array' });
  const config = {
    ...(numbers as Record<NumberKey, number>),
    dataDir: readString(record, 'dataDir', undefined, issues),
    issuer: readString(record, 'issuer', 'warden', issues),
    audience: readString(record, 'audience', 'warden', issues),
    totpIssuer: readString(record, 'totpIssuer', 'Warden', issues),
    argon2: readArgon2(record['argon2'], issues),
    oidcProviders: Object.freeze(
      Array.isArray(providers) ? providers.map((p, i) => readProvider(p, i, issues)) : [],
    ),
  };
  if (config.sessionAbsoluteLifetimeMs < config.sessionIdleTimeoutMs)
    issues.push({
      path: 'sessionAbsoluteLifetimeMs',
      reason: 'must not be shorter than sessionIdleTimeoutMs',
    });
  if (config.lockoutMaxMs < config.lockoutBaseMs)
    issues.push({ path: 'lockoutMaxMs', reason: 'must not be shorter than lockoutBaseMs' });
  if (config.passwordMinLength > config.passwordMaxLength)
    issues.push({ path: 'passwordMinLength', reason: 'must not exceed passwordMaxLength' });
  if (issues.length > 0) throw configInvalid(issues);
  return Object.freeze(config);
}

function configInvalid(issues: readonly Issue[]): AuthError {
  const summary = issues.map((i) => `${i.path || '(root)'}: ${i.reason}`).join('; ');
  return new AuthError('AUTH_CONFIG_INVALID', `invalid auth config: ${summary}`, {
    details: { issues },
  });
}
