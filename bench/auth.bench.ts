/**
 * The auth service (issue 7): access-token verifications per second through
 * `AuthService.verifyAccessToken` (with and without the verified-token cache) beside a plain
 * `jose` jwtVerify loop as the ceiling of signature checking, and login latency at the default
 * argon2id cost (right password, and unknown user for the equal-time check). SQLite store,
 * one process, each call awaited. Method and results: docs/benchmarks.md, "auth".
 */
import { formatValue } from './lib/report.js';
import type { Benchmark, Check, Metrics } from './lib/types.js';
import { loginCases, verifyCases } from './auth/cases.js';

/** The target: verifications per second on one core. */
const TARGET_VERIFY_PER_SEC = 50_000;

function ratio(a: number | undefined, b: number | undefined): string {
  if (a === undefined || b === undefined || b === 0) return '–';
  return `${(a / b).toFixed(2)}×`;
}

function summarize(measured: ReadonlyMap<string, Metrics>) {
  const get = (name: string, key: string) => measured.get(name)?.[key];
  const checks: Check[] = [];
  const rate = get('verify-warden', 'verifyPerCpuSec');
  if (rate !== undefined)
    checks.push({
      name: 'verify-warden verifications per CPU-second (one core)',
      target: `>= ${formatValue(TARGET_VERIFY_PER_SEC, 'rate')}`,
      actual: formatValue(rate, 'rate'),
      pass: rate >= TARGET_VERIFY_PER_SEC,
    });
  const known = get('login', 'loginP50Ms');
  const unknown = get('login-unknown-user', 'loginP50Ms');
  if (known !== undefined && unknown !== undefined)
    checks.push({
      name: 'unknown-user login p50 within 50% of a real login p50 (no enumeration by timing)',
      target: '0.5× to 1.5×',
      actual: ratio(unknown, known),
      pass: unknown / known >= 0.5 && unknown / known <= 1.5,
    });
  const notes = [
    `per CPU-second: Warden (cached) / jose ceiling ${ratio(rate, get('verify-jose', 'verifyPerCpuSec'))}; Warden without cache / jose ${ratio(get('verify-warden-no-cache', 'verifyPerCpuSec'), get('verify-jose', 'verifyPerCpuSec'))}`,
  ];
  return { notes, checks };
}

export const benchmark: Benchmark = {
  name: 'auth',
  description:
    'Auth service: access-token verification vs plain jose, login latency at default argon2id',
  columns: [
    { key: 'verifyPerSec', label: 'verify/s', format: 'rate', spread: true },
    { key: 'verifyPerCpuSec', label: 'per CPU-s', format: 'rate' },
    { key: 'loginP50Ms', label: 'login p50', format: 'millis' },
    { key: 'loginP99Ms', label: 'login p99', format: 'millis' },
    { key: 'loginMaxMs', label: 'login max', format: 'millis' },
    { key: 'peakRssBytes', label: 'peak RSS', format: 'mebibytes' },
  ],
  cases: [...verifyCases, ...loginCases],
  summarize,
};
