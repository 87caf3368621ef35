import type { ErrorCategory } from './errors.js';

/** One stable error code Warden can raise. */
export interface ErrorCatalogueEntry {
  /** The stable `AREA_THING_PROBLEM` code, as on `WardenError#code`. */
  readonly code: string;
  /** The category the code is always raised with (it decides the HTTP status). */
  readonly category: ErrorCategory;
  /** What went wrong, for people reading `docs/errors.md`. */
  readonly description: string;
}

function entry(code: string, category: ErrorCategory, description: string): ErrorCatalogueEntry {
  return Object.freeze({ code, category, description });
}

/**
 * Every error code Warden ships, with its category; `docs/errors.md` documents each one
 * and a test keeps the two in step. Codes are written out rather than imported: `shared`
 * imports no subsystem, and a code renamed in a subsystem's `errors.ts` must fail that
 * test, because a shipped code is never renamed or reused.
 */
export const ERROR_CATALOGUE: readonly ErrorCatalogueEntry[] = Object.freeze([
  entry(
    'EVENT_INVALID',
    'invalid_argument',
    'An event does not match the canonical schema or is not JSON-serialisable; `issues` lists every failing field.',
  ),
  entry(
    'EVENT_TOO_LARGE',
    'invalid_argument',
    "An event's UTF-8 JSON encoding is larger than the bus's `maxEventSizeBytes` (default 256 KiB).",
  ),
  entry(
    'EVENT_CLOUDEVENT_INVALID',
    'invalid_argument',
    'A CloudEvent given to `fromCloudEvent` is malformed: spec version, required attributes, content type or `wardenmetadata`.',
  ),
  entry(
    'BUS_BUFFER_FULL',
    'resource_exhausted',
    "A channel's buffer stayed full for the event's priority past the emit timeout; the event was not accepted.",
  ),
  entry(
    'BUS_CLOSED',
    'unavailable',
    'The event bus is closed or closing and accepts no more events or subscriptions.',
  ),
  entry(
    'BUS_CONFIG_INVALID',
    'invalid_argument',
    'The event bus configuration is invalid; `issues` lists every bad path.',
  ),
  entry(
    'BUS_CHANNEL_INVALID',
    'invalid_argument',
    'A channel name is not 1 to 64 letters, digits, "-" or "_" starting with a letter or digit.',
  ),
  entry(
    'BUS_CONSUMER_TAKEN',
    'conflict',
    'A named consumer of a channel is already subscribed in this process.',
  ),
  entry(
    'BUS_OPTIONS_INVALID',
    'invalid_argument',
    'Emit or subscribe options are invalid; `issues` lists every bad option.',
  ),
  entry(
    'LOG_SCHEMA_UNSUPPORTED',
    'failed_precondition',
    'The event log file was written by a newer Warden (higher schema version); it is left untouched.',
  ),
  entry(
    'LOG_FILE_CORRUPT',
    'internal',
    'The event log file is not a Warden database, failed its integrity check, or holds an unreadable event.',
  ),
  entry(
    'LOG_DISK_FULL',
    'resource_exhausted',
    'The disk holding the event log is full; the failed batch was not stored.',
  ),
  entry(
    'LOG_NOT_WRITABLE',
    'failed_precondition',
    'The event log file or its directory cannot be created or written (permissions, read-only file system, a file in the way).',
  ),
  entry(
    'LOG_FILE_LOCKED',
    'unavailable',
    'Another process has the event log file open; one process owns a SQLite log.',
  ),
  entry(
    'LOG_IO_FAILED',
    'unavailable',
    'The event log storage failed for another reason; `cause` (in logs) has the driver error.',
  ),
  entry('LOG_CLOSED', 'unavailable', 'The event log is closed or not open yet.'),
  entry(
    'LOG_UNREACHABLE',
    'unavailable',
    'The event log server (NATS) cannot be reached, or JetStream is not enabled on it; the message names the servers tried.',
  ),
  entry(
    'LOG_PUBLISH_TIMEOUT',
    'deadline_exceeded',
    'The event log server did not confirm an append in time; the event may or may not be stored (retry with an idempotency key).',
  ),
  entry(
    'RBAC_ROLE_CYCLE',
    'conflict',
    'A role change would make role inheritance cyclic; `details.cycle` lists the role ids around the cycle. Nothing was applied.',
  ),
  entry(
    'RBAC_ENTITY_CYCLE',
    'conflict',
    'An entity change would make an entity its own ancestor; `details.cycle` lists the entity ids. Nothing was applied.',
  ),
  entry(
    'RBAC_ENTITY_HAS_CHILDREN',
    'conflict',
    'An entity that still has child entities cannot be deleted; delete or move the children first.',
  ),
  entry(
    'RBAC_PERMISSION_INVALID',
    'invalid_argument',
    'A permission is not `resource:action` with each side `*` or 1 to 128 characters without whitespace, `:` or `*`.',
  ),
  entry(
    'RBAC_NAME_INVALID',
    'invalid_argument',
    'An id or name (tenant, user, role, entity) is empty, longer than 128 characters or holds control characters; `details.field` names it.',
  ),
  entry(
    'RBAC_EXPIRY_INVALID',
    'invalid_argument',
    'An assignment expiry is not null or a finite epoch-milliseconds number.',
  ),
  entry(
    'RBAC_ROLE_NOT_FOUND',
    'not_found',
    'A role id (assigned, inherited or changed) does not exist in the tenant.',
  ),
  entry('RBAC_USER_NOT_FOUND', 'not_found', 'A user id does not exist in the tenant.'),
  entry(
    'RBAC_ENTITY_NOT_FOUND',
    'not_found',
    'An entity id (assignment scope or parent) does not exist in the tenant.',
  ),
  entry('RBAC_TENANT_NOT_FOUND', 'not_found', 'The tenant does not exist.'),
  entry(
    'RBAC_ESCALATION_DENIED',
    'permission_denied',
    'An administrator tried to grant a permission, or assign a role carrying permissions, that they do not hold themselves; `details.missing` lists them.',
  ),
  entry(
    'RBAC_STALE_REVISION',
    'deadline_exceeded',
    'The policy did not reach the required revision before the freshness wait timed out.',
  ),
  entry(
    'RBAC_NO_TENANT_CONTEXT',
    'failed_precondition',
    'An RBAC call needs a tenant and none was given or found in the request context.',
  ),
  entry(
    'RBAC_PERMISSION_DENIED',
    'permission_denied',
    'The caller does not hold the permission the operation requires.',
  ),
  entry(
    'TENANCY_NO_CONTEXT',
    'failed_precondition',
    'A tenant-scoped operation ran outside a request context (`runWithContext`), so there is no tenant to act for.',
  ),
  entry(
    'TENANCY_CONTEXT_INVALID',
    'invalid_argument',
    'A request context is malformed: `tenantId` missing, or a field empty, not a string or over 256 characters; `issues` lists each.',
  ),
  entry(
    'TENANCY_CROSS_TENANT_DENIED',
    'permission_denied',
    'A cross-tenant event was refused: the caller does not hold `CrossTenantOperations:emit` in the source tenant.',
  ),
  entry(
    'TENANCY_SOURCE_MISMATCH',
    'permission_denied',
    "A cross-tenant event names a source tenant other than the caller's current tenant.",
  ),
  entry(
    'STORAGE_CONFIG_INVALID',
    'invalid_argument',
    'The storage configuration is invalid (unknown driver, empty file, a connection string that is not a postgres:// URL, a pool size or timeout that is not a positive integer, a bad schema name); `details.issues` lists every bad path.',
  ),
  entry(
    'STORAGE_UNREACHABLE',
    'unavailable',
    'The PostgreSQL server cannot be reached (refused, timed out, shut down, too many connections) or the database does not exist; the message names host, port and database, never the password.',
  ),
  entry(
    'STORAGE_AUTH_FAILED',
    'unavailable',
    "PostgreSQL refused the user or password. `unavailable` (503), not `unauthenticated`: it is the server's own credentials that are wrong. The password appears in no message or detail.",
  ),
  entry(
    'STORAGE_SCHEMA_TOO_NEW',
    'failed_precondition',
    'The database holds a newer schema version of a module than this Warden knows; nothing was changed. Upgrade Warden or use another database.',
  ),
  entry(
    'STORAGE_MIGRATION_INVALID',
    'invalid_argument',
    "A module's migration set is malformed: versions not 1, 2, 3 … in order, a step without a name or `up` function, or a bad module name.",
  ),
  entry(
    'STORAGE_MIGRATION_FAILED',
    'internal',
    'A migration step threw; it and the other pending steps of the module were rolled back. `details` name the module, version and step; the cause is logged.',
  ),
  entry(
    'STORAGE_CONFLICT',
    'conflict',
    'A unique or primary key already holds the value (PostgreSQL 23505, SQLite `SQLITE_CONSTRAINT_UNIQUE`/`PRIMARYKEY`).',
  ),
  entry(
    'STORAGE_REFERENCE_MISSING',
    'failed_precondition',
    'A foreign key check failed: the referenced row is missing, or a row is still referenced (PostgreSQL 23503, SQLite `SQLITE_CONSTRAINT_FOREIGNKEY`).',
  ),
  entry(
    'STORAGE_CORRUPT',
    'internal',
    'The SQLite file is not a database or is damaged, PostgreSQL reports data corruption, or a stored value cannot be read back (timestamp, boolean, JSON).',
  ),
  entry(
    'STORAGE_READ_ONLY',
    'failed_precondition',
    'The SQLite file or its directory cannot be created or written (permissions, read-only file system, a file in the way), or the PostgreSQL server is read-only.',
  ),
  entry(
    'STORAGE_BUSY',
    'unavailable',
    'The database stayed locked past the busy timeout (SQLite), or the transaction hit a deadlock, lock timeout or serialisation failure (PostgreSQL); retry it.',
  ),
  entry(
    'STORAGE_DISK_FULL',
    'resource_exhausted',
    'The disk holding the database is full; the failed write was not stored.',
  ),
  entry(
    'STORAGE_CLOSED',
    'unavailable',
    'The database was closed; no more migrations or transactions run on it.',
  ),
  entry(
    'STORAGE_QUERY_FAILED',
    'internal',
    'A query failed for another reason (a bug: bad SQL, a missing table, a check constraint); the driver error is the logged cause.',
  ),
  entry(
    'RBAC_CONFIG_INVALID',
    'invalid_argument',
    'The RBAC service configuration is invalid; `issues` lists every bad path.',
  ),
  entry('RBAC_TENANT_EXISTS', 'conflict', 'A tenant with this id already exists.'),
  entry(
    'RBAC_ROLE_EXISTS',
    'conflict',
    'A role with this id or name already exists in the tenant.',
  ),
  entry('RBAC_USER_EXISTS', 'conflict', 'The user is already registered in the tenant.'),
  entry(
    'AUDIT_KEY_INVALID',
    'invalid_argument',
    'The audit signing key file is not a PEM Ed25519 private key, or a key given to sign or verify is not an Ed25519 key of the right kind (private to sign, public to verify).',
  ),
  entry(
    'AUDIT_KEY_UNAVAILABLE',
    'failed_precondition',
    'The audit signing key file cannot be read, or cannot be created in the data directory (permissions, read-only file system); `details.errno` has the system error code.',
  ),
  entry(
    'AUDIT_CHECKPOINT_INVALID',
    'invalid_argument',
    'An audit checkpoint is malformed (`details.issues` lists each bad field) or, in a failed verification outcome, names another key or carries a signature that does not verify.',
  ),
  entry(
    'AUDIT_PROOF_INVALID',
    'invalid_argument',
    'A Merkle proof was asked for with impossible sizes (a leaf index not below the tree size, an old size above the new one, a size past the stored tree) or tree state of the wrong shape was given.',
  ),
  entry(
    'AUDIT_QUERY_INVALID',
    'invalid_argument',
    'An audit query, aggregation, trace or proof request is invalid: bad time window (over the maximum, default 31 days), page size over the limit (500), malformed filters, or a record or checkpoint that does not exist; the message lists each problem.',
  ),
  entry(
    'AUDIT_CURSOR_INVALID',
    'invalid_argument',
    'A page cursor given to an audit query is not one the store issued.',
  ),
  entry(
    'AUDIT_CONFIG_INVALID',
    'invalid_argument',
    'The audit store or service configuration is invalid (checkpoint policy, retention days, query bounds); the message lists each problem.',
  ),
  entry(
    'AUDIT_RECORD_INVALID',
    'invalid_argument',
    'An event on the `audit` channel does not carry a well-formed audit record; it is dead-lettered, never stored half-read.',
  ),
  entry(
    'AUDIT_NOT_PLATFORM_OPERATOR',
    'permission_denied',
    'A cross-tenant audit read was asked for by a caller who is not a platform operator.',
  ),
  entry(
    'AUTH_INVALID_CREDENTIALS',
    'unauthenticated',
    'A login or password change gave an unknown user or a wrong password; one message for both, so neither the message nor the timing tells which.',
  ),
  entry(
    'AUTH_ACCOUNT_LOCKED',
    'unauthenticated',
    'The account is locked after repeated failed logins; `details.lockedUntil` says until when. The password is not checked while locked.',
  ),
  entry(
    'AUTH_ACCOUNT_DISABLED',
    'unauthenticated',
    'The account is disabled by an administrator (given only after a correct password).',
  ),
  entry(
    'AUTH_TOKEN_EXPIRED',
    'unauthenticated',
    'An access token is past its expiry (plus the allowed clock skew), or a session reached its idle timeout or absolute lifetime (`details.reason`).',
  ),
  entry(
    'AUTH_TOKEN_INVALID',
    'unauthenticated',
    'A token is malformed, oversize, signed with another key or algorithm, for another issuer or audience, or unknown; `details.reason` says which check failed.',
  ),
  entry(
    'AUTH_TOKEN_REVOKED',
    'unauthenticated',
    'The session of a token was revoked (logout, refresh reuse, password change, disabled account).',
  ),
  entry(
    'AUTH_REFRESH_REUSED',
    'unauthenticated',
    'A refresh token was presented after it had been exchanged; its whole session is revoked.',
  ),
  entry(
    'AUTH_MFA_REQUIRED',
    'unauthenticated',
    'The password was right and the user has MFA enrolled: repeat the login with a TOTP or recovery code.',
  ),
  entry(
    'AUTH_MFA_INVALID',
    'unauthenticated',
    'A TOTP code is wrong, outside the time window or already used, or a recovery code is unknown or spent; counts towards lockout at login.',
  ),
  entry(
    'AUTH_MFA_NOT_ENROLLED',
    'failed_precondition',
    'An MFA operation needs an enrolment the user does not have (confirming without a pending enrolment, verifying or regenerating codes without MFA).',
  ),
  entry(
    'AUTH_PASSWORD_POLICY',
    'invalid_argument',
    'A new password breaks the policy; `details.rules` lists each broken rule (`too_short`, `too_long`, `common`, `contains_username`) with the limits.',
  ),
  entry(
    'AUTH_RATE_LIMITED',
    'resource_exhausted',
    'Too many login attempts from the client IP; `details.retryAfterMs` says when to retry.',
  ),
  entry(
    'AUTH_CONFIG_INVALID',
    'invalid_argument',
    'The auth service configuration is invalid; `details.issues` lists every bad path (argon2 below the OWASP minimum, out-of-range timeouts, bad OIDC providers).',
  ),
  entry(
    'AUTH_INPUT_INVALID',
    'invalid_argument',
    'An auth call got a missing, mistyped, oversize or control-character field; `details.field` names it. Refused before any hashing.',
  ),
  entry(
    'AUTH_USER_EXISTS',
    'conflict',
    'A user with the same id, username or email already exists in the tenant.',
  ),
  entry(
    'AUTH_USER_NOT_FOUND',
    'not_found',
    'No user with that id in the tenant (administrative calls only; login never says so).',
  ),
  entry(
    'AUTH_KEY_UNAVAILABLE',
    'unavailable',
    'The token signing key in the data directory cannot be read, created or parsed.',
  ),
  entry(
    'AUTH_NOT_INITIALISED',
    'failed_precondition',
    'The auth service was used before `init()` completed.',
  ),
  entry(
    'ALERT_RULE_INVALID',
    'invalid_argument',
    'An alert rule is invalid (match, threshold, window, group-by, suppression, sequence steps, duplicate id); `details.issues` lists every bad path.',
  ),
  entry(
    'ALERT_CONFIG_INVALID',
    'invalid_argument',
    'The alert service or a notifier is misconfigured (webhook URL, secret shorter than 16 characters, notifier names); `details.issues` lists every bad path.',
  ),
  entry(
    'ALERT_NOT_FOUND',
    'not_found',
    "No alert with that id in the caller's tenant (another tenant's alert is not found either).",
  ),
  entry(
    'ALERT_QUERY_INVALID',
    'invalid_argument',
    'An alert list query has a bad filter, limit or cursor; `details.issues` lists each.',
  ),
  entry(
    'ALERT_NOTIFIER_FAILED',
    'unavailable',
    'A notifier could not deliver an alert (network error, timeout, HTTP 408 or 5xx); the bus retries it, then dead-letters it. Never names the URL or secret.',
  ),
  entry(
    'METRICS_CONFIG_INVALID',
    'invalid_argument',
    "The metrics configuration is invalid (label caps, a registry that is not prom-client's or already holds Warden's or the default metrics); `details.issues` lists every bad path.",
  ),
]);
