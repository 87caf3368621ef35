import { createEventFactory } from '../events/index.js';
import type { EventEmitter, MultiTenantEvent } from '../events/index.js';
import type { Clock } from '../shared/clock.js';
import { TenancyError } from './errors.js';
import { getRequestContext } from './request-context.js';
import type { RequestContext } from './request-context.js';

/** Where the producer reads the current tenant (the spec's `TenantContextService`). */
export interface TenantContextService {
  getCurrentTenantId(): string | undefined;
}

/**
 * Decides permission checks; `RbacService` is one. The producer asks it for
 * `CrossTenantOperations` before emitting a cross-tenant event.
 */
export interface PermissionChecker {
  checkPermission(
    userId: string,
    resource: string,
    action: string,
    resourceId?: string,
  ): Promise<boolean>;
}

/** The permission a cross-tenant emit needs in the source tenant: `CrossTenantOperations:emit`. */
export const CROSS_TENANT_PERMISSION = Object.freeze({
  resource: 'CrossTenantOperations',
  action: 'emit',
});

export interface TenantAwareEventProducerOptions {
  /** Checks `CrossTenantOperations`. Without one, every cross-tenant emit is refused. */
  readonly permissions?: PermissionChecker;
  /** `source` of the events; default `tenant-aware-producer` as in the spec. */
  readonly source?: string;
  readonly clock?: Clock;
}

/** The default `TenantContextService`: the tenant of the current `runWithContext`. */
export const requestTenantContext: TenantContextService = Object.freeze({
  getCurrentTenantId: () => getRequestContext()?.tenantId,
});

/**
 * Emits events stamped with the current tenant (EVENT_ARCHITECTURE.md, "Tenant-Aware
 * Event Production"). Cross-tenant events need the caller, acting in the source tenant,
 * to hold `CrossTenantOperations:emit` there; the check is a real RBAC decision (and
 * audited like any other), not the spec's placeholder.
 */
export class TenantAwareEventProducer {
  readonly #eventBus: EventEmitter;
  readonly #tenantContextService: TenantContextService;
  readonly #permissions: PermissionChecker | undefined;
  readonly #source: string;
  readonly #createEvent: ReturnType<typeof createEventFactory>;

  constructor(
    eventBus: EventEmitter,
    tenantContextService: TenantContextService = requestTenantContext,
    options: TenantAwareEventProducerOptions = {},
  ) {
    this.#eventBus = eventBus;
    this.#tenantContextService = tenantContextService;
    this.#permissions = options.permissions;
    this.#source = options.source ?? 'tenant-aware-producer';
    this.#createEvent = createEventFactory(
      options.clock === undefined ? {} : { clock: options.clock },
    );
  }

  /**
   * Emits `data` as an event of `eventType` for the current tenant.
   *
   * @throws TenancyError `TENANCY_NO_CONTEXT` outside a tenant context; the bus's
   *   errors (`ValidationError`, `BackPressureError`, `BusClosedError`) as `emit` raises them.
   */
  async emitEvent<T>(channel: string, eventType: string, data: T): Promise<void> {
    const tenantId = this.#tenantContextService.getCurrentTenantId();
    if (tenantId === undefined || tenantId === '') {
      throw new TenancyError('TENANCY_NO_CONTEXT', 'no tenant context available');
    }
    const context = getRequestContext();
    await this.#eventBus.emit(
      channel,
      this.#build(eventType, data, { tenantId, ...userFields(context) }, context),
    );
  }

  /**
   * Emits an event from `sourceTenantId` to `targetTenantId`. The caller must act in
   * the source tenant and hold `CrossTenantOperations:emit` there (the target tenant is
   * the permission's resource id). The event carries `crossTenant`, `sourceTenantId`,
   * `targetTenantId`, and `tenantId` = the source tenant.
   *
   * @throws TenancyError `TENANCY_NO_CONTEXT` without a tenant context,
   *   `TENANCY_SOURCE_MISMATCH` when the context's tenant is not `sourceTenantId`,
   *   `TENANCY_CROSS_TENANT_DENIED` when the permission is not held.
   */
  async emitCrossTenantEvent<T>(
    channel: string,
    eventType: string,
    data: T,
    sourceTenantId: string,
    targetTenantId: string,
  ): Promise<void> {
    const tenantId = this.#tenantContextService.getCurrentTenantId();
    if (tenantId === undefined || tenantId === '') {
      throw new TenancyError('TENANCY_NO_CONTEXT', 'no tenant context available');
    }
    if (tenantId !== sourceTenantId) {
      throw new TenancyError(
        'TENANCY_SOURCE_MISMATCH',
        'a cross-tenant event must be emitted from its source tenant',
        { sourceTenantId },
      );
    }
    const context = getRequestContext();
    if (!(await this.#hasPermission(context?.userId, targetTenantId))) {
      throw new TenancyError(
        'TENANCY_CROSS_TENANT_DENIED',
        'permission denied for cross-tenant operation: CrossTenantOperations:emit is required',
        { sourceTenantId },
      );
    }
    const metadata = {
      tenantId: sourceTenantId,
      crossTenant: true,
      sourceTenantId,
      targetTenantId,
      ...userFields(context),
    };
    await this.#eventBus.emit(channel, this.#build(eventType, data, metadata, context));
  }

  async #hasPermission(userId: string | undefined, targetTenantId: string): Promise<boolean> {
    // Fail closed: no checker or no authenticated user means no cross-tenant access.
    if (this.#permissions === undefined || userId === undefined) return false;
    const { resource, action } = CROSS_TENANT_PERMISSION;
    return this.#permissions.checkPermission(userId, resource, action, targetTenantId);
  }

  #build<T>(
    type: string,
    data: T,
    metadata: MultiTenantEvent<T>['metadata'],
    context: RequestContext | undefined,
  ): MultiTenantEvent<T> {
    const correlationId = context?.correlationId;
    return this.#createEvent({
      type,
      source: this.#source,
      data,
      metadata,
      ...(correlationId === undefined ? {} : { correlationId }),
    }) as MultiTenantEvent<T>;
  }
}

function userFields(context: RequestContext | undefined): Record<string, string> {
  const fields: Record<string, string> = {};
  if (context?.userId !== undefined) fields['user'] = context.userId;
  if (context?.ip !== undefined) fields['ip'] = context.ip;
  if (context?.userAgent !== undefined) fields['userAgent'] = context.userAgent;
  if (context?.entityId !== undefined) fields['entityId'] = context.entityId;
  return fields;
}
