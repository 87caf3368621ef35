import { randomUUID } from 'node:crypto';
import type { AuthCore } from './auth-core.js';
import { actorId, revokeSessions } from './auth-core.js';
import { authStore } from './auth-store.js';
import type { UserRecord } from './auth-store.js';
import { AuthError, invalidCredentials } from './errors.js';
import { normaliseLogin, readEmail, readName, readSecret } from './input.js';
import { CLEARED_FAILURES } from './lockout.js';
import { countFailure } from './login.js';
import type { AccountChange } from './security-events.js';
import { assertPasswordPolicy } from './password-policy.js';

/** A user as the service shows it: no hashes, no secrets. */
export interface UserView {
  readonly tenantId: string;
  readonly userId: string;
  readonly username: string;
  readonly email: string | null;
  readonly disabled: boolean;
  readonly mfaEnrolled: boolean;
  /** Epoch ms; undefined when not locked. */
  readonly lockedUntil: number | undefined;
}

/** Input of `createUser`. */
export interface CreateUserInput {
  readonly tenantId: string;
  readonly username: string;
  readonly password: string;
  readonly email?: string;
  /** Default a random UUID. */
  readonly userId?: string;
}

export function viewOf(user: UserRecord, nowMs: number): UserView {
  return {
    tenantId: user.tenantId,
    userId: user.id,
    username: user.username,
    email: user.email,
    disabled: user.disabled,
    mfaEnrolled: user.mfaSecret !== null,
    lockedUntil:
      user.lockedUntil !== undefined && user.lockedUntil > nowMs ? user.lockedUntil : undefined,
  };
}

function accountChange(targetUserId: string): AccountChange {
  return {
    userId: actorId(),
    targetUserId,
    resource: 'auth.account',
    resourceId: targetUserId,
    outcome: 'success',
  };
}

function policyOf(core: AuthCore) {
  return {
    minLength: core.config.passwordMinLength,
    minLengthWithMfa: core.config.passwordMinLengthWithMfa,
    maxLength: core.config.passwordMaxLength,
  };
}

export async function requireUser(
  core: AuthCore,
  tenantId: unknown,
  userId: unknown,
): Promise<UserRecord> {
  const user = await authStore.userById(
    core.db,
    readName('tenantId', tenantId),
    readName('userId', userId),
  );
  if (user === undefined) throw new AuthError('AUTH_USER_NOT_FOUND', 'no such user');
  return user;
}

/** @throws AuthError `AUTH_PASSWORD_POLICY`, `AUTH_USER_EXISTS`, `AUTH_INPUT_INVALID`. */
export async function createUser(core: AuthCore, input: CreateUserInput): Promise<UserView> {
  const tenantId = readName('tenantId', input.tenantId);
  const username = normaliseLogin('username', input.username);
  const email = readEmail(input.email);
  const id = input.userId === undefined ? randomUUID() : readName('userId', input.userId);
  const password = readSecret('password', input.password);
  assertPasswordPolicy(policyOf(core), password, { username, mfa: false });
  const existing = await authStore.userByLogin(core.db, tenantId, username);
  const byEmail =
    email === null ? undefined : await authStore.userByLogin(core.db, tenantId, email);
  if (
    existing !== undefined ||
    byEmail !== undefined ||
    (await authStore.userById(core.db, tenantId, id))
  )
    throw new AuthError('AUTH_USER_EXISTS', 'a user with that id, username or email exists');
  const now = core.clock.now();
  await authStore.insertUser(core.db, {
    tenant_id: tenantId,
    id,
    username,
    email,
    password_hash: await core.hasher.hash(password),
    disabled: 0,
    failed_count: 0,
    failure_window_start: null,
    locked_until: null,
    lockout_count: 0,
    mfa_secret: null,
    mfa_pending_secret: null,
    mfa_last_step: null,
    created_at: now,
    password_changed_at: now,
  });
  await core.events.emit(tenantId, 'auth.account_created', accountChange(id));
  const created = await requireUser(core, tenantId, id);
  return viewOf(created, now);
}

