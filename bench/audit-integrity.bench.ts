/**
 * The audit log's integrity primitives (src/audit/integrity): chain verification and record
 * hashing throughput over 1,000,000 seeded records with ~400-byte payloads, and inclusion and
 * consistency proof latency over a 5,000,000-leaf tree whose nodes from level 8 up are
 * "stored" (in memory, as the audit store persists them). The peer, CloudTrail's chain of
 * signed digests, cannot run here; the naive alternative (re-hashing the chain to check one
 * record) is computed from the measured verify rate. Method: docs/benchmarks.md.
 */
import { measureConsistency, measureInclusion, measureRecordPipeline } from './audit/measure.js';
import { buildTreeStore } from './audit/tree-store.js';
import { formatValue } from './lib/report.js';
import type { BenchCase, BenchOptions, Benchmark, Check, Metrics } from './lib/types.js';

const RECORDS = 1_000_000;
const TREE_LEAVES = 5_000_000;
const STRIDE = 8;
const PROOFS = 20_000;
const WARMUP_PROOFS = 1_000;
/** Rows a page when verifying as the store does. */
const PAGE_ROWS = 1_000;
/** Records run through every step unmeasured first (JIT warm-up). */
const WARMUP_RECORDS = 50_000;
/** The seeded records' size as JSON (bench/audit/records.ts). */
const RECORD_JSON_BYTES = 1141;
/** The targets. */
const MIN_VERIFY_PER_SEC = 500_000;
const MAX_PROOF_US = 1000;

const scaled = (count: number, options: BenchOptions) => Math.round(count * options.scale);
const count = (n: number) => n.toLocaleString('en-US');

const recordsCase: BenchCase = {
  name: 'records-1m',
  description: `${count(RECORDS)} records in pages of ${count(PAGE_ROWS)}: hashRecord, canonicalRecordJson, ChainVerifier over records (payload parsed) and over rows (payload as canonical JSON text)`,
  run(options) {
    const metrics = measureRecordPipeline(scaled(RECORDS, options), WARMUP_RECORDS, PAGE_ROWS);
    const rate = (key: string) => formatValue(metrics[key], 'rate');
    const notes = [
      `records are ${RECORD_JSON_BYTES} bytes as JSON (payload ~390); each page is generated afresh, untimed`,
      `per CPU-second of the process (less sensitive to other load): canonical ${rate('canonicalPerCpuSec')}, verify records ${rate('verifiedPerCpuSec')}, verify rows ${rate('rowsVerifiedPerCpuSec')}`,
    ];
    return Promise.resolve({ metrics, notes });
  },
};

const proofsCase: BenchCase = {
  name: 'proofs-5m',
  description: `${count(PROOFS)} inclusion and ${count(PROOFS)} consistency proofs at ${count(TREE_LEAVES)} leaves, nodes stored from level ${STRIDE}: generation, then check`,
  async run(options) {
    const tree = buildTreeStore(scaled(TREE_LEAVES, options), STRIDE);
    await measureInclusion(tree, WARMUP_PROOFS);
    const inclusion = await measureInclusion(tree, PROOFS);
    await measureConsistency(tree, WARMUP_PROOFS);
    const consistency = await measureConsistency(tree, PROOFS);
    const us = (value: number | undefined) => formatValue(value, 'micros');
    const notes = [
      `tree of ${count(tree.size)} leaves built in ${tree.buildSeconds.toFixed(1)} s (${formatValue(tree.size / tree.buildSeconds, 'rate')} appends); ${count(tree.storedNodes)} stored nodes; inclusion proofs of ${inclusion['proofLength'] ?? 0} hashes`,
      `inclusion generation p99.9 ${us(inclusion['incGenp999Us'])}, max ${us(inclusion['incGenmaxUs'])}; check p99.9 ${us(inclusion['incCheckp999Us'])}; mean CPU per proof: generation ${us(inclusion['incGenCpuUs'])}, check ${us(inclusion['incCheckCpuUs'])}`,
      `consistency generation p99.9 ${us(consistency['conGenp999Us'])}, max ${us(consistency['conGenmaxUs'])}; check p99.9 ${us(consistency['conCheckp999Us'])}; mean CPU per proof: generation ${us(consistency['conGenCpuUs'])}, check ${us(consistency['conCheckCpuUs'])}`,
    ];
    return { metrics: { leaves: tree.size, ...inclusion, ...consistency }, notes };
  },
};

