import type { AuditOutcome } from '../record.js';
import { fieldOf, firstText } from './fields.js';
import { actorOf, entityOf, genericNormaliser, statedOutcome, targetOf } from './source-view.js';
import type { Normaliser, SourceView } from './source-view.js';

const permissionCheck: Normaliser = (view) => {
  const { data } = view;
  return {
    actor: actorOf(view, fieldOf(data, 'userId')),
    target: targetOf(fieldOf(data, 'resource'), fieldOf(fieldOf(data, 'context'), 'resourceId')),
    outcome: grantedOutcome(fieldOf(data, 'granted')),
    entityId: entityOf(view),
  };
};

function grantedOutcome(granted: unknown): AuditOutcome {
  if (granted === true) return 'granted';
  return granted === false ? 'denied' : 'unknown';
}

/** The target user stays in the payload (`targetUserId`); the target is the assignment of the role. */
const roleChange: Normaliser = (view) => ({
  actor: actorOf(view, fieldOf(view.data, 'changedBy')),
  target: targetOf('rbac.role_assignment', fieldOf(view.data, 'roleId')),
  outcome: 'success',
  entityId: entityOf(view),
});

/** Role administration targets the role; membership, entity and tenant changes name what changed. */
const permissionChange: Normaliser = (view) => ({
  actor: actorOf(view, fieldOf(view.data, 'changedBy')),
  target: permissionChangeTarget(view.data),
  outcome: 'success',
  entityId: entityOf(view),
});

function permissionChangeTarget(data: unknown): { resource: string; resourceId: string | null } {
  const details = fieldOf(data, 'details');
  const candidates: readonly (readonly [string, unknown])[] = [
    ['rbac.role', fieldOf(data, 'roleId')],
    ['rbac.permission', fieldOf(data, 'permissionId')],
    ['rbac.user', fieldOf(details, 'userId')],
    ['rbac.entity', fieldOf(details, 'entityId')],
    ['rbac.tenant', fieldOf(details, 'tenantId')],
  ];
  for (const [resource, id] of candidates) {
    const resourceId = firstText(id);
    if (resourceId !== null) return { resource, resourceId };
  }
  return { resource: 'rbac.policy', resourceId: null };
}

/**
 * An `auth.*` event: the user from `data.changedBy`, `userId` or `username`, device from the
 * metadata or data. The outcome is the type's: `auth.login_failed` is a failure whatever the payload says.
 */
function authEvent(resource: string, idField: string, outcome: AuditOutcome): Normaliser {
  return (view) => {
    const { data } = view;
    return {
      actor: actorOf(
        view,
        fieldOf(data, 'changedBy'),
        fieldOf(data, 'userId'),
        fieldOf(data, 'username'),
      ),
      target: targetOf(resource, authTargetId(view, idField)),
      outcome,
      entityId: entityOf(view),
    };
  };
}

function authTargetId(view: SourceView, idField: string): string | null {
  if (idField === 'userId')
    return firstText(fieldOf(view.data, 'targetUserId'), fieldOf(view.data, 'userId'));
  return firstText(fieldOf(view.data, idField));
}

/** A bus event (`source: event-bus`): no user; the target names the bus part concerned. */
function busEvent(
  resource: string,
  outcome: AuditOutcome,
  id: (data: unknown) => unknown,
): Normaliser {
  return (view) => ({
    actor: actorOf(view),
    target: targetOf(resource, id(view.data)),
    outcome,
    entityId: entityOf(view),
  });
}

function consumerId(data: unknown): string | null {
  const channel = firstText(fieldOf(data, 'channel'));
  const consumer = firstText(fieldOf(data, 'consumer'));
  return channel === null || consumer === null ? null : `${channel}/${consumer}`;
}

const session = (outcome: AuditOutcome): Normaliser =>
  authEvent('auth.session', 'sessionId', outcome);
const account = (outcome: AuditOutcome): Normaliser => authEvent('auth.account', 'userId', outcome);
const token = (outcome: AuditOutcome): Normaliser => authEvent('auth.token', 'tokenId', outcome);

/**
 * The event types with a dedicated mapping (docs/audit.md, "Normalisation"). RBAC types are
 * the spec's; `auth.*` names are Warden's (the spec names none); `system.*` are the bus's own.
 */
export const KNOWN_TYPES: ReadonlyMap<string, Normaliser> = new Map<string, Normaliser>([
  ['rbac.permission_check', permissionCheck],
  ['rbac.role_change', roleChange],
  ['rbac.permission_change', permissionChange],
  ['auth.login_succeeded', session('success')],
  ['auth.login_failed', session('failure')],
  ['auth.logout', session('success')],
  ['auth.password_changed', account('success')],
  ['auth.password_change_failed', account('failure')],
  ['auth.password_reset', account('success')],
  ['auth.account_locked', account('failure')],
  ['auth.account_unlocked', account('success')],
  ['auth.token_issued', token('success')],
  ['auth.token_revoked', token('success')],
  ['system.circuit_breaker.opened', busEvent('event_bus.consumer', 'failure', consumerId)],
  ['system.circuit_breaker.half_opened', busEvent('event_bus.consumer', 'unknown', consumerId)],
  ['system.circuit_breaker.closed', busEvent('event_bus.consumer', 'success', consumerId)],
  [
    'system.dead_letter.added',
    busEvent('event_bus.dead_letter', 'failure', (data) => fieldOf(data, 'deadLetterId')),
  ],
  [
    'system.event_log.disconnected',
    busEvent('event_bus.log', 'failure', (data) => fieldOf(data, 'log')),
  ],
  [
    'system.event_log.reconnected',
    busEvent('event_bus.log', 'success', (data) => fieldOf(data, 'log')),
  ],
]);

/** The event types with a dedicated mapping, for docs and callers. */
export const KNOWN_AUDIT_TYPES: readonly string[] = Object.freeze([...KNOWN_TYPES.keys()]);

/**
 * The normaliser of `type`: its own, else an `auth.*` rule (outcome from a `_succeeded` /
 * `_failed` suffix, user from `data.userId`), else the generic one.
 */
export function normaliserOf(type: string): Normaliser {
  const known = KNOWN_TYPES.get(type);
  if (known !== undefined) return known;
  if (type.startsWith('auth.')) return otherAuthEvent(type);
  return genericNormaliser;
}

function otherAuthEvent(type: string): Normaliser {
  const suffix = suffixOutcome(type);
  return (view) => ({
    ...genericNormaliser(view),
    actor: actorOf(view, fieldOf(view.data, 'userId')),
    outcome: suffix ?? statedOutcome(view.data, 'unknown'),
  });
}

function suffixOutcome(type: string): AuditOutcome | null {
  if (/_(failed|failure|denied|rejected)$/.test(type)) return 'failure';
  if (/_(succeeded|success|completed)$/.test(type)) return 'success';
  return null;
}
