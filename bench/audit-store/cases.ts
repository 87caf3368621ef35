import { AuditLogger } from '../../src/audit/logger/index.js';
import { AuditStorageService, AuditStore } from '../../src/audit/index.js';
import { verifyRecordProof } from '../../src/audit/integrity/index.js';
import { EventBusService, createEventFactory } from '../../src/events/index.js';
import type { AuditDb } from '../../src/audit/store/audit-query.js';
import type { Dialect } from '../../src/storage/index.js';
import { LatencyHistogram } from '../lib/histogram.js';
import type { BenchCase, BenchOptions } from '../lib/types.js';
import { benchDatabase, benchSigningKey } from './databases.js';
import { benchRecord, benchTenant, seeded } from './populate.js';

const TENANTS = 50;
/** Records per append: the storage service's default batch size. */
const BATCH = 2_000;
const POPULATE_BATCH = 10_000;
const HOUR = 3_600_000;
const scaled = (n: number, options: BenchOptions) => Math.max(1_000, Math.round(n * options.scale));

/**
 * End to end: auth events emitted on `security` with 512 in flight, through `audit-logger`
 * and the `audit` channel into the store, until every one is stored and chained.
 */
export function ingestCase(dialect: Dialect, events: number): BenchCase {
  return {
    name: `ingest-${dialect}`,
    description: `${events.toLocaleString('en-US')} security events emitted until stored and chained (memory bus, audit-logger, audit-storage-service, ${dialect} store)`,
    async run(options) {
      const count = scaled(events, options);
      const db = await benchDatabase(dialect);
      try {
        const store = await AuditStore.open({
          database: db.database,
          signingKey: benchSigningKey(),
        });
        const bus = new EventBusService({
          channels: {
            security: { bufferSize: 4096, consumers: ['audit-logger'] },
            audit: { bufferSize: 8192, consumers: ['audit-storage-service'] },
          },
          defaultConsumer: 'audit-logger',
        });
        const logger = new AuditLogger();
        await logger.start(bus);
        const storage = new AuditStorageService({ store }); // its default batch size
        await storage.start(bus);
        const createEvent = createEventFactory();
        const start = performance.now();
        const cpuStart = process.cpuUsage();
        const inFlight = new Set<Promise<void>>();
        for (let i = 0; i < count; i++) {
          const tenantId = benchTenant(i % TENANTS);
          const emit = bus.emit(
            'security',
            createEvent({
              type: 'auth.login_failed',
              source: 'auth-service',
              data: { userId: `user-${String(i % 200)}`, reason: 'bad_password' },
              metadata: { tenantId, ip: '10.0.0.1' },
            }),
          );
          inFlight.add(emit);
          void emit.finally(() => inFlight.delete(emit));
          if (inFlight.size >= 512) await Promise.race(inFlight);
        }
        await Promise.all(inFlight);
        // One cheap read of the chain heads per poll: dashboard queries here would compete
        // with the appender for SQLite's one connection.
        const heads = db.database.kysely as AuditDb;
        let stored = 0;
        while (stored < count) {
          await new Promise((resolve) => setTimeout(resolve, 20));
          const row = await heads
            .selectFrom('audit_heads')
            .select((eb) => eb.fn.sum<number | string>('seq').as('stored'))
            .executeTakeFirst();
          stored = Number(row?.stored ?? 0);
        }
        const seconds = (performance.now() - start) / 1000;
        const cpu = process.cpuUsage(cpuStart);
        storage.stop();
        logger.stop();
        await bus.close();
        return {
          metrics: {
            events: count,
            storedPerSec: count / seconds,
            // This process only: on PostgreSQL the server's CPU is not in it.
            storedPerCpuSec: count / ((cpu.user + cpu.system) / 1e6),
          },
        };
      } finally {
        await db.close();
      }
    },
  };
}

/** The store alone: batches of 2,000 records (the storage service's default) over 50 tenants, appended back to back. */
export function appendCase(dialect: Dialect, records: number): BenchCase {
  return {
    name: `append-${dialect}`,
    description: `${records.toLocaleString('en-US')} records appended in batches of 2,000 over ${TENANTS} tenants (store only, ${dialect})`,
    async run(options) {
      const count = scaled(records, options);
      const db = await benchDatabase(dialect);
      try {
        const store = await AuditStore.open({
          database: db.database,
          signingKey: benchSigningKey(),
        });
        const random = seeded(7);
        const now = Date.now();
        const start = performance.now();
        await populate(store, count, now, 0, random);
        const seconds = (performance.now() - start) / 1000;
        return { metrics: { events: count, storedPerSec: count / seconds } };
      } finally {
        await db.close();
      }
    },
  };
}

