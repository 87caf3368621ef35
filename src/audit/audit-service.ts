import type { EventEmitter } from '../events/index.js';
import { createEventFactory } from '../events/index.js';
import type { Clock } from '../shared/clock.js';
import { getRequestContext, requireTenantId } from '../tenancy/index.js';
import { AuditError } from './errors.js';
import type { StoredAuditRecord } from './record.js';
import type { InclusionEvidence } from './store/audit-proofs.js';
import type { AuditQuery } from './store/audit-query.js';
import type { AggregateBucket, AggregateOptions, AuditPage } from './store/audit-reader.js';
import type { AuditStore } from './store/audit-store.js';
import type { TenantVerification } from './store/audit-verifier.js';

export interface AuditServiceConfig {
  readonly store: AuditStore;
  /** Cross-tenant reads are announced on its `security` channel (and so audited). */
  readonly bus: EventEmitter;
  /** Who may read other tenants' audit logs. Default: nobody. */
  readonly isPlatformOperator?: (userId: string) => boolean | Promise<boolean>;
  /** Stamps the cross-tenant read events; default the system clock. */
  readonly clock?: Clock;
}

/**
 * Reads of the audit log for the current tenant (`runWithContext`): no method takes a tenant
 * id, so no caller can read another tenant's records by passing one. Platform operators use
 * `asPlatformOperator`, which is itself audited.
 */
export class AuditService {
  readonly #store: AuditStore;
  readonly #bus: EventEmitter;
  readonly #isOperator: (userId: string) => boolean | Promise<boolean>;
  readonly #createEvent: ReturnType<typeof createEventFactory>;

  constructor(config: AuditServiceConfig) {
    this.#store = config.store;
    this.#bus = config.bus;
    this.#isOperator = config.isPlatformOperator ?? (() => false);
    this.#createEvent = createEventFactory(
      config.clock === undefined ? {} : { clock: config.clock },
    );
  }

  query(query: AuditQuery = {}): Promise<AuditPage> {
    return this.#store.query(requireTenantId(), query);
  }

  aggregate(options: AggregateOptions): Promise<readonly AggregateBucket[]> {
    return this.#store.aggregate(requireTenantId(), options);
  }

  trace(correlationId: string): Promise<readonly StoredAuditRecord[]> {
    return this.#store.trace(requireTenantId(), correlationId);
  }

  async verify(): Promise<TenantVerification | undefined> {
    return (await this.#store.verify(requireTenantId()))[0];
  }

  proveInclusion(seq: number): Promise<InclusionEvidence> {
    return this.#store.proveInclusion(requireTenantId(), seq);
  }

  /**
   * Reads another tenant's log as a platform operator. The read is announced as an
   * `audit.cross_tenant_read` event on `security` (so it lands in the caller's own audit log)
   * before anything is returned.
   *
   * @throws AuditError `AUDIT_NOT_PLATFORM_OPERATOR` for anyone else (also announced).
   */
  async asPlatformOperator(targetTenantId: string, query: AuditQuery = {}): Promise<AuditPage> {
    const tenantId = requireTenantId();
    const userId = getRequestContext()?.userId;
    const allowed = userId !== undefined && (await this.#isOperator(userId));
    await this.#bus.emitWithGuarantee(
      'security',
      this.#createEvent({
        type: 'audit.cross_tenant_read',
        source: 'audit-service',
        data: {
          userId: userId ?? null,
          targetTenantId,
          granted: allowed,
          query: { ...query, cursor: undefined },
        },
        metadata: { tenantId, ...(userId === undefined ? {} : { user: userId }) },
      }),
      { priority: 'high' },
    );
    if (!allowed) {
      throw new AuditError(
        'AUDIT_NOT_PLATFORM_OPERATOR',
        'reading another tenant’s audit log needs a platform operator',
      );
    }
    return this.#store.query(targetTenantId, query);
  }
}
