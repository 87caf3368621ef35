import { LatencyHistogram } from '../lib/histogram.js';
import { collectGarbage } from '../lib/process-probes.js';
import type { Query } from './workload.js';

/** How long a timed check loop runs at least (times the run's scale), after one full pass. */
const MIN_TIMED_MS = 2000;

/** Heap in use after a full GC. */
export function heapAfterGc(): number {
  collectGarbage();
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

/**
 * Builds a subject and reports the heap it holds (after GC, measured from just before the
 * build) and how long the build took. The subject stays referenced by the caller.
 */
export async function built<T>(
  build: () => T | Promise<T>,
): Promise<{ subject: T; heapBytes: number; buildMs: number }> {
  const before = heapAfterGc();
  const start = performance.now();
  const subject = await build();
  const buildMs = performance.now() - start;
  return { subject, heapBytes: heapAfterGc() - before, buildMs };
}

/** Answers every query once; throws when any answer differs from the expected one. */
export function verify(
  queries: readonly Query[],
  check: (q: Query) => boolean,
  label: string,
): void {
  const wrong = queries.filter((q) => check(q) !== q.expected);
  if (wrong.length === 0) return;
  const first = wrong[0];
  throw new Error(
    `${label} gave ${wrong.length} answers out of ${queries.length} that differ from the reference; first: ${JSON.stringify(first)}`,
  );
}

/**
 * Checks per second: full passes over `queries` until `MIN_TIMED_MS × scale` has elapsed (at
 * least one pass). Granted answers are counted so the loop cannot be optimised away.
 */
export function checkRate(queries: readonly Query[], check: (q: Query) => boolean, scale: number) {
  const minMs = MIN_TIMED_MS * scale;
  let checks = 0;
  let granted = 0;
  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  let elapsed = 0;
  do {
    for (let i = 0; i < queries.length; i++) if (check(queries[i] as Query)) granted++;
    checks += queries.length;
    elapsed = performance.now() - start;
  } while (elapsed < minMs);
  const cpu = process.cpuUsage(cpuBefore);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  return {
    checks,
    checksPerSec: (checks / elapsed) * 1000,
    // On a shared machine the wall-clock rate counts time the process waited for a CPU.
    checksPerCpuSec: (checks / cpuMs) * 1000,
    cpuShare: cpuMs / elapsed,
    grantedShare: granted / checks,
  };
}

/** A latency recorder in microseconds. */
export class Latencies {
  readonly #histogram = new LatencyHistogram();

  /** Times one call (sync or async) and records it. */
  async time<T>(fn: () => T | Promise<T>): Promise<T> {
    const start = process.hrtime.bigint();
    const result = await fn();
    this.#histogram.record(Number(process.hrtime.bigint() - start));
    return result;
  }

  timeSync<T>(fn: () => T): T {
    const start = process.hrtime.bigint();
    const result = fn();
    this.#histogram.record(Number(process.hrtime.bigint() - start));
    return result;
  }

  /** p50, p99, p99.9 and max in µs, keys prefixed with `prefix` (`addp99Us`). */
  summary(prefix = ''): Record<string, number> {
    return this.#histogram.summary(prefix);
  }
}
