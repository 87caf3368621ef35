/**
 * The audit record: one normalised, tenant-scoped entry per security, RBAC or system event.
 * `audit-logger` builds it from a bus event; `audit-storage-service` appends it to the
 * tenant's hash chain and Merkle tree, giving it `seq`, `prevHash` and `hash`.
 */

/** What happened, as far as the source event says. */
export const AUDIT_OUTCOMES = ['success', 'failure', 'granted', 'denied', 'unknown'] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/** The tenant of records about the platform itself (system events without a tenant). */
export const PLATFORM_TENANT_ID = '_platform';

export interface AuditActor {
  readonly userId: string | null;
  readonly ip: string | null;
  readonly userAgent: string | null;
}

export interface AuditTarget {
  /** What was acted on (`doc`, `rbac.role`, `session`); null when the event names none. */
  readonly resource: string | null;
  readonly resourceId: string | null;
}

/** An audit record as `audit-logger` emits it on the `audit` channel (the event's `data`). */
export interface AuditRecord {
  /** The record's own id (UUIDv7). */
  readonly id: string;
  readonly tenantId: string;
  /** The source event's type (`rbac.permission_check`, `auth.login_failed`). */
  readonly action: string;
  readonly actor: AuditActor;
  readonly target: AuditTarget;
  readonly outcome: AuditOutcome;
  readonly entityId: string | null;
  readonly correlationId: string | null;
  /** The source event's `source` (`rbac-service`). */
  readonly source: string;
  /** The source event's `time` (RFC 3339). */
  readonly time: string;
  /** The source event's id: unique per tenant, so redelivery never duplicates a record. */
  readonly sourceEventId: string;
  /** The channel the source event came from (`security`, `rbac`, `system`). */
  readonly sourceChannel: string;
  /** The source event's `data` (JSON), unchanged except fields named like secrets, which `audit-logger` redacts. */
  readonly payload: unknown;
}

/** A record as stored: its place in the tenant's chain and tree. */
export interface StoredAuditRecord extends AuditRecord {
  /** 1-based, gapless per tenant: the record's position in the chain (leaf index = seq - 1). */
  readonly seq: number;
  /** Hex SHA-256 of the previous record of the tenant ('' x 64 zeros for the first). */
  readonly prevHash: string;
  /** Hex SHA-256 chaining this record to `prevHash` (see `src/audit/integrity/`). */
  readonly hash: string;
  /** When the store appended it (epoch ms). */
  readonly recordedAt: number;
}
