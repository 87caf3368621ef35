/**
 * The audit log's integrity primitives (src/audit/integrity): chain verification and record
 * hashing throughput over 1,000,000 seeded records with ~400-byte payloads, and inclusion and
 * consistency proof latency over a 5,000,000-leaf tree whose nodes from level 8 up are
 * "stored" (in memory, as the audit store persists them). The peer, CloudTrail's chain of
 * signed digests, cannot run here; the naive alternative (re-hashing the chain to check one
 * record) is computed from the measured verify rate. Method: docs/benchmarks.md.
 */
import {
  asRows,
  measureConsistency,
  measureHashing,
  measureInclusion,
  measureVerify,
} from './audit/measure.js';
import { generateChain } from './audit/records.js';
import { buildTreeStore } from './audit/tree-store.js';
import { formatValue } from './lib/report.js';
import type { BenchCase, BenchOptions, Benchmark, Check, Metrics } from './lib/types.js';

const RECORDS = 1_000_000;
const TREE_LEAVES = 5_000_000;
const STRIDE = 8;
const PROOFS = 20_000;
const WARMUP_PROOFS = 1_000;
/** Passes over the records: the first warms up, the best of the others counts. */
const PASSES = 3;
/** The targets. */
const MIN_VERIFY_PER_SEC = 500_000;
const MAX_PROOF_US = 1000;

const scaled = (count: number, options: BenchOptions) => Math.round(count * options.scale);
const count = (n: number) => n.toLocaleString('en-US');

function recordsNote(records: number, seconds: number): string {
  return `${count(records)} records generated and hashed in ${seconds.toFixed(1)} s (setup, not measured)`;
}

function verifyCase(name: string, rows: boolean): BenchCase {
  const form = rows ? 'rows (payload kept as canonical JSON text)' : 'records (payload parsed)';
  return {
    name,
    description: `ChainVerifier over ${count(RECORDS)} ${form}, from genesis`,
    run(options) {
      const started = performance.now();
      const records = generateChain(scaled(RECORDS, options));
      const input = rows ? asRows(records) : records;
      const setup = recordsNote(records.length, (performance.now() - started) / 1000);
      return Promise.resolve({ metrics: measureVerify(input, PASSES), notes: [setup] });
    },
  };
}

const hashCase: BenchCase = {
  name: 'hash-records',
  description: `hashRecord (canonical JSON + leaf hash + chain hash) over ${count(RECORDS)} records`,
  run(options) {
    const records = generateChain(scaled(RECORDS, options));
    const bytes = records.reduce((sum, r) => sum + Buffer.byteLength(JSON.stringify(r)), 0);
    const metrics = measureHashing(records, PASSES);
    const note = `records average ${Math.round(bytes / records.length)} bytes as JSON`;
    return Promise.resolve({ metrics, notes: [note] });
  },
};

function proofCase(name: string, kind: 'inclusion' | 'consistency'): BenchCase {
  return {
    name,
    description: `${count(PROOFS)} ${kind} proofs at ${count(TREE_LEAVES)} leaves, nodes stored from level ${STRIDE}`,
    async run(options) {
      const tree = buildTreeStore(scaled(TREE_LEAVES, options), STRIDE);
      const measure = kind === 'inclusion' ? measureInclusion : measureConsistency;
      await measure(tree, WARMUP_PROOFS);
      const metrics: Metrics = { ...(await measure(tree, PROOFS)), leaves: tree.size };
      const notes = [
        `tree of ${count(tree.size)} leaves built in ${tree.buildSeconds.toFixed(1)} s (${formatValue(tree.size / tree.buildSeconds, 'rate')} appends); ${count(tree.storedNodes)} stored nodes`,
        `check: p50 ${formatValue(metrics['checkp50Us'], 'micros')}, p99 ${formatValue(metrics['checkp99Us'], 'micros')}, max ${formatValue(metrics['checkmaxUs'], 'micros')}`,
      ];
      return { metrics, notes };
    },
  };
}

