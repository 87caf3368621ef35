import { randomUUID } from 'node:crypto';
import { getRequestContext } from '../tenancy/index.js';
import type { AuthCore, TokenSet } from './auth-core.js';
import { emitIssued, issueTokens } from './auth-core.js';
import { authStore } from './auth-store.js';
import type { UserRecord } from './auth-store.js';
import { AuthError, invalidCredentials } from './errors.js';
import { normaliseLogin, readName, readSecret } from './input.js';
import { CLEARED_FAILURES, isLocked, registerFailure } from './lockout.js';
import type { IpThrottle } from './lockout.js';
import { checkSecondFactor } from './mfa.js';
import type { LoginFailureReason } from './security-events.js';

/** Input of {@link login}. */
export interface LoginInput {
  readonly tenantId: string;
  /** Username or email (case-insensitive). */
  readonly login: string;
  readonly password: string;
  /** The current TOTP code, when the user has MFA. */
  readonly totpCode?: string;
  /** A recovery code instead of a TOTP code. */
  readonly recoveryCode?: string;
}

async function failed(
  core: AuthCore,
  tenantId: string,
  username: string,
  reason: LoginFailureReason,
  user?: UserRecord,
  failures?: number,
): Promise<void> {
  await core.events.emit(tenantId, 'auth.login_failed', {
    ...(user === undefined ? {} : { userId: user.id }),
    username,
    reason,
    ...(failures === undefined ? {} : { failures }),
  });
}

/** Counts a failure on the account, locking it at the threshold. */
export async function countFailure(core: AuthCore, user: UserRecord): Promise<number> {
  const outcome = registerFailure(core.config, user, core.clock.now());
  await authStore.updateUser(core.db, user.tenantId, user.id, outcome.patch);
  if (outcome.lockedUntil !== undefined) {
    await core.events.emit(user.tenantId, 'auth.account_locked', {
      userId: user.id,
      targetUserId: user.id,
      failures: outcome.failures,
      lockoutCount: outcome.lockoutCount,
      lockedUntil: new Date(outcome.lockedUntil).toISOString(),
    });
  }
  return outcome.failures;
}

function lockedError(user: UserRecord): AuthError {
  return new AuthError('AUTH_ACCOUNT_LOCKED', 'the account is locked; try again later', {
    details: { lockedUntil: new Date(user.lockedUntil ?? 0).toISOString() },
  });
}

/**
 * Password login (then the second factor when enrolled). Unknown users cost one argon2
 * verification like a wrong password and get the same error. A locked account answers
 * `AUTH_ACCOUNT_LOCKED` without checking the password (no guessing during a lockout).
 */
export async function login(
  core: AuthCore,
  throttle: IpThrottle,
  input: LoginInput,
): Promise<TokenSet> {
  const tenantId = readName('tenantId', input.tenantId);
  const username = normaliseLogin('login', input.login);
  const password = readSecret('password', input.password);
  const ip = getRequestContext()?.ip;
  const waitMs = ip === undefined ? 0 : throttle.attempt(ip, core.clock.now());
  if (waitMs > 0) {
    await failed(core, tenantId, username, 'rate_limited');
    throw new AuthError('AUTH_RATE_LIMITED', 'too many login attempts; try again later', {
      details: { retryAfterMs: waitMs },
    });
  }
  const user = await authStore.userByLogin(core.db, tenantId, username);
  if (user === undefined) {
    await core.hasher.verifyDummy(password);
    await failed(core, tenantId, username, 'unknown_user');
    throw invalidCredentials();
  }
  if (isLocked(user, core.clock.now())) {
    await core.hasher.verifyDummy(password);
    await failed(core, tenantId, username, 'account_locked', user);
    throw lockedError(user);
  }
  if (!(await core.hasher.verify(user.passwordHash, password))) {
    const failures = await countFailure(core, user);
    await failed(core, tenantId, username, 'bad_password', user, failures);
    throw invalidCredentials();
  }
  if (user.disabled) {
    await failed(core, tenantId, username, 'account_disabled', user);
    throw new AuthError('AUTH_ACCOUNT_DISABLED', 'the account is disabled');
  }
  const amr = ['pwd'];
  if (user.mfaSecret !== null) {
    const outcome = await checkSecondFactor(core, user, input);
    if (outcome !== 'ok') {
      const failures = outcome === 'mfa_invalid' ? await countFailure(core, user) : undefined;
      await failed(core, tenantId, username, outcome, user, failures);
      throw outcome === 'mfa_required'
        ? new AuthError('AUTH_MFA_REQUIRED', 'a second factor is required')
        : new AuthError('AUTH_MFA_INVALID', 'the second factor is invalid');
    }
    amr.push('otp');
  }
  return startSession(core, user, password, amr);
}

async function startSession(
  core: AuthCore,
  user: UserRecord,
  password: string,
  amr: readonly string[],
): Promise<TokenSet> {
  const now = core.clock.now();
  const patch = { ...CLEARED_FAILURES };
  if (core.hasher.needsRehash(user.passwordHash))
    Object.assign(patch, { password_hash: await core.hasher.hash(password) });
  const sessionId = randomUUID();
  const expiresAt = now + core.config.sessionAbsoluteLifetimeMs;
  const issued = await core.transact(async (trx) => {
    await authStore.updateUser(trx, user.tenantId, user.id, patch);
    await authStore.insertSession(trx, {
      tenantId: user.tenantId,
      id: sessionId,
      userId: user.id,
      createdAt: now,
      lastSeenAt: now,
      expiresAt,
      revokedAt: undefined,
    });
    const session = { tenantId: user.tenantId, userId: user.id, sessionId, expiresAt };
    return issueTokens(core, trx, session, amr);
  });
  await core.events.emit(user.tenantId, 'auth.login_succeeded', {
    userId: user.id,
    username: user.username,
    sessionId,
    mfa: amr.includes('otp'),
  });
  await emitIssued(core, issued.claims);
  return issued.tokens;
}
