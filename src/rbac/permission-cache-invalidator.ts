import type { BaseEvent, EventBusService, Subscription } from '../events/index.js';
import { RBAC_CHANNEL } from './rbac-event-producer.js';
import type { TenantPolicies } from './tenant-policies.js';

const CHANGE_TYPES = new Set(['rbac.role_change', 'rbac.permission_change']);

/** The tenant and revision an RBAC change event announces, if it is one. */
export function announcedRevision(event: BaseEvent): { tenantId: string; revision: number } | null {
  if (!CHANGE_TYPES.has(event.type)) return null;
  const { metadata, data } = event as BaseEvent & {
    metadata?: { tenantId?: unknown };
    data?: { context?: { revision?: unknown }; details?: { revision?: unknown } };
  };
  const tenantId = metadata?.tenantId;
  const revision = data?.context?.revision ?? data?.details?.revision;
  if (
    typeof tenantId !== 'string' ||
    typeof revision !== 'number' ||
    !Number.isSafeInteger(revision)
  ) {
    return null;
  }
  return { tenantId, revision };
}

/**
 * The spec's `permission-cache-invalidator`: on every role or permission change event it
 * tells the local policies the tenant's new revision; an older copy is read again from the
 * store (changes made on this instance are already applied and cost nothing).
 */
export function subscribeInvalidator(
  bus: EventBusService,
  policies: TenantPolicies,
  consumer: string | null,
): Subscription {
  return bus.subscribe(
    RBAC_CHANNEL,
    (event: BaseEvent) => {
      const announced = announcedRevision(event);
      if (announced !== null) policies.announce(announced.tenantId, announced.revision);
      return Promise.resolve();
    },
    {
      filter: (event) => CHANGE_TYPES.has(event.type),
      ...(consumer === null ? {} : { consumer }),
    },
  );
}