/** Disables (true) or enables (false) a user; disabling revokes every session. */
export async function setDisabled(
  core: AuthCore,
  tenantId: string,
  userId: string,
  disabled: boolean,
): Promise<void> {
  const user = await requireUser(core, tenantId, userId);
  if (user.disabled === disabled) return;
  const now = core.clock.now();
  await authStore.updateUser(core.db, user.tenantId, user.id, { disabled: disabled ? 1 : 0 });
  await core.events.emit(
    user.tenantId,
    disabled ? 'auth.account_disabled' : 'auth.account_enabled',
    accountChange(user.id),
  );
  if (!disabled) return;
  const ids = await authStore.revokeUserSessions(core.db, user.tenantId, user.id, now, 'disabled');
  await revokeSessions(core, user.tenantId, user.id, ids, 'account_disabled');
}

/**
 * The user changes their own password (the current one is checked; a wrong one counts
 * towards lockout). Every session of the user is revoked.
 * @throws AuthError `AUTH_INVALID_CREDENTIALS`, `AUTH_PASSWORD_POLICY`, `AUTH_ACCOUNT_LOCKED`.
 */
export async function changePassword(
  core: AuthCore,
  input: {
    readonly tenantId: string;
    readonly userId: string;
    readonly currentPassword: string;
    readonly newPassword: string;
  },
): Promise<void> {
  const user = await requireUser(core, input.tenantId, input.userId);
  const current = readSecret('currentPassword', input.currentPassword);
  const next = readSecret('newPassword', input.newPassword);
  const failed = async (reason: string) =>
    core.events.emit(user.tenantId, 'auth.password_change_failed', {
      userId: user.id,
      targetUserId: user.id,
      reason,
    });
  if (user.lockedUntil !== undefined && user.lockedUntil > core.clock.now()) {
    await failed('account_locked');
    throw new AuthError('AUTH_ACCOUNT_LOCKED', 'the account is locked; try again later');
  }
  if (!(await core.hasher.verify(user.passwordHash, current))) {
    await countFailure(core, user);
    await failed('bad_password');
    throw invalidCredentials();
  }
  try {
    assertPasswordPolicy(policyOf(core), next, {
      username: user.username,
      mfa: user.mfaSecret !== null,
    });
  } catch (error) {
    await failed('policy');
    throw error;
  }
  await storePassword(core, user, next);
  await core.events.emit(user.tenantId, 'auth.password_changed', {
    userId: user.id,
    targetUserId: user.id,
  });
  await revokeAll(core, user, 'password_changed');
}

/**
 * An administrator sets a user's password: the policy applies, lockouts are cleared and
 * every session of the user is revoked. @throws AuthError `AUTH_PASSWORD_POLICY`.
 */
export async function resetPassword(
  core: AuthCore,
  input: { readonly tenantId: string; readonly userId: string; readonly newPassword: string },
): Promise<void> {
  const user = await requireUser(core, input.tenantId, input.userId);
  const next = readSecret('newPassword', input.newPassword);
  assertPasswordPolicy(policyOf(core), next, {
    username: user.username,
    mfa: user.mfaSecret !== null,
  });
  await storePassword(core, user, next);
  await core.events.emit(user.tenantId, 'auth.password_reset', {
    userId: actorId(),
    targetUserId: user.id,
  });
  await revokeAll(core, user, 'password_reset');
}

async function storePassword(core: AuthCore, user: UserRecord, password: string): Promise<void> {
  await authStore.updateUser(core.db, user.tenantId, user.id, {
    ...CLEARED_FAILURES,
    password_hash: await core.hasher.hash(password),
    password_changed_at: core.clock.now(),
  });
}

async function revokeAll(core: AuthCore, user: UserRecord, reason: string): Promise<void> {
  const now = core.clock.now();
  const ids = await authStore.revokeUserSessions(core.db, user.tenantId, user.id, now, reason);
  await revokeSessions(core, user.tenantId, user.id, ids, reason);
}

/** An administrator lifts a lockout and clears the failure count. */
export async function unlockUser(core: AuthCore, tenantId: string, userId: string): Promise<void> {
  const user = await requireUser(core, tenantId, userId);
  await authStore.updateUser(core.db, user.tenantId, user.id, CLEARED_FAILURES);
  await core.events.emit(user.tenantId, 'auth.account_unlocked', {
    userId: actorId(),
    targetUserId: user.id,
  });
}
