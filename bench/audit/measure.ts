/**
 * The measurements of the audit-integrity benchmark: chain verification and record hashing
 * throughput over generated records, and per-proof latency over a large in-memory tree.
 */
import {
  canonicalPayloadJson,
  canonicalRecordJson,
  ChainVerifier,
  consistencyProof,
  hashRecord,
  inclusionProof,
  rootAt,
  verifyConsistency,
  verifyInclusion,
} from '../../dist/audit/integrity/index.js';
import type { ChainRecord } from '../../dist/audit/integrity/index.js';
import type { StoredAuditRecord } from '../../dist/audit/record.js';
import { LatencyHistogram } from '../lib/histogram.js';
import type { Metrics } from '../lib/types.js';
import { SeededRandom } from './records.js';
import type { TreeStore } from './tree-store.js';

/**
 * Turns records into rows as a store holds them (the payload as its canonical JSON text), in
 * place, so the parsed payloads can be collected.
 */
export function toRowsInPlace(records: ChainRecord[]): void {
  for (let i = 0; i < records.length; i++) {
    const record = records[i] as ChainRecord;
    if ('payloadJson' in record) continue;
    const { payload, ...fields } = record;
    records[i] = { ...fields, payloadJson: canonicalPayloadJson(payload) };
  }
}

/**
 * Verifies `records` from genesis `passes` times; the best pass's rate (the first warms up).
 * Also the rate per CPU-second of this process, which other load on a shared machine
 * inflates far less than wall time.
 */
export function measureVerify(
  records: readonly ChainRecord[],
  passes: number,
  prefix: string,
): Metrics {
  const rates: number[] = [];
  const cpuRates: number[] = [];
  for (let pass = 0; pass < passes; pass++) {
    const verifier = new ChainVerifier();
    const cpu = process.cpuUsage();
    const started = performance.now();
    for (const record of records)
      if (verifier.push(record) !== null) throw new Error(`finding at seq ${record.seq}`);
    rates.push((records.length / (performance.now() - started)) * 1000);
    const used = process.cpuUsage(cpu);
    cpuRates.push(records.length / ((used.user + used.system) / 1e6));
  }
  const measured = rates.slice(1);
  return {
    [`${prefix}PerSec`]: Math.max(...measured),
    [`${prefix}MedianPerSec`]: median(measured),
    [`${prefix}PerCpuSec`]: Math.max(...cpuRates.slice(1)),
  };
}

/**
 * Verifies rows page by page as a store reads them: each page of `pageSize` rows is first
 * materialised afresh (a JSON round trip, not timed), so its objects and strings are new and
 * close together in memory, like rows a database driver just returned. Wall and CPU rates of
 * the verification alone.
 */
export function measureVerifyPaged(
  rows: readonly ChainRecord[],
  pageSize: number,
  prefix: string,
): Metrics {
  const verifier = new ChainVerifier();
  let wallMs = 0;
  let cpuUsTotal = 0;
  for (let from = 0; from < rows.length; from += pageSize) {
    const page = JSON.parse(JSON.stringify(rows.slice(from, from + pageSize))) as ChainRecord[];
    const cpu = process.cpuUsage();
    const started = performance.now();
    for (const row of page)
      if (verifier.push(row) !== null) throw new Error(`finding at seq ${row.seq}`);
    wallMs += performance.now() - started;
    const used = process.cpuUsage(cpu);
    cpuUsTotal += used.user + used.system;
  }
  return {
    [`${prefix}PerSec`]: (rows.length / wallMs) * 1000,
    [`${prefix}PerCpuSec`]: rows.length / (cpuUsTotal / 1e6),
  };
}

/** What the store does per append: canonical JSON, leaf hash and chain hash. */
export function measureHashing(records: readonly StoredAuditRecord[], passes: number): Metrics {
  let hashed = 0;
  let canonical = 0;
  for (let pass = 0; pass < passes; pass++) {
    let started = performance.now();
    for (const record of records) hashRecord(record);
    if (pass > 0)
      hashed = Math.max(hashed, (records.length / (performance.now() - started)) * 1000);
    started = performance.now();
    for (const record of records) canonicalRecordJson(record);
    if (pass > 0)
      canonical = Math.max(canonical, (records.length / (performance.now() - started)) * 1000);
  }
  return { hashedPerSec: hashed, canonicalPerSec: canonical };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

const nsSince = (started: bigint) => Number(process.hrtime.bigint() - started);

/** CPU time of this process (user + system) in microseconds. */
function cpuUs(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/** Wall-time latencies plus the mean CPU time per operation (robust to other load). */
class StepTimer {
  readonly histogram = new LatencyHistogram();
  #cpuUs = 0;
  #wall = 0n;
  #cpu = 0;

  start(): void {
    this.#cpu = cpuUs();
    this.#wall = process.hrtime.bigint();
  }

  stop(): void {
    this.histogram.record(nsSince(this.#wall));
    this.#cpuUs += cpuUs() - this.#cpu;
  }

  summary(prefix: string): Metrics {
    const count = Math.max(1, this.histogram.count);
    return { ...this.histogram.summary(prefix), [`${prefix}CpuUs`]: this.#cpuUs / count };
  }
}

/** Inclusion proofs at seeded random leaves of the whole tree: generation, then check. */
export async function measureInclusion(tree: TreeStore, proofs: number): Promise<Metrics> {
  const random = new SeededRandom(7);
  const generate = new StepTimer();
  const check = new StepTimer();
  let proofLength = 0;
  for (let i = 0; i < proofs; i++) {
    const index = random.int(tree.size);
    generate.start();
    const proof = await inclusionProof(index, tree.size, tree.reader);
    generate.stop();
    check.start();
    const ok = verifyInclusion(tree.leaf(index), index, tree.size, proof, tree.root);
    check.stop();
    if (!ok) throw new Error(`inclusion proof of leaf ${index} did not verify`);
    proofLength = proof.length;
  }
  return { proofLength, ...generate.summary('incGen'), ...check.summary('incCheck') };
}

/** Consistency proofs from seeded random older sizes to the whole tree. */
export async function measureConsistency(tree: TreeStore, proofs: number): Promise<Metrics> {
  const random = new SeededRandom(11);
  const generate = new StepTimer();
  const check = new StepTimer();
  for (let i = 0; i < proofs; i++) {
    const oldSize = 1 + random.int(tree.size - 1);
    const oldRoot = await rootAt(oldSize, tree.reader); // what the older checkpoint signed
    generate.start();
    const proof = await consistencyProof(oldSize, tree.size, tree.reader);
    generate.stop();
    check.start();
    const ok = verifyConsistency(oldSize, tree.size, oldRoot, tree.root, proof);
    check.stop();
    if (!ok) throw new Error(`consistency proof from ${oldSize} did not verify`);
  }
  return { ...generate.summary('conGen'), ...check.summary('conCheck') };
}
