/**
 * A quick probe for profiling (`node --cpu-prof --import tsx bench/audit-store/probe.ts sqlite 100000`):
 * appends records in batches of 1,000 over 50 tenants, then verifies one tenant and times proofs.
 */
import { AuditStore } from '../../src/audit/index.js';
import type { Dialect } from '../../src/storage/index.js';
import { benchDatabase, benchSigningKey } from './databases.js';
import { benchRecord, benchTenant, seeded } from './populate.js';

const dialect = (process.argv[2] ?? 'sqlite') as Dialect;
const count = Number(process.argv[3] ?? 100_000);
const TENANTS = Number(process.argv[4] ?? 50);
const db = await benchDatabase(dialect);
try {
  const store = await AuditStore.open({ database: db.database, signingKey: benchSigningKey() });
  const random = seeded(7);
  const now = Date.now();
  const batches: ReturnType<typeof benchRecord>[][] = [];
  for (let i = 0; i < count; i += 1000) {
    const batch = [];
    for (let k = i; k < Math.min(count, i + 1000); k++)
      batch.push(benchRecord(benchTenant(k % TENANTS), k, now - count + k, random));
    batches.push(batch);
  }
  let t0 = performance.now();
  for (const batch of batches) await store.append(batch);
  let s = (performance.now() - t0) / 1000;
  console.log(`append ${dialect}: ${String(Math.round(count / s))}/s`);
  t0 = performance.now();
  const [v] = await store.verify(benchTenant(3));
  s = (performance.now() - t0) / 1000;
  console.log(
    `verify: ${String(v?.records)} records ok=${String(v?.ok)} ${String(Math.round((v?.records ?? 0) / s))}/s`,
  );
  const n = v?.records ?? 1;
  t0 = performance.now();
  const c0 = process.cpuUsage();
  const proofs = 200;
  for (let i = 0; i < proofs; i++)
    await store.proveInclusion(
      benchTenant(3),
      1 + ((i * 7919) % Math.max(1, Math.floor(n / 1000) * 1000)),
    );
  const cpu = process.cpuUsage(c0);
  console.log(
    `proveInclusion: ${((performance.now() - t0) / proofs).toFixed(3)} ms each, ${((cpu.user + cpu.system) / 1000 / proofs).toFixed(3)} ms CPU (this process)`,
  );
} finally {
  await db.close();
}
