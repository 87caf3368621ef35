import type { AuditOutcome, AuditRecord } from '../record.js';

/**
 * What a live view or a query selects among one tenant's audit records. Every given field must
 * match (AND); an absent field, or an empty `types`, matches everything. Values are compared
 * exactly, except `types` and `text`. The store's query (`AuditQuery`) has the same fields and
 * meaning, so a live view and a search over the same filter show the same records.
 */
export interface AuditFilter {
  /** Actions: exact (`rbac.role_change`) or a prefix ending in `.` (`auth.` matches `auth.logout`). */
  readonly types?: readonly string[];
  /** `actor.userId`. */
  readonly actor?: string;
  /** `target.resource`. */
  readonly resource?: string;
  /** `target.resourceId`. */
  readonly resourceId?: string;
  readonly outcome?: AuditOutcome;
  readonly correlationId?: string;
  readonly entityId?: string;
  /** A case-insensitive substring of the payload's JSON. */
  readonly text?: string;
}

/** Whether `action` is one of `types` (exact, or under a prefix ending in `.`); an empty list matches all. */
export function matchesTypes(action: string, types: readonly string[]): boolean {
  if (types.length === 0) return true;
  return types.some((type) => (type.endsWith('.') ? action.startsWith(type) : action === type));
}

/** Whether `record` passes every field of `filter` (docs/audit.md, "Filters"). */
export function matchesFilter(record: AuditRecord, filter: AuditFilter): boolean {
  return (
    (filter.types === undefined || matchesTypes(record.action, filter.types)) &&
    equalOrAbsent(filter.actor, record.actor.userId) &&
    equalOrAbsent(filter.resource, record.target.resource) &&
    equalOrAbsent(filter.resourceId, record.target.resourceId) &&
    equalOrAbsent(filter.outcome, record.outcome) &&
    equalOrAbsent(filter.correlationId, record.correlationId) &&
    equalOrAbsent(filter.entityId, record.entityId) &&
    (filter.text === undefined || payloadText(record).includes(filter.text.toLowerCase()))
  );
}

function equalOrAbsent(wanted: string | undefined, actual: string | null): boolean {
  return wanted === undefined || wanted === actual;
}

/** Lowercased payload JSON per record, so many watchers with a text filter encode it once. */
const payloadTexts = new WeakMap<AuditRecord, string>();

function payloadText(record: AuditRecord): string {
  let text = payloadTexts.get(record);
  if (text === undefined) {
    text = (JSON.stringify(record.payload) as string | undefined)?.toLowerCase() ?? '';
    payloadTexts.set(record, text);
  }
  return text;
}
