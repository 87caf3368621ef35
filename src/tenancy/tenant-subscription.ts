import type { BaseEvent, EventConsumer, SubscribeOptions, Subscription } from '../events/index.js';
import { TenancyError } from './errors.js';

/**
 * Whether `event` belongs to `tenantId`: its own events (`metadata.tenantId`), and
 * cross-tenant events addressed to it (`crossTenant` with `targetTenantId`).
 */
export function isEventOfTenant(event: BaseEvent, tenantId: string): boolean {
  const metadata = (event as { metadata?: Record<string, unknown> }).metadata;
  if (metadata === undefined) return false;
  if (metadata['tenantId'] === tenantId) return true;
  return metadata['crossTenant'] === true && metadata['targetTenantId'] === tenantId;
}

/**
 * Subscribes `handler` to one tenant's events on `channel`: every other event is
 * skipped (acknowledged without a call). An options `filter` still applies, after the
 * tenant check, so it never sees another tenant's events.
 *
 * @throws TenancyError `TENANCY_CONTEXT_INVALID` when `tenantId` is empty.
 */
export function subscribeToTenant<T extends BaseEvent>(
  consumer: EventConsumer,
  channel: string,
  tenantId: string,
  handler: (event: T) => Promise<void>,
  options: SubscribeOptions<T> = {},
): Subscription {
  if (typeof tenantId !== 'string' || tenantId.length === 0) {
    throw new TenancyError(
      'TENANCY_CONTEXT_INVALID',
      'subscribeToTenant: tenantId must be a non-empty string',
    );
  }
  const inner = options.filter;
  const filter =
    inner === undefined
      ? (event: T) => isEventOfTenant(event, tenantId)
      : (event: T) => isEventOfTenant(event, tenantId) && inner(event);
  return consumer.subscribe(channel, handler, { ...options, filter });
}
