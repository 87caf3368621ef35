import type { KeyObject } from 'node:crypto';
import type { Database } from '../../storage/index.js';
import { systemClock } from '../../shared/clock.js';
import type { Clock } from '../../shared/clock.js';
import type { AuditSigningKey } from '../integrity/signing-key.js';
import { AuditError } from '../errors.js';
import type { AuditRecord, StoredAuditRecord } from '../record.js';
import { AuditAppender } from './audit-appender.js';
import type { AppendResult, CheckpointPolicy, PendingCheckpoints } from './audit-appender.js';
import { auditMigrations } from './audit-migrations.js';
import { proveConsistency, proveInclusion } from './audit-proofs.js';
import type { ConsistencyEvidence, InclusionEvidence } from './audit-proofs.js';
import { DEFAULT_QUERY_BOUNDS } from './audit-query.js';
import type { AuditDb, AuditQuery, QueryBounds } from './audit-query.js';
import { AuditReader } from './audit-reader.js';
import type { AggregateBucket, AggregateOptions, AuditPage } from './audit-reader.js';
import { applyRetention } from './audit-retention.js';
import { loadCheckpoints, verifyTenant } from './audit-verifier.js';
import type { TenantVerification } from './audit-verifier.js';
import type { Checkpoint } from '../integrity/checkpoint.js';

export interface AuditStoreConfig {
  readonly database: Database;
  /** Signs checkpoints (`loadOrCreateSigningKey(dataDir)`). */
  readonly signingKey: AuditSigningKey;
  readonly clock?: Clock;
  readonly checkpoints?: Partial<CheckpointPolicy>;
  readonly queryBounds?: Partial<QueryBounds>;
  /** Days records are kept, per tenant; default 365 for every tenant. */
  readonly retention?: {
    readonly defaultDays?: number;
    readonly perTenantDays?: Readonly<Record<string, number>>;
  };
}

const DAY_MS = 86_400_000;

/**
 * The audit log's storage on SQLite or PostgreSQL: append-only records in a per-tenant hash
 * chain and Merkle tree, signed checkpoints, tenant-scoped queries, verification, proofs and
 * retention. Every read takes the tenant explicitly; `AuditService` fills it in from the
 * request context.
 */
export class AuditStore {
  readonly #database: Database;
  readonly #db: AuditDb;
  readonly #key: AuditSigningKey;
  readonly #clock: Clock;
  readonly #appender: AuditAppender;
  readonly #reader: AuditReader;
  readonly #retention: { defaultDays: number; perTenantDays: Readonly<Record<string, number>> };

  private constructor(config: AuditStoreConfig) {
    this.#database = config.database;
    this.#db = config.database.kysely as AuditDb;
    this.#key = config.signingKey;
    this.#clock = config.clock ?? systemClock;
    const policy = { everyRecords: 1_000, everyMs: 60_000, ...config.checkpoints };
    this.#appender = new AuditAppender(this.#database, this.#clock, this.#key, policy);
    this.#reader = new AuditReader(this.#db, this.#database.dialect, {
      ...DEFAULT_QUERY_BOUNDS,
      ...config.queryBounds,
    });
    this.#retention = {
      defaultDays: config.retention?.defaultDays ?? 365,
      perTenantDays: config.retention?.perTenantDays ?? {},
    };
  }

  /** Creates the tables (idempotent) and returns the store. */
  static async open(config: AuditStoreConfig): Promise<AuditStore> {
    validate(config);
    await config.database.migrate(auditMigrations);
    return new AuditStore(config);
  }

  get publicKey(): KeyObject {
    return this.#key.publicKey;
  }

  /** Appends records (any tenants) in one transaction; repeats of a stored source event are skipped. */
  append(records: readonly AuditRecord[]): Promise<AppendResult> {
    return this.#appender.append(records);
  }

  /** Signs a checkpoint for every tenant with records since its last one. */
  checkpointPending(): Promise<PendingCheckpoints> {
    return this.#appender.checkpointPending();
  }

  query(tenantId: string, query: AuditQuery = {}): Promise<AuditPage> {
    return this.#reader.query(tenantId, query, this.#clock.now());
  }

  aggregate(tenantId: string, options: AggregateOptions): Promise<readonly AggregateBucket[]> {
    return this.#reader.aggregate(tenantId, options, this.#clock.now());
  }

  trace(tenantId: string, correlationId: string): Promise<readonly StoredAuditRecord[]> {
    return this.#reader.trace(tenantId, correlationId);
  }

  checkpoints(tenantId: string): Promise<Checkpoint[]> {
    return loadCheckpoints(this.#db, tenantId);
  }

  /** Verifies one tenant's log, or every tenant's when `tenantId` is omitted. */
  async verify(tenantId?: string): Promise<readonly TenantVerification[]> {
    const tenants = tenantId === undefined ? await this.#tenants() : [tenantId];
    const results: TenantVerification[] = [];
    for (const tenant of tenants)
      results.push(await verifyTenant(this.#db, tenant, this.#key.publicKey));
    return results;
  }

  proveInclusion(tenantId: string, seq: number, treeSize?: number): Promise<InclusionEvidence> {
    return proveInclusion(this.#db, tenantId, seq, treeSize);
  }

  proveConsistency(
    tenantId: string,
    oldSize: number,
    newSize: number,
  ): Promise<ConsistencyEvidence> {
    return proveConsistency(this.#db, tenantId, oldSize, newSize);
  }

  /** Applies each tenant's retention (records older than its days). Resolves with records removed. */
  async applyRetention(): Promise<number> {
    let removed = 0;
    const now = this.#clock.now();
    for (const tenant of await this.#tenants()) {
      const days = this.#retention.perTenantDays[tenant] ?? this.#retention.defaultDays;
      removed += await applyRetention(
        this.#database,
        this.#key,
        this.#clock,
        tenant,
        now - days * DAY_MS,
      );
    }
    return removed;
  }

  async #tenants(): Promise<string[]> {
    const rows = await this.#db
      .selectFrom('audit_heads')
      .select('tenant_id')
      .orderBy('tenant_id')
      .execute();
    return rows.map((r) => r.tenant_id);
  }
}

function validate(config: AuditStoreConfig): void {
  const problems: string[] = [];
  const { checkpoints, retention } = config;
  const positive = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;
  if (checkpoints?.everyRecords !== undefined && !positive(checkpoints.everyRecords))
    problems.push('checkpoints.everyRecords must be a positive integer');
  if (checkpoints?.everyMs !== undefined && !positive(checkpoints.everyMs))
    problems.push('checkpoints.everyMs must be a positive integer');
  if (retention?.defaultDays !== undefined && !positive(retention.defaultDays))
    problems.push('retention.defaultDays must be a positive integer');
  for (const [tenant, days] of Object.entries(retention?.perTenantDays ?? {})) {
    if (!positive(days))
      problems.push(`retention.perTenantDays.${tenant} must be a positive integer`);
  }
  if (problems.length > 0)
    throw new AuditError(
      'AUDIT_CONFIG_INVALID',
      `invalid audit store config: ${problems.join('; ')}`,
      { problems },
    );
}
