import { randomBytes } from 'node:crypto';
import type { AuthCore } from './auth-core.js';
import { actorId } from './auth-core.js';
import { authStore } from './auth-store.js';
import type { UserRecord } from './auth-store.js';
import { AuthError } from './errors.js';
import { readName, readSecret } from './input.js';
import { sha256Hex } from './secrets.js';
import { base32Encode, generateTotpSecret, matchTotp, otpauthUri } from './totp.js';

/** What enrolment returns: show the URI as a QR code; the secret is never shown again. */
export interface MfaEnrolment {
  readonly secret: string;
  readonly otpauthUri: string;
}

function mfaInvalid(): AuthError {
  return new AuthError('AUTH_MFA_INVALID', 'the second factor is invalid');
}

async function requireUser(core: AuthCore, tenantId: string, userId: string): Promise<UserRecord> {
  const user = await authStore.userById(core.db, tenantId, userId);
  if (user === undefined) throw new AuthError('AUTH_USER_NOT_FOUND', 'no such user');
  return user;
}

/** A recovery code: 16 base32 characters (80 bits) in groups of four. */
function newRecoveryCode(): string {
  return (base32Encode(randomBytes(10)).match(/.{4}/g) ?? []).join('-');
}

function normaliseRecoveryCode(code: string): string {
  return code.replace(/[\s-]/g, '').toUpperCase();
}

/**
 * Checks a TOTP code against the user's secret: within the configured window, and newer
 * than the last accepted step (a code is accepted once). Records the step when it matches.
 */
async function acceptTotp(core: AuthCore, user: UserRecord, secret: string, code: string) {
  if (!/^\d{6}$/.test(code)) return 'invalid_code' as const;
  const step = matchTotp(secret, code, core.clock.now(), core.config.totpWindow);
  if (step === undefined) return 'invalid_code' as const;
  if (user.mfaLastStep !== undefined && step <= user.mfaLastStep) return 'replayed_code' as const;
  await authStore.updateUser(core.db, user.tenantId, user.id, { mfa_last_step: step });
  return 'ok' as const;
}

async function mfaFailed(
  core: AuthCore,
  user: UserRecord,
  reason: 'invalid_code' | 'replayed_code' | 'invalid_recovery_code',
): Promise<void> {
  await core.events.emit(user.tenantId, 'auth.mfa_failed', {
    userId: user.id,
    reason,
    resource: 'auth.account',
    resourceId: user.id,
  });
}

/** The second factor of a login: a TOTP code or a recovery code. */
export async function checkSecondFactor(
  core: AuthCore,
  user: UserRecord,
  input: { readonly totpCode?: string; readonly recoveryCode?: string },
): Promise<'ok' | 'mfa_required' | 'mfa_invalid'> {
  const secret = user.mfaSecret;
  if (secret === null) return 'ok';
  if (input.totpCode !== undefined) {
    const outcome = await acceptTotp(
      core,
      user,
      secret,
      readSecret('totpCode', input.totpCode, 16),
    );
    if (outcome === 'ok') return 'ok';
    await mfaFailed(core, user, outcome);
    return 'mfa_invalid';
  }
  if (input.recoveryCode !== undefined) {
    const code = normaliseRecoveryCode(readSecret('recoveryCode', input.recoveryCode, 64));
    const hash = sha256Hex(code);
    if (await authStore.useRecoveryCode(core.db, user.tenantId, user.id, hash, core.clock.now())) {
      const remaining = await authStore.remainingRecoveryCodes(core.db, user.tenantId, user.id);
      await core.events.emit(user.tenantId, 'auth.mfa_recovery_code_used', {
        userId: user.id,
        remaining,
        resource: 'auth.account',
        resourceId: user.id,
        outcome: 'success',
      });
      return 'ok';
    }
    await mfaFailed(core, user, 'invalid_recovery_code');
    return 'mfa_invalid';
  }
  return 'mfa_required';
}

/** Starts TOTP enrolment: a new secret, pending until {@link confirmMfa}. */
export async function enrolMfa(
  core: AuthCore,
  tenantId: string,
  userId: string,
): Promise<MfaEnrolment> {
  const user = await requireUser(core, readName('tenantId', tenantId), readName('userId', userId));
  const secret = generateTotpSecret();
  await authStore.updateUser(core.db, user.tenantId, user.id, { mfa_pending_secret: secret });
  return { secret, otpauthUri: otpauthUri(core.config.totpIssuer, user.username, secret) };
}

/**
 * Confirms enrolment with a code from the app; from then on login needs the second factor.
 * @returns the recovery codes, shown once (stored as SHA-256 hashes).
 * @throws AuthError `AUTH_MFA_INVALID`, `AUTH_MFA_NOT_ENROLLED` (no pending enrolment).
 */
export async function confirmMfa(
  core: AuthCore,
  tenantId: string,
  userId: string,
  code: string,
): Promise<{ readonly recoveryCodes: readonly string[] }> {
  const user = await requireUser(core, readName('tenantId', tenantId), readName('userId', userId));
  const pending = user.mfaPendingSecret;
  if (pending === null)
    throw new AuthError('AUTH_MFA_NOT_ENROLLED', 'no MFA enrolment is pending for the user');
  const outcome = await acceptTotp(core, user, pending, readSecret('code', code, 16));
  if (outcome !== 'ok') {
    await mfaFailed(core, user, outcome);
    throw mfaInvalid();
  }
  const recoveryCodes = await core.transact(async (trx) => {
    await authStore.updateUser(trx, user.tenantId, user.id, {
      mfa_secret: pending,
      mfa_pending_secret: null,
    });
    return storeRecoveryCodes(core, trx, user);
  });
  await core.events.emit(user.tenantId, 'auth.mfa_enrolled', {
    userId: actorId() === 'system' ? user.id : actorId(),
    resource: 'auth.account',
    resourceId: user.id,
    outcome: 'success',
  });
  return { recoveryCodes };
}

async function storeRecoveryCodes(
  core: AuthCore,
  db: AuthCore['db'],
  user: UserRecord,
): Promise<string[]> {
  const codes = Array.from({ length: core.config.recoveryCodeCount }, newRecoveryCode);
  const hashes = codes.map((code) => sha256Hex(normaliseRecoveryCode(code)));
  await authStore.replaceRecoveryCodes(db, user.tenantId, user.id, hashes);
  return codes;
}

/** Replaces a user's recovery codes (the old ones stop working). */
export async function regenerateRecoveryCodes(
  core: AuthCore,
  tenantId: string,
  userId: string,
): Promise<readonly string[]> {
  const user = await requireUser(core, readName('tenantId', tenantId), readName('userId', userId));
  if (user.mfaSecret === null)
    throw new AuthError('AUTH_MFA_NOT_ENROLLED', 'the user has no MFA enrolled');
  return core.transact((trx) => storeRecoveryCodes(core, trx, user));
}

/**
 * Step-up check of a TOTP code for an enrolled user (sensitive operations).
 * @throws AuthError `AUTH_MFA_INVALID`, `AUTH_MFA_NOT_ENROLLED`.
 */
export async function verifyMfa(
  core: AuthCore,
  tenantId: string,
  userId: string,
  code: string,
): Promise<void> {
  const user = await requireUser(core, readName('tenantId', tenantId), readName('userId', userId));
  if (user.mfaSecret === null)
    throw new AuthError('AUTH_MFA_NOT_ENROLLED', 'the user has no MFA enrolled');
  const outcome = await acceptTotp(core, user, user.mfaSecret, readSecret('code', code, 16));
  if (outcome === 'ok') return;
  await mfaFailed(core, user, outcome);
  throw mfaInvalid();
}
