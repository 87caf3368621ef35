/**
 * Prints the query plans of the typical dashboard queries on SQLite and PostgreSQL over a
 * populated store (`npx tsx bench/audit-store/query-plans.ts [records]`), for docs/audit.md.
 */
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { AuditStore } from '../../src/audit/index.js';
import { applyFilters, resolveQuery } from '../../src/audit/store/audit-query.js';
import { DEFAULT_QUERY_BOUNDS } from '../../src/audit/store/audit-query.js';
import type { AuditQuery, AuditDb } from '../../src/audit/store/audit-query.js';
import type { Dialect } from '../../src/storage/index.js';
import { benchDatabase, benchSigningKey } from './databases.js';
import { benchRecord, benchTenant, seeded } from './populate.js';

const QUERIES: Record<string, AuditQuery> = {
  'tenant + last hour': {},
  '+ type prefix': { types: ['auth.'] },
  '+ actor': { actor: 'user-42' },
  '+ text': { text: 'payroll-7' },
};

async function plans(dialect: Dialect, records: number): Promise<void> {
  const db = await benchDatabase(dialect);
  try {
    const store = await AuditStore.open({ database: db.database, signingKey: benchSigningKey() });
    const random = seeded(3);
    const now = Date.now();
    for (let i = 0; i < records; i += 1000) {
      const batch = [];
      for (let k = i; k < i + 1000; k++)
        batch.push(
          benchRecord(
            benchTenant(k % 50),
            k,
            now - 7 * 86_400_000 + Math.floor((k / records) * 7 * 86_400_000),
            random,
          ),
        );
      await store.append(batch);
    }
    const kysely = db.database.kysely as Kysely<unknown>;
    await sql.raw(dialect === 'postgres' ? 'ANALYZE' : 'ANALYZE').execute(kysely);
    for (const [name, query] of Object.entries(QUERIES)) {
      const q = resolveQuery(
        { ...query, from: now - 3_600_000, to: now + 1 },
        now,
        DEFAULT_QUERY_BOUNDS,
      );
      const compiled = applyFilters(
        (db.database.kysely as AuditDb).selectFrom('audit_records').selectAll(),
        benchTenant(7),
        q,
        dialect,
      )
        .orderBy('time_ms', 'desc')
        .orderBy('seq', 'desc')
        .limit(51)
        .compile();
      const explain = dialect === 'postgres' ? 'EXPLAIN ' : 'EXPLAIN QUERY PLAN ';
      const result = await db.database.kysely.executeQuery({
        ...compiled,
        sql: explain + compiled.sql,
      });
      console.log(`\n[${dialect}] ${name}`);
      for (const row of result.rows as Record<string, unknown>[])
        console.log('  ' + String(row['detail'] ?? row['QUERY PLAN']));
    }
  } finally {
    await db.close();
  }
}

const records = Number(process.argv[2] ?? 100_000);
await plans('sqlite', records);
await plans('postgres', records);
