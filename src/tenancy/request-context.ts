import { AsyncLocalStorage } from 'node:async_hooks';
import type { ValidationIssue } from '../events/index.js';
import { TenancyError } from './errors.js';

/**
 * Who is acting, for whom and within which request. Set once at the edge (HTTP
 * request, CLI command, job) with `runWithContext`; everything below reads it.
 */
export interface RequestContext {
  readonly tenantId: string;
  readonly userId?: string;
  readonly correlationId?: string;
  /** The sub-organisation the request acts in; RBAC checks are scoped to it. */
  readonly entityId?: string;
  readonly ip?: string;
  readonly userAgent?: string;
}

const MAX_FIELD_LENGTH = 256;
const FIELDS = ['tenantId', 'userId', 'correlationId', 'entityId', 'ip', 'userAgent'] as const;

const storage = new AsyncLocalStorage<RequestContext>();

/**
 * Runs `fn` with `context` as the current request context, for `fn` and everything it
 * starts (promises, timers, callbacks). Contexts nest: the inner one wins inside.
 *
 * @throws TenancyError `TENANCY_CONTEXT_INVALID` when a field is not a non-empty string
 *   of at most 256 characters (`tenantId` is required).
 */
export function runWithContext<R>(context: RequestContext, fn: () => R): R {
  return storage.run(parseRequestContext(context), fn);
}

/** The current request context, or `undefined` outside `runWithContext`. */
export function getRequestContext(): RequestContext | undefined {
  return storage.getStore();
}

/** The current tenant, or `undefined` outside a request context. */
export function getCurrentTenantId(): string | undefined {
  return storage.getStore()?.tenantId;
}

/** The current request's correlation id, if it has one. */
export function getRequestCorrelationId(): string | undefined {
  return storage.getStore()?.correlationId;
}

/** The acting user, if the request is authenticated. */
export function getCurrentUserId(): string | undefined {
  return storage.getStore()?.userId;
}

/** The entity (sub-organisation) the request acts in, if any. */
export function getCurrentEntityId(): string | undefined {
  return storage.getStore()?.entityId;
}

/** The current tenant; throws `TENANCY_NO_CONTEXT` outside a request context. */
export function requireTenantId(): string {
  const tenantId = getCurrentTenantId();
  if (tenantId === undefined) {
    throw new TenancyError(
      'TENANCY_NO_CONTEXT',
      'no tenant context: run this inside runWithContext',
    );
  }
  return tenantId;
}

/** Checks an untrusted context and returns a frozen copy without unknown fields. */
export function parseRequestContext(input: unknown): RequestContext {
  const issues: ValidationIssue[] = [];
  if (typeof input !== 'object' || input === null) {
    issues.push({ path: '', reason: 'must be an object' });
    throw invalid(issues);
  }
  const record = input as Record<string, unknown>;
  const context: Record<string, string> = {};
  for (const field of FIELDS) {
    const value = record[field];
    if (value === undefined && field !== 'tenantId') continue;
    if (typeof value !== 'string' || value.length === 0) {
      issues.push({ path: field, reason: 'must be a non-empty string' });
    } else if (value.length > MAX_FIELD_LENGTH) {
      issues.push({
        path: field,
        reason: `must be at most ${String(MAX_FIELD_LENGTH)} characters`,
      });
    } else {
      context[field] = value;
    }
  }
  if (issues.length > 0) throw invalid(issues);
  return Object.freeze(context) as unknown as RequestContext;
}

function invalid(issues: readonly ValidationIssue[]): TenancyError {
  const summary = issues.map((i) => `${i.path || '(root)'}: ${i.reason}`).join('; ');
  return new TenancyError('TENANCY_CONTEXT_INVALID', `invalid request context: ${summary}`, {
    issues,
  });
}
