/**
 * The measurements of the audit-integrity benchmark: chain verification and record hashing
 * throughput over generated records, and per-proof latency over a large in-memory tree.
 */
import {
  canonicalPayloadJson,
  canonicalRecordJson,
  ChainVerifier,
  consistencyProof,
  inclusionProof,
  rootAt,
  verifyConsistency,
  verifyInclusion,
} from '../../dist/audit/integrity/index.js';
import type { ChainRecord } from '../../dist/audit/integrity/index.js';
import type { StoredAuditRecord } from '../../dist/audit/record.js';
import { LatencyHistogram } from '../lib/histogram.js';
import type { Metrics } from '../lib/types.js';
import { Random } from '../lib/random.js';
import { ChainGenerator } from './records.js';
import type { TreeStore } from './tree-store.js';

/** Wall and CPU time of the steps of the record pipeline, summed over pages. */
class Tally {
  wallMs = 0;
  cpuUs = 0;

  time(step: () => void): void {
    const cpu = process.cpuUsage();
    const started = performance.now();
    step();
    this.wallMs += performance.now() - started;
    const used = process.cpuUsage(cpu);
    this.cpuUs += used.user + used.system;
  }

  rates(prefix: string, count: number): Metrics {
    return {
      [`${prefix}PerSec`]: (count / this.wallMs) * 1000,
      [`${prefix}PerCpuSec`]: count / (this.cpuUs / 1e6),
    };
  }
}

/**
 * A page of records as store rows: the payload as its canonical JSON text. Built as object
 * literals, as a store maps a driver's rows (a spread copy can leave V8 slower objects).
 */
function asRows(page: readonly StoredAuditRecord[]): ChainRecord[] {
  return page.map((r) => ({
    id: r.id,
    tenantId: r.tenantId,
    action: r.action,
    actor: { userId: r.actor.userId, ip: r.actor.ip, userAgent: r.actor.userAgent },
    target: { resource: r.target.resource, resourceId: r.target.resourceId },
    outcome: r.outcome,
    entityId: r.entityId,
    correlationId: r.correlationId,
    source: r.source,
    time: r.time,
    sourceEventId: r.sourceEventId,
    sourceChannel: r.sourceChannel,
    payloadJson: canonicalPayloadJson(r.payload),
    seq: r.seq,
    prevHash: r.prevHash,
    hash: r.hash,
    recordedAt: r.recordedAt,
  }));
}

/**
 * Generates `total` records page by page (fresh objects, as a store reads them) and times,
 * per page: `canonicalRecordJson`, `ChainVerifier` over the records (payload parsed) and over
 * the same page as rows (payload as canonical text). `hashRecord` is timed inside generation.
 * A first `warmup` records run the same steps unmeasured.
 */
export function measureRecordPipeline(total: number, warmup: number, pageSize: number): Metrics {
  const run = (count: number) => {
    const generator = new ChainGenerator();
    const [canonical, records, rows] = [new Tally(), new Tally(), new Tally()];
    const byRecords = new ChainVerifier();
    const byRows = new ChainVerifier();
    for (let done = 0; done < count; done += pageSize) {
      const page = generator.nextPage(Math.min(pageSize, count - done));
      canonical.time(() => {
        for (const record of page) canonicalRecordJson(record);
      });
      records.time(() => {
        for (const record of page) if (byRecords.push(record) !== null) throw new Error('finding');
      });
      const pageRows = asRows(page);
      rows.time(() => {
        for (const row of pageRows) if (byRows.push(row) !== null) throw new Error('finding');
      });
    }
    return {
      hashedPerSec: (count / generator.hashMs) * 1000,
      ...canonical.rates('canonical', count),
      ...records.rates('verified', count),
      ...rows.rates('rowsVerified', count),
    };
  };
  run(warmup);
  return { records: total, ...run(total) };
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
  const random = new Random(7);
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
  const random = new Random(11);
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
