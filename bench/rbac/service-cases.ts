/**
 * RBAC through the service, as an application calls it: `checkPermission` in a request
 * context with every decision emitted on the `rbac` channel (the spec's two consumers
 * running), and assignments / revocations written to a SQLite file and audited.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  EventBusService,
  RbacService,
  SYSTEM_ACTOR,
  openDatabase,
  runWithContext,
} from '../../dist/index.js';
import type { Database } from '../../dist/index.js';
import type { BenchCase, BenchOptions } from '../lib/types.js';
import { Latencies, verify } from './measure.js';
import { generateWorkload } from './workload.js';
import type { Query, Workload } from './workload.js';

/** The spec's rbac channel: both consumers subscribed (audit-logger as a no-op stand-in). */
function rbacBus(): EventBusService {
  const bus = new EventBusService({
    channels: {
      rbac: {
        bufferSize: 500,
        consumers: ['audit-logger', 'permission-cache-invalidator'],
        retryStrategy: { attempts: 2, backoff: 'fixed', delay: 200 },
      },
    },
    defaultConsumer: 'audit-logger',
  });
  bus.subscribeBatch('rbac', () => Promise.resolve(), { consumer: 'audit-logger', batchSize: 256 });
  return bus;
}

interface Seeded {
  readonly bus: EventBusService;
  readonly rbac: RbacService;
  readonly database: Database;
  readonly seedMs: number;
  close(): Promise<void>;
}

/** Writes the workload's tenants through the service (as the system actor) into a SQLite file. */
async function seeded(workload: Workload, tenants: number): Promise<Seeded> {
  const dir = mkdtempSync(join(tmpdir(), 'warden-bench-rbac-'));
  const database = await openDatabase({ driver: 'sqlite', file: join(dir, 'warden.db') });
  const bus = rbacBus();
  const rbac = new RbacService({ database, bus });
  await rbac.init();
  const start = performance.now();
  for (const tenant of workload.tenants.slice(0, tenants)) {
    await rbac.createTenant(tenant.id);
    await runWithContext({ tenantId: tenant.id }, async () => {
      for (const userId of tenant.users) await rbac.addUser(userId, SYSTEM_ACTOR);
      for (const role of tenant.roles) {
        await rbac.createRole(
          {
            id: role.id,
            name: role.name,
            permissions: [...role.permissions],
            inherits: [...role.inherits],
          },
          SYSTEM_ACTOR,
        );
      }
      for (const a of tenant.assignments)
        await rbac.assignRoleToUser(a.userId, a.roleId, SYSTEM_ACTOR);
    });
  }
  const seedMs = performance.now() - start;
  return {
    bus,
    rbac,
    database,
    seedMs,
    close: async () => {
      rbac.close();
      await bus.close();
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const inTenant = <T>(tenantId: string, fn: () => Promise<T>) =>
  runWithContext({ tenantId, correlationId: 'bench' }, fn);

export const serviceCases: readonly BenchCase[] = [
  {
    name: 'service-checks-emitting',
    description:
      'RbacService.checkPermission in a request context, every decision emitted on rbac (2 consumers), SQLite store, 10 tenants',
    async run(options: BenchOptions) {
      const workload = generateWorkload();
      const tenants = 10;
      const s = await seeded(workload, tenants);
      try {
        const known = new Set(workload.tenants.slice(0, tenants).map((t) => t.id));
        const queries = workload.queries.filter((q) => known.has(q.tenantId));
        const check = (q: Query) =>
          inTenant(q.tenantId, () => s.rbac.checkPermission(q.userId, q.resource, q.action));
        const answers = await Promise.all(queries.map(check));
        verify(queries, (q) => answers[queries.indexOf(q)] === true, 'service-checks-emitting');
        const minMs = 2000 * options.scale;
        let checks = 0;
        const cpuBefore = process.cpuUsage();
        const start = performance.now();
        do {
          for (const q of queries) await check(q);
          checks += queries.length;
        } while (performance.now() - start < minMs);
        const elapsed = performance.now() - start;
        await s.bus.drain();
        const cpu = process.cpuUsage(cpuBefore);
        return {
          metrics: {
            checks,
            queries: queries.length,
            mismatches: 0,
            checksPerSec: (checks / elapsed) * 1000,
            checksPerCpuSec: (checks / ((cpu.user + cpu.system) / 1000)) * 1000,
          },
          notes: [
            `seeded ${String(tenants)} tenants through the service in ${(s.seedMs / 1000).toFixed(1)} s; each check awaited, with its event accepted by the bus`,
          ],
        };
      } finally {
        await s.close();
      }
    },
  },
  {
    name: 'service-assign',
    description:
      'RbacService.assignRoleToUser / removeRoleFromUser on SQLite (transaction, revision, audit event), 1 tenant of 1,000 users',
    async run(options: BenchOptions) {
      const workload = generateWorkload();
      const s = await seeded(workload, 1);
      try {
        const tenant = workload.tenants[0];
        if (tenant === undefined) throw new Error('no tenant');
        const add = new Latencies();
        const remove = new Latencies();
        const rounds = Math.max(100, Math.round(2000 * options.scale));
        await inTenant(tenant.id, async () => {
          for (let i = 0; i < rounds; i++) {
            const userId = tenant.users[i % tenant.users.length] ?? '';
            const roleId = 'chain4-level3';
            await add.time(() => s.rbac.assignRoleToUser(userId, roleId, SYSTEM_ACTOR));
            await remove.time(() => s.rbac.removeRoleFromUser(userId, roleId, SYSTEM_ACTOR));
          }
        });
        return { metrics: { queries: rounds, ...add.summary('add'), ...remove.summary('remove') } };
      } finally {
        await s.close();
      }
    },
  },
];
