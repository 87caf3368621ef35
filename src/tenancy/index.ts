export {
  runWithContext,
  getRequestContext,
  getCurrentTenantId,
  getRequestCorrelationId,
  getCurrentUserId,
  getCurrentEntityId,
  requireTenantId,
  parseRequestContext,
} from './request-context.js';
export type { RequestContext } from './request-context.js';
export {
  TenantAwareEventProducer,
  CROSS_TENANT_PERMISSION,
  requestTenantContext,
} from './tenant-aware-event-producer.js';
export type {
  TenantContextService,
  PermissionChecker,
  TenantAwareEventProducerOptions,
} from './tenant-aware-event-producer.js';
export { subscribeToTenant, isEventOfTenant } from './tenant-subscription.js';
export { TenancyError, TENANCY_ERROR_CODES } from './errors.js';
export type { TenancyErrorCode } from './errors.js';
