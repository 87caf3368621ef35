import type { BaseEvent } from '../../events/index.js';
import type { AuditRecord } from '../record.js';
import { PLATFORM_TENANT_ID } from '../record.js';
import { MAX_CORRELATION_ID_LENGTH, firstText, textOf } from './fields.js';
import { normaliserOf } from './known-types.js';
import { genericNormaliser, viewOf } from './source-view.js';
import type { Normalised, SourceView } from './source-view.js';
import { redactSecrets } from './redact.js';

/**
 * Turns a bus event into an audit record (docs/audit.md, "Normalisation").
 *
 * Known types (`rbac.*`, `auth.*`, the bus's `system.*`) have a mapping of actor, target and
 * outcome; every other type is recorded generically (actor from `metadata.user`, outcome from
 * `data.outcome` / `success` / `granted`, else `unknown`), never dropped. The payload is
 * untrusted: a field of the wrong type reads as null. Tenant = `metadata.tenantId`, else
 * `PLATFORM_TENANT_ID`. The payload is kept with secret-named fields redacted (`redactSecrets`).
 *
 * Never throws.
 *
 * @param channel the channel the event came from (`security`, `rbac`, `system`).
 * @param newId makes the record's id (a UUIDv7 generator).
 */
export function normaliseEvent(
  event: BaseEvent,
  channel: string,
  newId: () => string,
): AuditRecord {
  const view = viewOf(event);
  const { actor, target, outcome, entityId } = normalised(view);
  const { metadata } = view;
  return {
    id: newId(),
    // No length cap: a long tenant id must never turn into the platform's.
    tenantId: textOf(metadata?.['tenantId'], Number.MAX_SAFE_INTEGER) ?? PLATFORM_TENANT_ID,
    action: event.type,
    actor,
    target,
    outcome,
    entityId,
    correlationId: correlationOf(view),
    source: event.source,
    time: event.time,
    sourceEventId: event.id,
    sourceChannel: channel,
    payload: payloadOf(view.data),
  };
}

/** A payload the walk cannot read (a throwing getter or proxy: never on the bus, which takes JSON). */
export const UNREADABLE_PAYLOAD = '[UNREADABLE]';

function payloadOf(data: unknown): unknown {
  if (data === undefined) return null;
  try {
    return redactSecrets(data);
  } catch {
    return UNREADABLE_PAYLOAD;
  }
}

function normalised(view: SourceView): Normalised {
  try {
    return normaliserOf(view.event.type)(view);
  } catch {
    // A getter or proxy in a payload can throw; the event is still recorded, generically.
    try {
      return genericNormaliser(view);
    } catch {
      return {
        actor: { userId: null, ip: null, userAgent: null },
        target: { resource: null, resourceId: null },
        outcome: 'unknown',
        entityId: null,
      };
    }
  }
}

function correlationOf(view: SourceView): string | null {
  const top = textOf(view.event.correlationId, MAX_CORRELATION_ID_LENGTH);
  return top ?? firstText(textOf(view.metadata?.['correlationId'], MAX_CORRELATION_ID_LENGTH));
}
