/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run on the untyped Kysely the storage contract hands them. */
import type { Kysely } from 'kysely';
import type { MigrationSet } from '../storage/index.js';

const ID = 'varchar(128)';
const NAME = 'varchar(256)';
const HASH = 'varchar(64)';

async function createUsers(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('auth_users')
    .addColumn('tenant_id', ID, (c) => c.notNull())
    .addColumn('id', ID, (c) => c.notNull())
    .addColumn('username', NAME, (c) => c.notNull())
    .addColumn('email', NAME)
    .addColumn('password_hash', 'varchar(512)', (c) => c.notNull())
    .addColumn('disabled', 'integer', (c) => c.notNull())
    .addColumn('failed_count', 'integer', (c) => c.notNull())
    .addColumn('failure_window_start', 'bigint')
    .addColumn('locked_until', 'bigint')
    .addColumn('lockout_count', 'integer', (c) => c.notNull())
    .addColumn('mfa_secret', 'varchar(128)')
    .addColumn('mfa_pending_secret', 'varchar(128)')
    .addColumn('mfa_last_step', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('password_changed_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('auth_users_pk', ['tenant_id', 'id'])
    .addUniqueConstraint('auth_users_username_unique', ['tenant_id', 'username'])
    .execute();
  // Unique where present: NULLs are distinct on both dialects.
  await db.schema
    .createIndex('auth_users_email_unique')
    .on('auth_users')
    .columns(['tenant_id', 'email'])
    .unique()
    .execute();
}

async function createSessions(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('auth_sessions')
    .addColumn('tenant_id', ID, (c) => c.notNull())
    .addColumn('id', ID, (c) => c.notNull())
    .addColumn('user_id', ID, (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .addColumn('revoke_reason', 'varchar(64)')
    .addPrimaryKeyConstraint('auth_sessions_pk', ['tenant_id', 'id'])
    .execute();
  await db.schema
    .createIndex('auth_sessions_by_user')
    .on('auth_sessions')
    .columns(['tenant_id', 'user_id'])
    .execute();
  await db.schema
    .createTable('auth_refresh_tokens')
    .addColumn('tenant_id', ID, (c) => c.notNull())
    .addColumn('token_hash', HASH, (c) => c.notNull())
    .addColumn('session_id', ID, (c) => c.notNull())
    .addColumn('user_id', ID, (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .addPrimaryKeyConstraint('auth_refresh_tokens_pk', ['tenant_id', 'token_hash'])
    .execute();
  await db.schema
    .createTable('auth_recovery_codes')
    .addColumn('tenant_id', ID, (c) => c.notNull())
    .addColumn('user_id', ID, (c) => c.notNull())
    .addColumn('code_hash', HASH, (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .addPrimaryKeyConstraint('auth_recovery_codes_pk', ['tenant_id', 'user_id', 'code_hash'])
    .execute();
}

/** The auth schema, applied with `database.migrate(authMigrations)`. */
export const authMigrations: MigrationSet = Object.freeze({
  module: 'auth',
  migrations: Object.freeze([
    {
      version: 1,
      name: 'create_auth_tables',
      up: async (db: Kysely<any>) => {
        await createUsers(db);
        await createSessions(db);
      },
    },
  ]),
});