async function populate(
  store: AuditStore,
  count: number,
  now: number,
  spanMs: number,
  random: () => number,
  batchSize = BATCH,
): Promise<void> {
  for (let i = 0; i < count; i += batchSize) {
    const batch = [];
    for (let k = i; k < Math.min(count, i + batchSize); k++) {
      // Event times spread over `spanMs` before now, oldest first.
      const time = now - spanMs + Math.floor((k / count) * spanMs);
      batch.push(benchRecord(benchTenant(k % TENANTS), k, time, random));
    }
    await store.append(batch);
  }
}

const QUERIES: Record<string, (tenant: string) => object> = {
  'last-hour': () => ({}),
  'type-prefix': () => ({ types: ['auth.'] }),
  actor: () => ({ actor: 'user-42' }),
  text: () => ({ text: 'payroll-7' }),
};

/**
 * Dashboard queries (tenant + last hour, + type prefix, + actor, + text; 50 per page) over
 * `records` records of 50 tenants spread across 7 days; then verify of one tenant.
 */
export function queryCase(dialect: Dialect, records: number): BenchCase {
  return {
    name: `query-${dialect}`,
    description: `${records.toLocaleString('en-US')} stored records (50 tenants, 7 days): p50/p95 of dashboard queries; verify of one tenant`,
    // Populating 5,000,000 records takes minutes: a run repeated for being disturbed would
    // take three times that and meet the runner's 15-minute limit. The other processes' CPU
    // share is still recorded per run (`otherCpuShare` in bench/results/latest.json).
    timingSensitive: false,
    async run(options) {
      const count = scaled(records, options);
      const db = await benchDatabase(dialect);
      try {
        const store = await AuditStore.open({
          database: db.database,
          signingKey: benchSigningKey(),
        });
        const now = Date.now();
        const populateStart = performance.now();
        // Larger batches than the service's, only to populate faster (fewer commits).
        await populate(store, count, now, 7 * 24 * HOUR, seeded(11), POPULATE_BATCH);
        const populatePerSec = count / ((performance.now() - populateStart) / 1000);
        const metrics: Record<string, number> = { events: count, populatePerSec };
        const worst = new LatencyHistogram();
        for (const [name, build] of Object.entries(QUERIES)) {
          const histogram = new LatencyHistogram();
          for (let i = 0; i < 200; i++) {
            const tenant = benchTenant(i % TENANTS);
            const t0 = process.hrtime.bigint();
            await store.query(tenant, {
              from: now - HOUR,
              to: now + 1,
              limit: 50,
              ...build(tenant),
            });
            const ns = Number(process.hrtime.bigint() - t0);
            if (i >= 20) {
              histogram.record(ns);
              worst.record(ns);
            }
          }
          metrics[`${name}P50Us`] = histogram.quantileNs(0.5) / 1000;
          metrics[`${name}P95Us`] = histogram.quantileNs(0.95) / 1000;
        }
        metrics['p95Us'] = worst.quantileNs(0.95) / 1000;
        Object.assign(metrics, await timeProofs(store, count / TENANTS));
        const t0 = performance.now();
        const cpu0 = process.cpuUsage();
        const [verified] = await store.verify(benchTenant(3));
        const cpu = process.cpuUsage(cpu0);
        if (verified?.ok !== true) throw new Error('the populated store does not verify');
        metrics['verifyPerSec'] = verified.records / ((performance.now() - t0) / 1000);
        metrics['verifyPerCpuSec'] = verified.records / ((cpu.user + cpu.system) / 1e6);
        return { metrics: metrics };
      } finally {
        await db.close();
      }
    },
  };
}

/**
 * Inclusion proofs of records spread over one tenant's log (`perTenant` records), each
 * against the first checkpoint covering it, then checked: p50/p95 of `proveInclusion`, and
 * of proof generation plus the offline check.
 */
async function timeProofs(store: AuditStore, perTenant: number): Promise<Record<string, number>> {
  const tenant = benchTenant(5);
  const covered = Math.floor(perTenant / 1000) * 1000; // checkpoints every 1,000 records
  const prove = new LatencyHistogram();
  const check = new LatencyHistogram();
  const random = seeded(13);
  for (let i = 0; i < 220; i++) {
    const seq = 1 + Math.floor(random() * covered);
    const t0 = process.hrtime.bigint();
    const evidence = await store.proveInclusion(tenant, seq);
    const t1 = process.hrtime.bigint();
    const outcome = verifyRecordProof(
      {
        record: evidence.record,
        leafIndex: evidence.leafIndex,
        proof: evidence.proof,
        checkpoint: evidence.checkpoint,
      },
      store.publicKey,
    );
    const t2 = process.hrtime.bigint();
    if (!outcome.ok)
      throw new Error(`the inclusion proof of record ${String(seq)} does not verify`);
    if (i >= 20) {
      prove.record(Number(t1 - t0));
      check.record(Number(t2 - t1));
    }
  }
  return {
    proofP50Us: prove.quantileNs(0.5) / 1000,
    proofP95Us: prove.quantileNs(0.95) / 1000,
    proofCheckP95Us: check.quantileNs(0.95) / 1000,
  };
}
