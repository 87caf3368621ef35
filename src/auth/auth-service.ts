import type { Kysely } from 'kysely';
import type { EventEmitter } from '../events/index.js';
import type { Clock } from '../shared/clock.js';
import { systemClock } from '../shared/clock.js';
import type { Database } from '../storage/index.js';
import { withTables } from '../storage/index.js';
import type { AccessTokenClaims } from './access-tokens.js';
import { AccessTokens } from './access-tokens.js';
import * as accounts from './accounts.js';
import type { CreateUserInput, UserView } from './accounts.js';
import type { AuthCore, TokenSet } from './auth-core.js';
import { actorId } from './auth-core.js';
import { authMigrations } from './auth-migrations.js';
import type { AuthTables } from './auth-tables.js';
import { changedSettings } from './config-changes.js';
import { parseAuthConfig } from './config.js';
import type { AuthConfig, ResolvedAuthConfig } from './config.js';
import { AuthError } from './errors.js';
import { IpThrottle } from './lockout.js';
import { login } from './login.js';
import type { LoginInput } from './login.js';
import * as mfa from './mfa.js';
import type { MfaEnrolment } from './mfa.js';
import { ExternalTokens } from './oidc.js';
import type { ExternalIdentity } from './oidc.js';
import { PasswordHasher } from './password-hasher.js';
import { SecurityEvents } from './security-events.js';
import { SessionState } from './session-state.js';
import { logout, refresh, verifyAccessToken } from './sessions.js';
import { SigningKeyring } from './signing-keys.js';
import type { PublicJwk } from './signing-keys.js';

/** Collaborators of {@link AuthService}. */
export interface AuthServiceOptions {
  readonly database: Database;
  /** Where security events go (the `security` channel). */
  readonly bus: EventEmitter;
  /** Default the system clock. Drives token expiry, sessions, lockouts and TOTP steps. */
  readonly clock?: Clock;
  /** Told when a security event could not be emitted (the operation itself went on). */
  readonly onEventError?: (error: unknown) => void;
}

/**
 * Warden's authentication service: users with argon2id passwords, login with lockout and
 * TOTP MFA, EdDSA access tokens with a JWKS document, rotating refresh tokens with reuse
 * detection, server-side sessions, and a security event for each of these.
 *
 * @example
 * const auth = new AuthService({ dataDir }, { database, bus });
 * await auth.init();
 * const tokens = await auth.login({ tenantId: 'acme', login: 'ada', password });
 * const claims = await auth.verifyAccessToken(tokens.accessToken);
 */
export class AuthService {
  readonly #config: ResolvedAuthConfig;
  readonly #database: Database;
  readonly #clock: Clock;
  readonly #keys: SigningKeyring;
  readonly #core: AuthCore;
  readonly #throttle: IpThrottle;
  readonly #external: ExternalTokens;
  #ready: Promise<void> | undefined;
  #initialised = false;