interface MutableSummary {
  readonly notes: string[];
  readonly checks: Check[];
}

function verifyChecks(measured: ReadonlyMap<string, Metrics>, summary: MutableSummary): void {
  const metrics = measured.get('records-1m');
  for (const [key, label] of [
    ['verifiedPerSec', 'records (payload parsed)'],
    ['rowsVerifiedPerSec', 'rows (payload as canonical text)'],
  ] as const) {
    const rate = metrics?.[key];
    if (rate === undefined) continue;
    summary.checks.push({
      name: `chain verification, ${label}`,
      target: `>= ${formatValue(MIN_VERIFY_PER_SEC, 'rate')}`,
      actual: formatValue(rate, 'rate'),
      pass: rate >= MIN_VERIFY_PER_SEC,
    });
  }
}

function proofChecks(measured: ReadonlyMap<string, Metrics>, summary: MutableSummary): void {
  const metrics = measured.get('proofs-5m');
  if (metrics === undefined) return;
  for (const [key, label] of [
    ['incGenp99Us', 'inclusion proof generation p99'],
    ['incCheckp99Us', 'inclusion proof check p99'],
  ] as const) {
    const p99 = metrics[key];
    if (p99 === undefined) continue;
    summary.checks.push({
      name: `${label} at ${count(metrics['leaves'] ?? 0)} leaves`,
      target: `< ${formatValue(MAX_PROOF_US, 'micros')}`,
      actual: formatValue(p99, 'micros'),
      pass: p99 < MAX_PROOF_US,
    });
  }
}

/** The naive check of one record: re-hash the chain up to a trusted head, at 5M records. */
function naiveComparison(measured: ReadonlyMap<string, Metrics>, summary: MutableSummary): void {
  const rate = measured.get('records-1m')?.['verifiedPerSec'];
  const proofs = measured.get('proofs-5m');
  const gen = proofs?.['incGenp50Us'];
  const check = proofs?.['incCheckp50Us'];
  if (rate === undefined || gen === undefined || check === undefined) return;
  const naiveUs = (TREE_LEAVES / rate) * 1e6;
  const times = (us: number) => `${Math.round(naiveUs / us).toLocaleString('en-US')}x`;
  summary.notes.push(
    `naive check of one record at ${count(TREE_LEAVES)} records (re-hash the whole chain at the measured verify rate for parsed records): ${formatValue(naiveUs, 'micros')}`,
    `inclusion proof instead: generation + check p50 ${formatValue(gen + check, 'micros')} (${times(gen + check)} less time); the offline check alone ${formatValue(check, 'micros')} (${times(check)})`,
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
    { key: 'verifiedPerSec', label: 'verify', format: 'rate', spread: true },
    { key: 'rowsVerifiedPerSec', label: 'verify rows', format: 'rate', spread: true },
    { key: 'hashedPerSec', label: 'hash', format: 'rate' },
    { key: 'leaves', label: 'leaves', format: 'count' },
    { key: 'incGenp50Us', label: 'incl p50', format: 'micros' },
    { key: 'incGenp99Us', label: 'incl p99', format: 'micros' },
    { key: 'incCheckp50Us', label: 'check p50', format: 'micros' },
    { key: 'incCheckp99Us', label: 'check p99', format: 'micros' },
    { key: 'conGenp50Us', label: 'cons p50', format: 'micros' },
    { key: 'conGenp99Us', label: 'cons p99', format: 'micros' },
    { key: 'conCheckp99Us', label: 'check p99', format: 'micros' },
    { key: 'peakRssBytes', label: 'peak RSS', format: 'mebibytes' },
  ],
  cases: [recordsCase, proofsCase],
  summarize,
};
