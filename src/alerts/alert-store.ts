import type { Kysely } from 'kysely';
import type { Clock } from '../shared/clock.js';
import {
  readEpochMs,
  readJson,
  readOptionalEpochMs,
  scopeToTenant,
  tenantRow,
  withTables,
} from '../storage/index.js';
import type { Database } from '../storage/index.js';
import type { RaisedAlert } from './alert-engine.js';
import type { AlertTables } from './alert-tables.js';
import { ALERT_ERROR_CODES, AlertError, issuesError } from './errors.js';
import type { AlertIssue } from './errors.js';
import { SEVERITIES } from './rules.js';
import type { Severity } from './rules.js';

/** Whether someone has looked at an alert. */
export const ALERT_STATUSES = ['open', 'acknowledged'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

/** An alert as stored: the raised alert plus its acknowledgement. */
export interface StoredAlert extends RaisedAlert {
  readonly status: AlertStatus;
  readonly acknowledgedBy?: string;
  readonly acknowledgedAt?: number;
}

/** Filters of {@link AlertStore.list}; all narrow the result. */
export interface AlertQuery {
  readonly status?: AlertStatus;
  readonly severities?: readonly Severity[];
  readonly ruleId?: string;
  /** Raised at or after (epoch ms). */
  readonly since?: number;
  /** Raised before (epoch ms). */
  readonly until?: number;
  /** 1 to 500; default 50. */
  readonly limit?: number;
  /** `nextCursor` of the previous page. */
  readonly cursor?: string;
}

export interface AlertPage {
  /** Newest first. */
  readonly alerts: readonly StoredAlert[];
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  readonly nextCursor: string | null;
}

type Db = Kysely<AlertTables>;
type Row = AlertTables['warden_alerts'];
const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 500;

/**
 * Tenant-scoped alert storage on SQLite or PostgreSQL: every call takes the tenant and every
 * statement filters on it, so an id of another tenant's alert is simply not found.
 */
export class AlertStore {
  readonly #db: Db;
  readonly #clock: Clock;

  constructor(database: Database, clock: Clock) {
    this.#db = withTables<AlertTables>(database);
    this.#clock = clock;
  }

  /** Stores a raised alert as `open`. Idempotent: a redelivered alert (same id) is kept once. */
  async insert(alert: RaisedAlert): Promise<void> {
    await this.#db
      .insertInto('warden_alerts')
      .values(tenantRow(alert.tenantId, toRow(alert)))
      .onConflict((oc) => oc.columns(['tenant_id', 'id']).doNothing())
      .execute();
  }

  /** @throws AlertError `ALERT_NOT_FOUND` when the tenant has no such alert. */
  async get(tenantId: string, alertId: string): Promise<StoredAlert> {
    const row = await scopeToTenant(this.#db.selectFrom('warden_alerts').selectAll(), tenantId)
      .where('id', '=', alertId)
      .executeTakeFirst();
    if (row === undefined) throw notFound(alertId);
    return fromRow(row);
  }

  /**
   * The tenant's alerts, newest first, in keyset pages.
   * @throws AlertError `ALERT_QUERY_INVALID` listing every bad filter (or an unknown cursor).
   */
  async list(tenantId: string, query: AlertQuery = {}): Promise<AlertPage> {
    const limit = checkQuery(query);
    let select = scopeToTenant(this.#db.selectFrom('warden_alerts').selectAll(), tenantId);
    if (query.status !== undefined) select = select.where('status', '=', query.status);
    if (query.severities !== undefined && query.severities.length > 0)
      select = select.where('severity', 'in', [...query.severities]);
    if (query.ruleId !== undefined) select = select.where('rule_id', '=', query.ruleId);
    if (query.since !== undefined) select = select.where('raised_at', '>=', query.since);
    if (query.until !== undefined) select = select.where('raised_at', '<', query.until);
    if (query.cursor !== undefined) {
      const after = decodeCursor(query.cursor);
      select = select.where((eb) =>
        eb.or([
          eb('raised_at', '<', after.raisedAt),
          eb.and([eb('raised_at', '=', after.raisedAt), eb('id', '<', after.id)]),
        ]),
      );
    }
    const rows = await select
      .orderBy('raised_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute();
    const alerts = rows.slice(0, limit).map(fromRow);
    const last = alerts[alerts.length - 1];
    const nextCursor =
      rows.length > limit && last !== undefined ? encodeCursor(last.raisedAt, last.id) : null;
    return { alerts, nextCursor };
  }

  /**
   * Marks the alert acknowledged by `userId` now. Acknowledging twice keeps the first
   * acknowledgement and returns it.
   * @throws AlertError `ALERT_NOT_FOUND` when the tenant has no such alert.
   */
  async acknowledge(tenantId: string, alertId: string, userId: string): Promise<StoredAlert> {
    await scopeToTenant(this.#db.updateTable('warden_alerts'), tenantId)
      .set({ status: 'acknowledged', acknowledged_by: userId, acknowledged_at: this.#clock.now() })
      .where('id', '=', alertId)
      .where('status', '=', 'open')
      .execute();
    return this.get(tenantId, alertId);
  }
}

function toRow(alert: RaisedAlert): Omit<Row, 'tenant_id'> {
  return {
    id: alert.id,
    rule_id: alert.ruleId,
    rule_kind: alert.ruleKind,
    severity: alert.severity,
    title: alert.title,
    description: alert.description,
    group_key: alert.groupKey,
    group_json: JSON.stringify(alert.group),
    event_ids_json: JSON.stringify(alert.eventIds),
    event_count: alert.count,
    first_event_at: alert.firstEventAt,
    last_event_at: alert.lastEventAt,
    raised_at: alert.raisedAt,
    status: 'open',
    acknowledged_by: null,
    acknowledged_at: null,
  };
}

function fromRow(row: Row): StoredAlert {
  const acknowledgedAt = readOptionalEpochMs(row.acknowledged_at);
  return Object.freeze({
    id: row.id,
    tenantId: row.tenant_id,
    ruleId: row.rule_id,
    ruleKind: row.rule_kind === 'sequence' ? 'sequence' : 'threshold',
    severity: row.severity as Severity,
    title: row.title,
    description: row.description,
    groupKey: row.group_key,
    group: readJson(row.group_json) as Record<string, string>,
    eventIds: readJson(row.event_ids_json) as string[],
    count: row.event_count,
    firstEventAt: readEpochMs(row.first_event_at),
    lastEventAt: readEpochMs(row.last_event_at),
    raisedAt: readEpochMs(row.raised_at),
    status: row.status === 'acknowledged' ? 'acknowledged' : 'open',
    ...(row.acknowledged_by === null ? {} : { acknowledgedBy: row.acknowledged_by }),
    ...(acknowledgedAt === undefined ? {} : { acknowledgedAt }),
  });
}

function checkQuery(query: AlertQuery): number {
  const issues: AlertIssue[] = [];
  const limit = query.limit ?? DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT)
    issues.push({ path: 'limit', reason: `must be an integer from 1 to ${MAX_LIMIT}` });
  if (query.status !== undefined && !ALERT_STATUSES.includes(query.status))
    issues.push({ path: 'status', reason: 'must be "open" or "acknowledged"' });
  (query.severities ?? []).forEach((s, i) => {
    if (!SEVERITIES.includes(s))
      issues.push({ path: `severities.${i}`, reason: 'unknown severity' });
  });
  for (const key of ['since', 'until'] as const) {
    const value = query[key];
    if (value !== undefined && !Number.isSafeInteger(value))
      issues.push({ path: key, reason: 'must be epoch milliseconds' });
  }
  if (issues.length > 0)
    throw issuesError(ALERT_ERROR_CODES.ALERT_QUERY_INVALID, 'invalid alert query', issues);
  return limit;
}

function encodeCursor(raisedAt: number, id: string): string {
  return Buffer.from(`${raisedAt}:${id}`).toString('base64url');
}

function decodeCursor(cursor: string): { raisedAt: number; id: string } {
  const match = /^(\d{1,16}):(alr_[0-9a-f]{32})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (match === null) {
    throw issuesError(ALERT_ERROR_CODES.ALERT_QUERY_INVALID, 'invalid alert query', [
      { path: 'cursor', reason: 'is not a cursor this store issued' },
    ]);
  }
  return { raisedAt: Number(match[1]), id: match[2] as string };
}

function notFound(alertId: string): AlertError {
  return new AlertError(ALERT_ERROR_CODES.ALERT_NOT_FOUND, 'no such alert in this tenant', {
    details: { alertId: alertId.slice(0, 128) },
  });
}
