/** Row types of the auth tables (portable columns: docs/storage.md). */
export interface AuthUsersTable {
  tenant_id: string;
  id: string;
  /** Lower-cased; unique per tenant. */
  username: string;
  /** Lower-cased; unique per tenant when present. */
  email: string | null;
  password_hash: string;
  disabled: number;
  failed_count: number;
  failure_window_start: number | null;
  locked_until: number | null;
  lockout_count: number;
  /** Base32 TOTP secret once enrolment is confirmed. */
  mfa_secret: string | null;
  /** Base32 TOTP secret between enrolment and confirmation. */
  mfa_pending_secret: string | null;
  /** The last TOTP time step accepted (a code is never accepted twice). */
  mfa_last_step: number | null;
  created_at: number;
  password_changed_at: number;
}

export interface AuthSessionsTable {
  tenant_id: string;
  id: string;
  user_id: string;
  created_at: number;
  last_seen_at: number;
  /** Absolute end of the session. */
  expires_at: number;
  revoked_at: number | null;
  revoke_reason: string | null;
}

export interface AuthRefreshTokensTable {
  tenant_id: string;
  /** SHA-256 hex of the refresh token; the token itself is never stored. */
  token_hash: string;
  session_id: string;
  user_id: string;
  created_at: number;
  /** Set when the token was exchanged; a second use is reuse. */
  used_at: number | null;
}

export interface AuthRecoveryCodesTable {
  tenant_id: string;
  user_id: string;
  /** SHA-256 hex of the code. */
  code_hash: string;
  used_at: number | null;
}

export interface AuthTables {
  auth_users: AuthUsersTable;
  auth_sessions: AuthSessionsTable;
  auth_refresh_tokens: AuthRefreshTokensTable;
  auth_recovery_codes: AuthRecoveryCodesTable;
}