interface MutableSummary {
  readonly notes: string[];
  readonly checks: Check[];
}

function verifyChecks(measured: ReadonlyMap<string, Metrics>, summary: MutableSummary): void {
  for (const name of ['verify-records', 'verify-rows']) {
    const rate = measured.get(name)?.['verifiedPerSec'];
    if (rate === undefined) continue;
    summary.checks.push({
      name: `${name}: chain verification`,
      target: `>= ${formatValue(MIN_VERIFY_PER_SEC, 'rate')}`,
      actual: formatValue(rate, 'rate'),
      pass: rate >= MIN_VERIFY_PER_SEC,
    });
  }
}

function proofChecks(measured: ReadonlyMap<string, Metrics>, summary: MutableSummary): void {
  for (const name of ['inclusion-5m', 'consistency-5m']) {
    const metrics = measured.get(name);
    if (metrics === undefined) continue;
    for (const step of ['gen', 'check'] as const) {
      const p99 = metrics[`${step}p99Us`];
      if (p99 === undefined) continue;
      summary.checks.push({
        name: `${name}: ${step === 'gen' ? 'generation' : 'check'} p99`,
        target: `< ${formatValue(MAX_PROOF_US, 'micros')}`,
        actual: formatValue(p99, 'micros'),
        pass: p99 < MAX_PROOF_US,
      });
    }
  }
}

/** The naive check of one record: re-hash the chain up to a trusted head, at 5M records. */
function naiveComparison(measured: ReadonlyMap<string, Metrics>, summary: MutableSummary): void {
  const rate = measured.get('verify-records')?.['verifiedPerSec'];
  const inclusion = measured.get('inclusion-5m');
  const gen = inclusion?.['genp50Us'];
  const check = inclusion?.['checkp50Us'];
  if (rate === undefined || gen === undefined || check === undefined) return;
  const naiveUs = (TREE_LEAVES / rate) * 1e6;
  summary.notes.push(
    `naive check of one record at ${count(TREE_LEAVES)} records (re-hash the whole chain, at the measured verify rate): ${formatValue(naiveUs, 'micros')}`,
    `inclusion proof instead: generation + check p50 ${formatValue(gen + check, 'micros')}, ${Math.round(naiveUs / (gen + check)).toLocaleString('en-US')}x faster; the offline check alone ${formatValue(check, 'micros')}, ${Math.round(naiveUs / check).toLocaleString('en-US')}x faster`,
  );
}

function summarize(measured: ReadonlyMap<string, Metrics>): MutableSummary {
  const summary: MutableSummary = { notes: [], checks: [] };
  verifyChecks(measured, summary);
  proofChecks(measured, summary);
  naiveComparison(measured, summary);
  return summary;
}

export const benchmark: Benchmark = {
  name: 'audit-integrity',
  description:
    'audit hash chain, RFC 9162 Merkle proofs and checkpoints (src/audit/integrity), against re-hashing the chain',
  columns: [
    { key: 'records', label: 'records', format: 'count' },
    { key: 'verifiedPerSec', label: 'verified', format: 'rate', spread: true },
    { key: 'hashedPerSec', label: 'hashed', format: 'rate' },
    { key: 'canonicalPerSec', label: 'canonical', format: 'rate' },
    { key: 'genp50Us', label: 'proof p50', format: 'micros' },
    { key: 'genp99Us', label: 'proof p99', format: 'micros' },
    { key: 'checkp50Us', label: 'check p50', format: 'micros' },
    { key: 'checkp99Us', label: 'check p99', format: 'micros' },
    { key: 'peakRssBytes', label: 'peak RSS', format: 'mebibytes' },
  ],
  cases: [
    verifyCase('verify-records', false),
    verifyCase('verify-rows', true),
    hashCase,
    proofCase('inclusion-5m', 'inclusion'),
    proofCase('consistency-5m', 'consistency'),
  ],
  summarize,
};
