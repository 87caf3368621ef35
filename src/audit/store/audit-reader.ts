import { sql } from 'kysely';
import type { Dialect } from '../../storage/index.js';
import { readEpochMs } from '../../storage/index.js';
import { AuditError } from '../errors.js';
import type { StoredAuditRecord } from '../record.js';
import { applyFilters, encodeCursor, resolveQuery } from './audit-query.js';
import type { AuditDb, AuditQuery, QueryBounds } from './audit-query.js';
import { rowToRecord } from './audit-rows.js';

export interface AuditPage {
  readonly records: readonly StoredAuditRecord[];
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  readonly nextCursor: string | null;
}

export const AGGREGATE_GROUPS = ['action', 'outcome'] as const;
export type AggregateGroup = (typeof AGGREGATE_GROUPS)[number];

export interface AggregateOptions extends Omit<AuditQuery, 'limit' | 'cursor'> {
  /** Bucket width in ms (at least 1,000; at most 10,000 buckets per query). */
  readonly bucketMs: number;
  readonly groupBy: AggregateGroup;
}

export interface AggregateBucket {
  /** Start of the bucket, epoch ms. */
  readonly bucket: number;
  readonly key: string;
  readonly count: number;
}

const MAX_BUCKETS = 10_000;
const MAX_TRACE = 1_000;

/** Tenant-scoped reads of the audit store: search pages, chart buckets, correlation traces. */
export class AuditReader {
  readonly #db: AuditDb;
  readonly #dialect: Dialect;
  readonly #bounds: QueryBounds;

  constructor(db: AuditDb, dialect: Dialect, bounds: QueryBounds) {
    this.#db = db;
    this.#dialect = dialect;
    this.#bounds = bounds;
  }

  /** Newest first (event time, then sequence), one page, keyset-paginated. */
  async query(tenantId: string, query: AuditQuery, now: number): Promise<AuditPage> {
    const q = resolveQuery(query, now, this.#bounds);
    const rows = await applyFilters(
      this.#db.selectFrom('audit_records').selectAll(),
      tenantId,
      q,
      this.#dialect,
    )
      .orderBy('time_ms', 'desc')
      .orderBy('seq', 'desc')
      .limit(q.limit + 1)
      .execute();
    const page = rows.slice(0, q.limit);
    const last = page.at(-1);
    const nextCursor =
      rows.length > q.limit && last !== undefined
        ? encodeCursor(readEpochMs(last.time_ms), readEpochMs(last.seq))
        : null;
    return { records: page.map(rowToRecord), nextCursor };
  }

  /** Counts per time bucket, grouped by type or outcome, for charts. */
  async aggregate(
    tenantId: string,
    options: AggregateOptions,
    now: number,
  ): Promise<readonly AggregateBucket[]> {
    const q = resolveQuery({ ...options, limit: 1 }, now, this.#bounds);
    const { bucketMs, groupBy } = options;
    if (
      !Number.isSafeInteger(bucketMs) ||
      bucketMs < 1_000 ||
      (q.to - q.from) / bucketMs > MAX_BUCKETS
    ) {
      throw new AuditError(
        'AUDIT_QUERY_INVALID',
        `bucketMs must be an integer >= 1000 giving at most ${String(MAX_BUCKETS)} buckets`,
      );
    }
    if (!AGGREGATE_GROUPS.includes(groupBy)) {
      throw new AuditError(
        'AUDIT_QUERY_INVALID',
        `groupBy must be one of ${AGGREGATE_GROUPS.join(', ')}`,
      );
    }
    // Integer division on both dialects (BIGINT / BIGINT truncates): the bucket's start.
    const width = sql.lit(bucketMs); // validated integer: a literal keeps SELECT and GROUP BY identical
    const bucket = sql<number | string>`CAST(time_ms / ${width} AS BIGINT) * ${width}`;
    const rows = await applyFilters(
      this.#db.selectFrom('audit_records'),
      tenantId,
      q,
      this.#dialect,
    )
      .select([
        bucket.as('bucket'),
        sql<string>`${sql.ref(groupBy)}`.as('key'),
        (eb) => eb.fn.countAll<number | string>().as('count'),
      ])
      .groupBy([bucket, sql.ref(groupBy)])
      .orderBy('bucket')
      .orderBy('key')
      .execute();
    return rows.map((r) => ({
      bucket: readEpochMs(r.bucket),
      key: r.key,
      count: readEpochMs(r.count),
    }));
  }

  /** Every record sharing a correlation id, in the order they were stored (at most 1,000). */
  async trace(tenantId: string, correlationId: string): Promise<readonly StoredAuditRecord[]> {
    if (
      typeof correlationId !== 'string' ||
      correlationId.length === 0 ||
      correlationId.length > 256
    ) {
      throw new AuditError(
        'AUDIT_QUERY_INVALID',
        'correlationId must be a string of 1 to 256 characters',
      );
    }
    const rows = await this.#db
      .selectFrom('audit_records')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('correlation_id', '=', correlationId)
      .orderBy('seq')
      .limit(MAX_TRACE)
      .execute();
    return rows.map(rowToRecord);
  }
}
