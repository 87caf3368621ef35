import type { Kysely, Updateable } from 'kysely';
import { readEpochMs, readOptionalEpochMs } from '../storage/index.js';
import type { AuthTables, AuthUsersTable } from './auth-tables.js';

type Db = Kysely<AuthTables>;

/** A user row as the service reads it. */
export interface UserRecord {
  readonly tenantId: string;
  readonly id: string;
  readonly username: string;
  readonly email: string | null;
  readonly passwordHash: string;
  readonly disabled: boolean;
  readonly failedCount: number;
  readonly failureWindowStart: number | undefined;
  readonly lockedUntil: number | undefined;
  readonly lockoutCount: number;
  readonly mfaSecret: string | null;
  readonly mfaPendingSecret: string | null;
  readonly mfaLastStep: number | undefined;
  readonly createdAt: number;
}

/** A session row. */
export interface SessionRecord {
  readonly tenantId: string;
  readonly id: string;
  readonly userId: string;
  readonly createdAt: number;
  readonly lastSeenAt: number;
  readonly expiresAt: number;
  readonly revokedAt: number | undefined;
}

function userOf(row: AuthUsersTable): UserRecord {
  return {
    tenantId: row.tenant_id,
    id: row.id,
    username: row.username,
    email: row.email,
    passwordHash: row.password_hash,
    disabled: row.disabled === 1,
    failedCount: row.failed_count,
    failureWindowStart: readOptionalEpochMs(row.failure_window_start),
    lockedUntil: readOptionalEpochMs(row.locked_until),
    lockoutCount: row.lockout_count,
    mfaSecret: row.mfa_secret,
    mfaPendingSecret: row.mfa_pending_secret,
    mfaLastStep: readOptionalEpochMs(row.mfa_last_step),
    createdAt: readEpochMs(row.created_at),
  };
}

function affected(result: { numUpdatedRows: bigint } | undefined): number {
  return Number(result?.numUpdatedRows ?? 0n);
}

/**
 * Reads and writes the auth tables. Stateless: each call takes the connection or
 * transaction to run on. Every statement filters on `tenant_id` first.
 */
export const authStore = {
  async insertUser(db: Db, row: AuthUsersTable): Promise<void> {
    await db.insertInto('auth_users').values(row).execute();
  },

  async userById(db: Db, tenantId: string, id: string): Promise<UserRecord | undefined> {
    const row = await db
      .selectFrom('auth_users')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row === undefined ? undefined : userOf(row);
  },

  /** By lower-cased username, else by lower-cased email. */
  async userByLogin(db: Db, tenantId: string, login: string): Promise<UserRecord | undefined> {
    const rows = await db
      .selectFrom('auth_users')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where((eb) => eb.or([eb('username', '=', login), eb('email', '=', login)]))
      .execute();
    const row = rows.find((r) => r.username === login) ?? rows[0];
    return row === undefined ? undefined : userOf(row);
  },

  async updateUser(
    db: Db,
    tenantId: string,
    id: string,
    patch: Updateable<AuthUsersTable>,
  ): Promise<number> {
    const result = await db
      .updateTable('auth_users')
      .set(patch)
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    return affected(result);
  },

  async insertSession(db: Db, session: SessionRecord): Promise<void> {
    await db
      .insertInto('auth_sessions')
      .values({
        tenant_id: session.tenantId,
        id: session.id,
        user_id: session.userId,
        created_at: session.createdAt,
        last_seen_at: session.lastSeenAt,
        expires_at: session.expiresAt,
        revoked_at: null,
        revoke_reason: null,
      })
      .execute();
  },

  async session(db: Db, tenantId: string, id: string): Promise<SessionRecord | undefined> {
    const row = await db
      .selectFrom('auth_sessions')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (row === undefined) return undefined;
    return {
      tenantId: row.tenant_id,
      id: row.id,
      userId: row.user_id,
      createdAt: readEpochMs(row.created_at),
      lastSeenAt: readEpochMs(row.last_seen_at),
      expiresAt: readEpochMs(row.expires_at),
      revokedAt: readOptionalEpochMs(row.revoked_at),
    };
  },

  async touchSession(db: Db, tenantId: string, id: string, at: number): Promise<void> {
    await db
      .updateTable('auth_sessions')
      .set({ last_seen_at: at })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .execute();
  },

  /** Revokes a live session; returns false when it was already revoked. */
  async revokeSession(
    db: Db,
    tenantId: string,
    id: string,
    at: number,
    reason: string,
  ): Promise<boolean> {
    const result = await db
      .updateTable('auth_sessions')
      .set({ revoked_at: at, revoke_reason: reason })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return affected(result) === 1;
  },

  /** Revokes every live session of a user; returns their ids. */
  async revokeUserSessions(
    db: Db,
    tenantId: string,
    userId: string,
    at: number,
    reason: string,
  ): Promise<string[]> {
    const live = await db
      .selectFrom('auth_sessions')
      .select('id')
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .execute();
    if (live.length === 0) return [];
    await db
      .updateTable('auth_sessions')
      .set({ revoked_at: at, revoke_reason: reason })
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .execute();
    return live.map((row) => row.id);
  },

  async insertRefreshToken(
    db: Db,
    row: { tenantId: string; hash: string; sessionId: string; userId: string; at: number },
  ): Promise<void> {
    await db
      .insertInto('auth_refresh_tokens')
      .values({
        tenant_id: row.tenantId,
        token_hash: row.hash,
        session_id: row.sessionId,
        user_id: row.userId,
        created_at: row.at,
        used_at: null,
      })
      .execute();
  },

  async refreshToken(
    db: Db,
    tenantId: string,
    hash: string,
  ): Promise<{ sessionId: string; userId: string; used: boolean } | undefined> {
    const row = await db
      .selectFrom('auth_refresh_tokens')
      .select(['session_id', 'user_id', 'used_at'])
      .where('tenant_id', '=', tenantId)
      .where('token_hash', '=', hash)
      .executeTakeFirst();
    if (row === undefined) return undefined;
    return { sessionId: row.session_id, userId: row.user_id, used: row.used_at !== null };
  },

  /** Marks a refresh token used; false when it already was (a concurrent exchange). */
  async useRefreshToken(db: Db, tenantId: string, hash: string, at: number): Promise<boolean> {
    const result = await db
      .updateTable('auth_refresh_tokens')
      .set({ used_at: at })
      .where('tenant_id', '=', tenantId)
      .where('token_hash', '=', hash)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return affected(result) === 1;
  },

  async replaceRecoveryCodes(
    db: Db,
    tenantId: string,
    userId: string,
    hashes: readonly string[],
  ): Promise<void> {
    await db
      .deleteFrom('auth_recovery_codes')
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .execute();
    await db
      .insertInto('auth_recovery_codes')
      .values(
        hashes.map((code_hash) => ({
          tenant_id: tenantId,
          user_id: userId,
          code_hash,
          used_at: null,
        })),
      )
      .execute();
  },

  /** Spends a recovery code; false when it is unknown or spent. */
  async useRecoveryCode(
    db: Db,
    tenantId: string,
    userId: string,
    hash: string,
    at: number,
  ): Promise<boolean> {
    const result = await db
      .updateTable('auth_recovery_codes')
      .set({ used_at: at })
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .where('code_hash', '=', hash)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return affected(result) === 1;
  },

  async remainingRecoveryCodes(db: Db, tenantId: string, userId: string): Promise<number> {
    const row = await db
      .selectFrom('auth_recovery_codes')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  },
};
