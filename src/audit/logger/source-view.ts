import type { BaseEvent } from '../../events/index.js';
import type { AuditActor, AuditOutcome, AuditTarget } from '../record.js';
import { AUDIT_OUTCOMES } from '../record.js';
import { booleanOf, fieldOf, firstText, objectOf } from './fields.js';
import type { JsonObject } from './fields.js';

/** A source event as the normalisers read it: `data` untrusted, `metadata` a plain object or null. */
export interface SourceView {
  readonly event: BaseEvent;
  readonly data: unknown;
  readonly metadata: JsonObject | null;
}

/** The type-specific part of an audit record. */
export interface Normalised {
  readonly actor: AuditActor;
  readonly target: AuditTarget;
  readonly outcome: AuditOutcome;
  readonly entityId: string | null;
}

/** Builds the type-specific fields of a record from a source event; must not throw. */
export type Normaliser = (view: SourceView) => Normalised;

export function viewOf(event: BaseEvent): SourceView {
  const raw = event as { data?: unknown; metadata?: unknown };
  return { event, data: raw.data, metadata: objectOf(raw.metadata) };
}

/** The actor as the metadata names it, with `userId` taken from the first of `userIds` that is text. */
export function actorOf(view: SourceView, ...userIds: readonly unknown[]): AuditActor {
  const { data, metadata } = view;
  return {
    userId: firstText(...userIds, metadata?.['user']),
    ip: firstText(metadata?.['ip'], fieldOf(data, 'ip')),
    userAgent: firstText(metadata?.['userAgent'], fieldOf(data, 'userAgent')),
  };
}

export function targetOf(resource: unknown, resourceId: unknown): AuditTarget {
  return { resource: firstText(resource), resourceId: firstText(resourceId) };
}

/** The entity from the metadata, else from `data.context.entityId` (RBAC events carry it there). */
export function entityOf(view: SourceView): string | null {
  return firstText(view.metadata?.['entityId'], fieldOf(fieldOf(view.data, 'context'), 'entityId'));
}

/**
 * The outcome a payload states: `outcome` when it is one of `AUDIT_OUTCOMES`, else a boolean
 * `success` (success / failure) or `granted` (granted / denied), else `fallback`.
 */
export function statedOutcome(data: unknown, fallback: AuditOutcome): AuditOutcome {
  const outcome = fieldOf(data, 'outcome');
  if (typeof outcome === 'string' && (AUDIT_OUTCOMES as readonly string[]).includes(outcome))
    return outcome as AuditOutcome;
  const success = booleanOf(fieldOf(data, 'success'));
  if (success !== null) return success ? 'success' : 'failure';
  const granted = booleanOf(fieldOf(data, 'granted'));
  if (granted !== null) return granted ? 'granted' : 'denied';
  return fallback;
}

/** Any event: actor from the metadata, target from `data.resource` / `data.resourceId`. */
export const genericNormaliser: Normaliser = (view) => ({
  actor: actorOf(view),
  target: targetOf(fieldOf(view.data, 'resource'), fieldOf(view.data, 'resourceId')),
  outcome: statedOutcome(view.data, 'unknown'),
  entityId: entityOf(view),
});
