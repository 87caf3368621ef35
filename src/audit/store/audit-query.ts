import { sql } from 'kysely';
import type { Kysely, SelectQueryBuilder } from 'kysely';
import type { Dialect } from '../../storage/index.js';
import { AuditError } from '../errors.js';
import { AUDIT_OUTCOMES } from '../record.js';
import type { AuditFilter } from '../realtime/filter.js';
import type { AuditTables } from './audit-tables.js';

/**
 * An audit query: the live feed's filter (same fields, same meaning) plus a time window and a
 * page. Every query is scoped to one tenant by its caller.
 */
export interface AuditQuery extends AuditFilter {
  /** Epoch ms, inclusive. Default: `to` minus the default window (24 h). */
  readonly from?: number;
  /** Epoch ms, exclusive. Default: just past now. */
  readonly to?: number;
  /** Page size: default 50, at most 500. */
  readonly limit?: number;
  /** From the previous page's `nextCursor`. */
  readonly cursor?: string;
}

export interface QueryBounds {
  readonly defaultWindowMs: number;
  readonly maxWindowMs: number;
  readonly maxLimit: number;
}

export const DEFAULT_QUERY_BOUNDS: QueryBounds = Object.freeze({
  defaultWindowMs: 24 * 3_600_000,
  maxWindowMs: 31 * 24 * 3_600_000,
  maxLimit: 500,
});

const MAX_TYPES = 20;
const MAX_FILTER_LENGTH = 256;

export interface ResolvedQuery extends AuditQuery {
  readonly from: number;
  readonly to: number;
  readonly limit: number;
  readonly after: { readonly timeMs: number; readonly seq: number } | null;
}

/** Checks a query at the boundary and fills in its bounds; every problem in one error. */
export function resolveQuery(query: AuditQuery, now: number, bounds: QueryBounds): ResolvedQuery {
  const problems: string[] = [];
  const to = query.to ?? now + 1; // exclusive: include what happened this millisecond
  const from = query.from ?? to - bounds.defaultWindowMs;
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from >= to) {
    problems.push('from/to must be integer epoch ms with from < to');
  } else if (to - from > bounds.maxWindowMs) {
    problems.push(`the time window is at most ${String(bounds.maxWindowMs)} ms`);
  }
  const limit = query.limit ?? 50;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > bounds.maxLimit) {
    problems.push(`limit must be an integer from 1 to ${String(bounds.maxLimit)}`);
  }
  if (
    query.types !== undefined &&
    (!Array.isArray(query.types) || query.types.length > MAX_TYPES)
  ) {
    problems.push(`types must be an array of at most ${String(MAX_TYPES)} event types`);
  }
  for (const field of [
    'actor',
    'resource',
    'resourceId',
    'correlationId',
    'entityId',
    'text',
  ] as const) {
    const value = query[field];
    if (
      value !== undefined &&
      (typeof value !== 'string' || value.length === 0 || value.length > MAX_FILTER_LENGTH)
    ) {
      problems.push(`${field} must be a string of 1 to ${String(MAX_FILTER_LENGTH)} characters`);
    }
  }
  for (const type of query.types ?? []) {
    if (typeof type !== 'string' || type.length === 0 || type.length > MAX_FILTER_LENGTH) {
      problems.push('each type must be a non-empty string');
      break;
    }
  }
  if (query.outcome !== undefined && !AUDIT_OUTCOMES.includes(query.outcome)) {
    problems.push(`outcome must be one of ${AUDIT_OUTCOMES.join(', ')}`);
  }
  if (problems.length > 0) {
    throw new AuditError('AUDIT_QUERY_INVALID', `invalid audit query: ${problems.join('; ')}`, {
      problems,
    });
  }
  return {
    ...query,
    from,
    to,
    limit,
    after: query.cursor === undefined ? null : decodeCursor(query.cursor),
  };
}

export function encodeCursor(timeMs: number, seq: number): string {
  return Buffer.from(`${String(timeMs)}:${String(seq)}`).toString('base64url');
}

function decodeCursor(cursor: string): { timeMs: number; seq: number } {
  const match =
    typeof cursor === 'string'
      ? /^(\d{1,16}):(\d{1,16})$/.exec(Buffer.from(cursor, 'base64url').toString())
      : null;
  if (match === null)
    throw new AuditError('AUDIT_CURSOR_INVALID', 'the page cursor is not one this store issued');
  return { timeMs: Number(match[1]), seq: Number(match[2]) };
}

type RecordQuery<O> = SelectQueryBuilder<AuditTables, 'audit_records', O>;

/** Escapes LIKE wildcards so user text matches literally (ESCAPE '\'). */
function likePattern(text: string, prefix: boolean): string {
  const escaped = text.replace(/[\\%_]/g, (c) => `\\${c}`);
  return prefix ? `${escaped}%` : `%${escaped}%`;
}

/**
 * Applies every filter of a resolved query to a select on `audit_records` of one tenant.
 * The tenant predicate comes first and is not optional.
 */
export function applyFilters<O>(
  base: RecordQuery<O>,
  tenantId: string,
  q: ResolvedQuery,
  dialect: Dialect,
): RecordQuery<O> {
  let query = base
    .where('tenant_id', '=', tenantId)
    .where('time_ms', '>=', q.from)
    .where('time_ms', '<', q.to);
  if (q.types !== undefined && q.types.length > 0) {
    const types = q.types;
    query = query.where((eb) =>
      eb.or(
        types.map((t) =>
          t.endsWith('.')
            ? sql<boolean>`action LIKE ${likePattern(t, true)} ESCAPE '\\'`
            : eb('action', '=', t),
        ),
      ),
    );
  }
  if (q.actor !== undefined) query = query.where('actor_user', '=', q.actor);
  if (q.resource !== undefined) query = query.where('target_resource', '=', q.resource);
  if (q.resourceId !== undefined) query = query.where('target_resource_id', '=', q.resourceId);
  if (q.outcome !== undefined) query = query.where('outcome', '=', q.outcome);
  if (q.correlationId !== undefined) query = query.where('correlation_id', '=', q.correlationId);
  if (q.entityId !== undefined) query = query.where('entity_id', '=', q.entityId);
  if (q.text !== undefined) {
    const op = dialect === 'postgres' ? sql`ILIKE` : sql`LIKE`;
    query = query.where(sql<boolean>`payload ${op} ${likePattern(q.text, false)} ESCAPE '\\'`);
  }
  if (q.after !== null) {
    const { timeMs, seq } = q.after;
    query = query.where((eb) =>
      eb.or([
        eb('time_ms', '<', timeMs),
        eb.and([eb('time_ms', '=', timeMs), eb('seq', '<', seq)]),
      ]),
    );
  }
  return query;
}

export type AuditDb = Kysely<AuditTables>;
