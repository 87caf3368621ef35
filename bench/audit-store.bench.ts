/**
 * The audit store on SQLite and PostgreSQL: end-to-end ingest (security events until stored
 * and chained), the store's own append rate, dashboard queries over millions of records, and
 * verification. Issue: "Audit logging". Method and results: docs/benchmarks.md.
 */
import { formatValue } from './lib/report.js';
import type { Benchmark, Check, Metrics } from './lib/types.js';
import { appendCase, ingestCase, queryCase } from './audit-store/cases.js';

const TARGET_INGEST_PER_SEC = 50_000;
const TARGET_QUERY_P95_US = 50_000;
const TARGET_VERIFY_PER_SEC = 500_000;
const TARGET_PROOF_US = 1_000;

function summarize(measured: ReadonlyMap<string, Metrics>) {
  const checks: Check[] = [];
  const ingest = measured.get('ingest-sqlite')?.['storedPerSec'];
  if (ingest !== undefined) {
    checks.push({
      name: 'ingest end to end on SQLite',
      target: `>= ${formatValue(TARGET_INGEST_PER_SEC, 'rate')}`,
      actual: formatValue(ingest, 'rate'),
      pass: ingest >= TARGET_INGEST_PER_SEC,
    });
  }
  for (const dialect of ['sqlite', 'postgres']) {
    const m = measured.get(`query-${dialect}`);
    if (m === undefined) continue;
    const p95 = m['p95Us'] ?? Number.POSITIVE_INFINITY;
    checks.push({
      name: `dashboard query p95 on ${dialect} (${String(m['events'])} records)`,
      target: '< 50 ms',
      actual: formatValue(p95, 'micros'),
      pass: p95 < TARGET_QUERY_P95_US,
    });
    const proof = m['proofP95Us'] ?? Number.POSITIVE_INFINITY;
    checks.push({
      name: `inclusion proof p95 on ${dialect} (${String(m['events'])} records)`,
      target: '< 1 ms',
      actual: formatValue(proof, 'micros'),
      pass: proof < TARGET_PROOF_US,
    });
    const verify = m['verifyPerSec'] ?? 0;
    checks.push({
      name: `verify on ${dialect}`,
      target: `>= ${formatValue(TARGET_VERIFY_PER_SEC, 'rate')}`,
      actual: formatValue(verify, 'rate'),
      pass: verify >= TARGET_VERIFY_PER_SEC,
    });
  }
  return { notes: [], checks };
}

export const benchmark: Benchmark = {
  name: 'audit-store',
  description: 'Audit store: ingest, append, dashboard queries and verify on SQLite and PostgreSQL',
  columns: [
    { key: 'events', label: 'records', format: 'count' },
    { key: 'storedPerSec', label: 'stored/s', format: 'rate', spread: true },
    { key: 'storedPerCpuSec', label: 'per CPU-s', format: 'rate' },
    { key: 'populatePerSec', label: 'populate/s', format: 'rate' },
    { key: 'last-hourP95Us', label: 'last hour p95', format: 'micros' },
    { key: 'type-prefixP95Us', label: '+type p95', format: 'micros' },
    { key: 'actorP95Us', label: '+actor p95', format: 'micros' },
    { key: 'textP95Us', label: '+text p95', format: 'micros' },
    { key: 'proofP95Us', label: 'proof p95', format: 'micros' },
    { key: 'proofCheckP95Us', label: 'check p95', format: 'micros' },
    { key: 'verifyPerSec', label: 'verify/s', format: 'rate' },
    { key: 'verifyPerCpuSec', label: 'verify/CPU-s', format: 'rate' },
  ],
  cases: [
    ingestCase('sqlite', 200_000),
    ingestCase('postgres', 200_000),
    appendCase('sqlite', 200_000),
    appendCase('postgres', 200_000),
    queryCase('sqlite', 5_000_000),
    queryCase('postgres', 5_000_000),
  ],
  summarize,
};