  /** @throws AuthError `AUTH_CONFIG_INVALID` listing every bad path. */
  constructor(config: AuthConfig, options: AuthServiceOptions) {
    this.#config = parseAuthConfig(config);
    this.#database = options.database;
    this.#clock = options.clock ?? systemClock;
    const c = this.#config;
    this.#keys = new SigningKeyring(c.dataDir, c.accessTokenTtlMs + c.clockSkewMs);
    const db: Kysely<AuthTables> = withTables<AuthTables>(options.database);
    this.#core = {
      db,
      transact: (fn) => options.database.transaction((trx) => fn(trx as Kysely<AuthTables>)),
      config: c,
      clock: this.#clock,
      events: new SecurityEvents(options.bus, this.#clock, options.onEventError ?? (() => {})),
      hasher: new PasswordHasher(c.argon2),
      tokens: new AccessTokens(this.#keys, this.#clock, {
        issuer: c.issuer,
        audience: c.audience,
        ttlMs: c.accessTokenTtlMs,
        clockSkewMs: c.clockSkewMs,
        cacheSize: c.verifiedTokenCacheSize,
      }),
      sessions: new SessionState(db, c.sessionCheckIntervalMs),
    };
    this.#throttle = new IpThrottle(c.ipMaxAttempts, c.ipWindowMs);
    this.#external = new ExternalTokens(c.oidcProviders, this.#clock, c.clockSkewMs);
  }

  /** The validated configuration with defaults (frozen). */
  get config(): ResolvedAuthConfig {
    return this.#config;
  }

  /**
   * Applies the auth migrations and loads (or creates) the signing key. Idempotent. When the
   * configuration differs from the one of the previous start (kept in `auth-settings.json`),
   * emits `auth.config_changed` naming the changed settings.
   * @throws AuthError `AUTH_KEY_UNAVAILABLE`; StorageError from the migration.
   */
  init(): Promise<void> {
    this.#ready ??= (async () => {
      await this.#database.migrate(authMigrations);
      await this.#keys.load();
      this.#initialised = true;
      const changed = await changedSettings(this.#config);
      if (changed.length > 0)
        await this.#core.events.emit(undefined, 'auth.config_changed', {
          userId: actorId(),
          change: 'settings_changed',
          changed,
          resource: 'auth.config',
          resourceId: 'auth',
          outcome: 'success',
        });
    })();
    return this.#ready;
  }

  #initialisedCore(): AuthCore {
    if (!this.#initialised)
      throw new AuthError('AUTH_NOT_INITIALISED', 'call init() before using the auth service');
    return this.#core;
  }

  /** Creates a user; the password must pass the policy (no MFA yet: 15 characters by default). */
  createUser(input: CreateUserInput): Promise<UserView> {
    return accounts.createUser(this.#initialisedCore(), input);
  }

  /** The user, without hashes or secrets. @throws AuthError `AUTH_USER_NOT_FOUND`. */
  async getUser(tenantId: string, userId: string): Promise<UserView> {
    const user = await accounts.requireUser(this.#initialisedCore(), tenantId, userId);
    return accounts.viewOf(user, this.#clock.now());
  }

  /** Disables a user and revokes every session; login then fails with `AUTH_ACCOUNT_DISABLED`. */
  disableUser(tenantId: string, userId: string): Promise<void> {
    return accounts.setDisabled(this.#initialisedCore(), tenantId, userId, true);
  }

  enableUser(tenantId: string, userId: string): Promise<void> {
    return accounts.setDisabled(this.#initialisedCore(), tenantId, userId, false);
  }

  /** See {@link accounts.changePassword}. */
  changePassword(input: Parameters<typeof accounts.changePassword>[1]): Promise<void> {
    return accounts.changePassword(this.#initialisedCore(), input);
  }

  /** An admin sets a new password; clears lockouts and revokes every session. */
  resetPassword(input: Parameters<typeof accounts.resetPassword>[1]): Promise<void> {
    return accounts.resetPassword(this.#initialisedCore(), input);
  }

  /** An admin lifts a lockout. */
  unlockUser(tenantId: string, userId: string): Promise<void> {
    return accounts.unlockUser(this.#initialisedCore(), tenantId, userId);
  }

  /**
   * Logs a user in. The client's ip and user agent come from the request context.
   * @throws AuthError `AUTH_INVALID_CREDENTIALS` (unknown user or wrong password, one
   *   message), `AUTH_ACCOUNT_LOCKED`, `AUTH_ACCOUNT_DISABLED`, `AUTH_MFA_REQUIRED`,
   *   `AUTH_MFA_INVALID`, `AUTH_RATE_LIMITED`, `AUTH_INPUT_INVALID`.
   */
  login(input: LoginInput): Promise<TokenSet> {
    return login(this.#initialisedCore(), this.#throttle, input);
  }

  /** Rotates a refresh token; see {@link refresh}. */
  refresh(input: { readonly tenantId: string; readonly refreshToken: string }): Promise<TokenSet> {
    return refresh(this.#initialisedCore(), input);
  }

  /** Revokes a session (idempotent). */
  logout(input: { readonly tenantId: string; readonly sessionId: string }): Promise<void> {
    return logout(this.#initialisedCore(), input);
  }

  /** Verifies a Warden access token and that its session is live. */
  verifyAccessToken(token: unknown): Promise<AccessTokenClaims> {
    return verifyAccessToken(this.#initialisedCore(), token);
  }

  /** Verifies a token of a configured OIDC provider and maps it to a tenant and user. */
  verifyExternalToken(token: unknown): Promise<ExternalIdentity> {
    return this.#external.verify(token);
  }

  /** Starts TOTP enrolment. */
  enrolMfa(tenantId: string, userId: string): Promise<MfaEnrolment> {
    return mfa.enrolMfa(this.#initialisedCore(), tenantId, userId);
  }

  /** Confirms TOTP enrolment with a code; returns the recovery codes (shown once). */
  confirmMfa(
    tenantId: string,
    userId: string,
    code: string,
  ): Promise<{ readonly recoveryCodes: readonly string[] }> {
    return mfa.confirmMfa(this.#initialisedCore(), tenantId, userId, code);
  }

  /** Step-up verification of a TOTP code. */
  verifyMfa(tenantId: string, userId: string, code: string): Promise<void> {
    return mfa.verifyMfa(this.#initialisedCore(), tenantId, userId, code);
  }

  /** New recovery codes; the old ones stop working. */
  regenerateRecoveryCodes(tenantId: string, userId: string): Promise<readonly string[]> {
    return mfa.regenerateRecoveryCodes(this.#initialisedCore(), tenantId, userId);
  }

  /** The JWKS document (RFC 7517): current key first, then retired keys still valid. */
  jwks(): { readonly keys: readonly PublicJwk[] } {
    this.#initialisedCore();
    return this.#keys.jwks(this.#clock.now());
  }

  /**
   * Replaces the signing key. Tokens signed by the old key keep verifying until they expire.
   * Emits `auth.config_changed`.
   */
  async rotateSigningKey(): Promise<{ readonly previousKid: string; readonly kid: string }> {
    const core = this.#initialisedCore();
    const rotated = await this.#keys.rotate(this.#clock.now());
    await core.events.emit(undefined, 'auth.config_changed', {
      userId: actorId(),
      change: 'signing_key_rotated',
      previousKeyId: rotated.previousKid,
      keyId: rotated.kid,
      resource: 'auth.signing_key',
      resourceId: rotated.kid,
      outcome: 'success',
    });
    return rotated;
  }
}
