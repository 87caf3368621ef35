/* eslint-disable @typescript-eslint/no-explicit-any -- the spec types contexts as Record<string, any>; kept exactly. */
import { createEventFactory } from '../events/index.js';
import type { DomainEvent, EventEmitter } from '../events/index.js';
import type { Clock } from '../shared/clock.js';
import { getRequestCorrelationId, getCurrentTenantId } from '../tenancy/index.js';

/** The channel every RBAC event goes to (the spec's `rbac` channel). */
export const RBAC_CHANNEL = 'rbac';

/** `data` of `rbac.permission_check` (RBAC_AUDIT_INTEGRATION.md). */
export interface PermissionCheckData {
  userId: string;
  resource: string;
  action: string;
  granted: boolean;
  context?: Record<string, any>;
}

/** `data` of `rbac.role_change`. */
export interface RoleChangeData {
  targetUserId: string;
  changedBy: string;
  changeType: 'assigned' | 'removed';
  roleId: string;
  context?: Record<string, any>;
}

/** `data` of `rbac.permission_change`: role, permission, entity and tenant administration. */
export interface PermissionChangeData {
  changedBy: string;
  changeType: 'created' | 'updated' | 'deleted' | 'assigned' | 'revoked';
  roleId?: string;
  permissionId?: string;
  details?: Record<string, any>;
}

/** The spec's RBAC event producer interface, exactly. */
export interface RbacEventProducer {
  logPermissionCheck(
    userId: string,
    resource: string,
    action: string,
    granted: boolean,
    context?: Record<string, any>,
  ): Promise<void>;
  logRoleChange(
    targetUserId: string,
    changedBy: string,
    changeType: 'assigned' | 'removed',
    roleId: string,
    context?: Record<string, any>,
  ): Promise<void>;
  logPermissionChange(
    changedBy: string,
    changeType: 'created' | 'updated' | 'deleted' | 'assigned' | 'revoked',
    roleId?: string,
    permissionId?: string,
    details?: Record<string, any>,
  ): Promise<void>;
}

/**
 * Emits RBAC events on the `rbac` channel in the canonical schema, stamped with the
 * current tenant and correlation id. Permission checks use `emit`; role and permission
 * changes use `emitWithGuarantee` with priority `high` (durable before they resolve).
 */
export class RbacEventProducerImpl implements RbacEventProducer {
  readonly #eventBus: EventEmitter;
  readonly #createEvent: ReturnType<typeof createEventFactory>;

  constructor(eventBus: EventEmitter, clock?: Clock) {
    this.#eventBus = eventBus;
    this.#createEvent = createEventFactory(clock === undefined ? {} : { clock });
  }

  async logPermissionCheck(
    userId: string,
    resource: string,
    action: string,
    granted: boolean,
    context?: Record<string, any>,
  ): Promise<void> {
    const data: PermissionCheckData = { userId, resource, action, granted };
    if (context !== undefined) data.context = context;
    await this.#eventBus.emit(RBAC_CHANNEL, this.#event('rbac.permission_check', data));
  }

  async logRoleChange(
    targetUserId: string,
    changedBy: string,
    changeType: 'assigned' | 'removed',
    roleId: string,
    context?: Record<string, any>,
  ): Promise<void> {
    const data: RoleChangeData = { targetUserId, changedBy, changeType, roleId };
    if (context !== undefined) data.context = context;
    await this.#eventBus.emitWithGuarantee(RBAC_CHANNEL, this.#event('rbac.role_change', data), {
      priority: 'high',
    });
  }

  async logPermissionChange(
    changedBy: string,
    changeType: 'created' | 'updated' | 'deleted' | 'assigned' | 'revoked',
    roleId?: string,
    permissionId?: string,
    details?: Record<string, any>,
  ): Promise<void> {
    const data: PermissionChangeData = { changedBy, changeType };
    if (roleId !== undefined) data.roleId = roleId;
    if (permissionId !== undefined) data.permissionId = permissionId;
    if (details !== undefined) data.details = details;
    const event = this.#event('rbac.permission_change', data);
    await this.#eventBus.emitWithGuarantee(RBAC_CHANNEL, event, { priority: 'high' });
  }

  #event<T>(type: string, data: T): DomainEvent<T> {
    const metadata: Record<string, string> = {};
    const tenantId = getCurrentTenantId();
    const correlationId = getRequestCorrelationId();
    if (tenantId !== undefined) metadata['tenantId'] = tenantId;
    if (correlationId !== undefined) metadata['correlationId'] = correlationId;
    return this.#createEvent({
      type,
      source: 'rbac-service',
      data,
      metadata,
      ...(correlationId === undefined ? {} : { correlationId }),
    });
  }
}
