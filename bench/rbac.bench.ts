/**
 * Warden's RBAC engine against casbin and CASL on one seeded policy: 50 tenants × 20 roles
 * (4-level inheritance chains, 10 permissions each, role names repeated across tenants) ×
 * 1,000 users with 1–3 roles; 10,000 queries (50% granted, 25% same-tenant misses, 15%
 * cross-tenant, 10% unknown user/resource/tenant). Every engine must give the reference's
 * answer to every query, or its case fails. Method and results: docs/benchmarks.md.
 *
 * The workload lives in `bench/rbac/` (workload.ts, subjects.ts) so service-level cases
 * (checks with emission to the bus, assignments through the service on SQLite) can reuse it.
 */
import { formatValue } from './lib/report.js';
import type { Benchmark, Check, Metrics } from './lib/types.js';
import { changeCases } from './rbac/change-cases.js';
import { checkCases } from './rbac/check-cases.js';
import { serviceCases } from './rbac/service-cases.js';

/** The targets (single-threaded, engine only). */
const TARGET_WARM_PER_SEC = 1_000_000;
const TARGET_COLD_PER_SEC = 50_000;
const TARGET_WHO_HOLDS_MS = 10;
/** Service level: checks with every decision emitted, and an assignment or revocation. */
const TARGET_EMITTING_PER_SEC = 200_000;
const TARGET_ASSIGN_US = 1000;

function ratio(a: number | undefined, b: number | undefined): string {
  if (a === undefined || b === undefined || b === 0) return '–';
  const r = a / b;
  return r >= 10 ? `${r.toFixed(0)}×` : `${r.toFixed(2)}×`;
}

// Against the CPU-time rate: single-threaded throughput, not time spent waiting for a CPU.
function rateCheck(measured: ReadonlyMap<string, Metrics>, name: string, target: number): Check[] {
  const rate = measured.get(name)?.['checksPerCpuSec'];
  if (rate === undefined) return [];
  return [
    {
      name: `${name} checks per CPU-second (wall-clock rate in the table)`,
      target: `>= ${formatValue(target, 'rate')}`,
      actual: formatValue(rate, 'rate'),
      pass: rate >= target,
    },
  ];
}

function summarize(measured: ReadonlyMap<string, Metrics>) {
  const get = (name: string, key: string) => measured.get(name)?.[key];
  const checks: Check[] = [
    ...rateCheck(measured, 'warden-warm', TARGET_WARM_PER_SEC),
    ...rateCheck(measured, 'warden-cold', TARGET_COLD_PER_SEC),
  ];
  const whoHolds = get('warden-who-holds', 'cpup99Us');
  if (whoHolds !== undefined) {
    checks.push({
      name: 'warden-who-holds p99 CPU time per query, 1,000 users per tenant (wall-clock in the table)',
      target: `< ${TARGET_WHO_HOLDS_MS} ms`,
      actual: formatValue(whoHolds, 'micros'),
      pass: whoHolds < TARGET_WHO_HOLDS_MS * 1000,
    });
  }
  checks.push(...rateCheck(measured, 'service-checks-emitting', TARGET_EMITTING_PER_SEC));
  const assign = measured.get('service-assign');
  if (assign !== undefined) {
    const worst = Math.max(assign['addp50Us'] ?? Infinity, assign['removep50Us'] ?? Infinity);
    checks.push({
      name: 'service-assign: assignment and revocation p50 (SQLite, audited)',
      target: `< ${formatValue(TARGET_ASSIGN_US, 'micros')}`,
      actual: formatValue(worst, 'micros'),
      pass: worst < TARGET_ASSIGN_US,
    });
  }
  const answered = [...measured].filter(([, m]) => m['mismatches'] !== undefined);
  checks.push({
    name: 'every engine gave the reference answer to every query it was asked',
    target: '0 mismatches',
    actual: `${answered.length} cases, 0 mismatches (a mismatch fails its case)`,
    pass: answered.every(([, m]) => m['mismatches'] === 0),
  });
  const warm = get('warden-warm', 'checksPerCpuSec');
  const heap = get('warden-warm', 'heapBytes');
  const notes = [
    `warm checks per CPU-second: Warden / casbin per tenant ${ratio(warm, get('casbin-per-tenant', 'checksPerCpuSec'))}, / casbin with domains ${ratio(warm, get('casbin-domains', 'checksPerCpuSec'))}, / CASL ${ratio(warm, get('casl-warm', 'checksPerCpuSec'))}`,
    `cold checks per CPU-second: Warden / CASL (ability built per check) ${ratio(get('warden-cold', 'checksPerCpuSec'), get('casl-cold', 'checksPerCpuSec'))}`,
    `heap held: casbin per tenant / Warden ${ratio(get('casbin-per-tenant', 'heapBytes'), heap)}, casbin with domains / Warden ${ratio(get('casbin-domains', 'heapBytes'), heap)}, CASL / Warden ${ratio(get('casl-warm', 'heapBytes'), heap)}`,
    `assignment p50: casbin per tenant / Warden ${ratio(get('casbin-assign', 'addp50Us'), get('warden-assign', 'addp50Us'))}, casbin with domains / Warden ${ratio(get('casbin-domains-assign', 'addp50Us'), get('warden-assign', 'addp50Us'))}; revocation p50: ${ratio(get('casbin-assign', 'removep50Us'), get('warden-assign', 'removep50Us'))}, ${ratio(get('casbin-domains-assign', 'removep50Us'), get('warden-assign', 'removep50Us'))}`,
    `who-holds p50: casbin per tenant / Warden ${ratio(get('casbin-who-holds', 'p50Us'), get('warden-who-holds', 'p50Us'))}, casbin with domains / Warden ${ratio(get('casbin-domains-who-holds', 'p50Us'), get('warden-who-holds', 'p50Us'))}, CASL scan / Warden ${ratio(get('casl-who-holds', 'p50Us'), get('warden-who-holds', 'p50Us'))}`,
  ];
  return { notes, checks };
}

export const benchmark: Benchmark = {
  name: 'rbac',
  description:
    'RBAC engine: Warden TenantPolicy vs casbin and CASL, 50 tenants × 1,000 users, engine only',
  columns: [
    { key: 'checksPerSec', label: 'checks/s', format: 'rate', spread: true },
    { key: 'checksPerCpuSec', label: 'per CPU-s', format: 'rate' },
    { key: 'queries', label: 'queries', format: 'count' },
    { key: 'heapBytes', label: 'heap held', format: 'mebibytes' },
    { key: 'buildMs', label: 'load', format: 'millis' },
    { key: 'addp50Us', label: 'assign p50', format: 'micros' },
    { key: 'addp99Us', label: 'assign p99', format: 'micros' },
    { key: 'removep50Us', label: 'revoke p50', format: 'micros' },
    { key: 'removep99Us', label: 'revoke p99', format: 'micros' },
    { key: 'p50Us', label: 'who p50', format: 'micros' },
    { key: 'p99Us', label: 'who p99', format: 'micros' },
    { key: 'maxUs', label: 'who max', format: 'micros' },
    { key: 'cpup99Us', label: 'who p99 CPU', format: 'micros' },
    { key: 'peakRssBytes', label: 'peak RSS', format: 'mebibytes' },
  ],
  cases: [...checkCases, ...changeCases, ...serviceCases],
  summarize,
};
