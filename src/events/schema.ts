/* eslint-disable @typescript-eslint/no-explicit-any -- the spec types metadata extras as `any`; kept exactly. */

/**
 * The canonical event schema (EVENT_ARCHITECTURE.md, "Canonical Event Schema").
 * Every event on every channel has this shape; `validateEvent` enforces it at `emit`.
 */
export interface BaseEvent {
  /** Unique event identifier (1 to 128 characters). */
  id: string;
  /** Event type identifier: a dotted lowercase name such as `rbac.permission_check`. */
  type: string;
  /** System component that generated the event. */
  source: string;
  /** RFC 3339 timestamp of when the event occurred. */
  time: string;
  /** Schema version of the `data` payload. */
  dataVersion: string;
  /** Request correlation id for tracing. */
  correlationId?: string;
}

export interface DomainEvent<T> extends BaseEvent {
  /** Event-specific payload; must be JSON-serialisable. */
  data: T;
  metadata?: {
    user?: string;
    ip?: string;
    userAgent?: string;
    entityId?: string;
    tenantId?: string;
    [key: string]: any;
  };
}

export interface MultiTenantEvent<T> extends DomainEvent<T> {
  metadata: {
    tenantId: string;
    crossTenant?: boolean;
    sourceTenantId?: string;
    targetTenantId?: string;
    user?: string;
    ip?: string;
    userAgent?: string;
    [key: string]: any;
  };
}

/** Delivery priority of an event; `high` is dispatched before `normal` before `low`. */
export const PRIORITIES = ['high', 'normal', 'low'] as const;
export type Priority = (typeof PRIORITIES)[number];

/** Reads the tenant of an event, if it carries one. */
export function tenantOf(event: BaseEvent): string | undefined {
  const metadata = (event as Partial<DomainEvent<unknown>>).metadata;
  const tenantId: unknown = metadata?.tenantId;
  return typeof tenantId === 'string' ? tenantId : undefined;
}
