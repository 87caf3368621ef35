/** Assignment/revocation latency and who-holds latency, Warden against casbin (and CASL for who-holds). */
import { LatencyHistogram } from '../lib/histogram.js';
import type { BenchCase, BenchOptions } from '../lib/types.js';
import { built, Latencies } from './measure.js';
import { Random } from '../lib/random.js';
import {
  CasbinDomainsSubject,
  CasbinPerTenantSubject,
  CaslSubject,
  NOW,
  WardenSubject,
} from './subjects.js';
import { ACTIONS, generateWorkload, RESOURCES } from './workload.js';
import type { GeneratedTenant, Workload } from './workload.js';

const CHANGES = 2000;
const WHO_HOLDS_QUERIES = 200;

/** A role the user does not hold yet, and a request only that role's own permissions grant. */
interface Grant {
  readonly tenant: GeneratedTenant;
  readonly userId: string;
  readonly roleId: string;
  readonly resource: string;
  readonly action: string;
  readonly before: boolean;
}

function grants(workload: Workload, count: number): Grant[] {
  const random = new Random(7);
  const list: Grant[] = [];
  while (list.length < count) {
    const tenant = random.pick(workload.tenants);
    const userId = random.pick(tenant.users);
    const held = new Set(
      tenant.assignments.filter((a) => a.userId === userId).map((a) => a.roleId),
    );
    const role = random.pick(tenant.roles);
    if (held.has(role.id)) continue;
    const [resource, action] = workload.reference.instantiate(
      random,
      random.pick(role.permissions),
    );
    const before = workload.reference.check(tenant.id, userId, resource, action);
    list.push({ tenant, userId, roleId: role.id, resource, action, before });
  }
  return list;
}

/** The engine side of an assign/revoke case. */
interface Assigner {
  assign(g: Grant): Promise<void> | void;
  revoke(g: Grant): Promise<void> | void;
  check(g: Grant): boolean;
}

function assignCase(
  name: string,
  description: string,
  build: (w: Workload) => Promise<Assigner>,
  changes = CHANGES,
): BenchCase {
  return {
    name,
    description,
    async run(options: BenchOptions) {
      const workload = generateWorkload();
      const { subject } = await built(() => build(workload));
      const list = grants(workload, Math.max(20, Math.round(changes * options.scale)));
      const add = new Latencies();
      const remove = new Latencies();
      const start = performance.now();
      for (const g of list) {
        await add.time(() => subject.assign(g));
        if (!subject.check(g))
          throw new Error(`${name}: ${g.userId} not granted after the assignment`);
        await remove.time(() => subject.revoke(g));
        if (subject.check(g) !== g.before)
          throw new Error(`${name}: ${g.userId} still granted after the revocation`);
      }
      const opsPerSec = ((list.length * 2) / (performance.now() - start)) * 1000;
      const notes = [
        `${list.length} assignments and revocations, each followed by a check that sees it (not timed)`,
      ];
      return {
        metrics: {
          changes: list.length,
          opsPerSec,
          ...add.summary('add'),
          ...remove.summary('remove'),
          mismatches: 0,
        },
        notes,
      };
    },
  };
}

function wardenAssigner(w: Workload): Promise<Assigner> {
  const warden = new WardenSubject(w);
  let revision = 1;
  const policy = (g: Grant) => warden.policies.get(g.tenant.id) ?? fail(g.tenant.id);
  return Promise.resolve({
    assign(g) {
      const assignment = { userId: g.userId, roleId: g.roleId, entityId: null, expiresAt: null };
      policy(g).apply({ kind: 'assignment_added', assignment }, ++revision);
    },
    revoke(g) {
      policy(g).apply(
        { kind: 'assignment_removed', userId: g.userId, roleId: g.roleId, entityId: null },
        ++revision,
      );
    },
    check: (g) => policy(g).check(g.userId, g.resource, g.action, { now: NOW }).granted,
  });
}

async function casbinAssigner(w: Workload): Promise<Assigner> {
  const casbin = await CasbinPerTenantSubject.create(w);
  const enforcer = (g: Grant) => casbin.enforcers.get(g.tenant.id) ?? fail(g.tenant.id);
  return {
    async assign(g) {
      await enforcer(g).addRoleForUser(g.userId, g.roleId);
    },
    async revoke(g) {
      await enforcer(g).deleteRoleForUser(g.userId, g.roleId);
    },
    check: (g) => enforcer(g).enforceSync(g.userId, g.resource, g.action),
  };
}

async function casbinDomainsAssigner(w: Workload): Promise<Assigner> {
  const { enforcer } = await CasbinDomainsSubject.create(w);
  return {
    async assign(g) {
      await enforcer.addRoleForUser(g.userId, g.roleId, g.tenant.id); // addRoleForUserInDomain
    },
    async revoke(g) {
      await enforcer.deleteRoleForUser(g.userId, g.roleId, g.tenant.id);
    },
    check: (g) => enforcer.enforceSync(g.userId, g.tenant.id, g.resource, g.action),
  };
}

function fail(tenantId: string): never {
  throw new Error(`no engine for ${tenantId}`);
}

type WhoHolds = (
  tenantId: string,
  resource: string,
  action: string,
) => readonly string[] | Promise<readonly string[]>;

function whoHoldsCase(
  name: string,
  description: string,
  build: (w: Workload) => Promise<WhoHolds>,
  queries = WHO_HOLDS_QUERIES,
): BenchCase {
  return {
    name,
    description,
    async run(options: BenchOptions) {
      const workload = generateWorkload();
      const { subject: usersWith } = await built(() => build(workload));
      const random = new Random(11);
      const latencies = new Latencies();
      // CPU time per query too: on a shared machine the wall-clock tail is mostly waiting for a CPU.
      const cpuTimes = new LatencyHistogram();
      const count = Math.max(20, Math.round(queries * options.scale));
      let holders = 0;
      for (let i = 0; i < count; i++) {
        const tenant = random.pick(workload.tenants);
        const resource = random.pick(RESOURCES);
        const action = random.pick(ACTIONS);
        const cpuBefore = process.cpuUsage();
        const users = await latencies.time(() => usersWith(tenant.id, resource, action));
        const cpu = process.cpuUsage(cpuBefore);
        cpuTimes.record((cpu.user + cpu.system) * 1000);
        const expected = workload.reference.holders(tenant.id, resource, action);
        if (JSON.stringify(users) !== JSON.stringify(expected)) {
          throw new Error(
            `${name}: holders of ${resource}:${action} in ${tenant.id} differ from the reference`,
          );
        }
        holders += users.length;
      }
      const notes = [
        `${count} queries over ${workload.sizes.usersPerTenant} users per tenant; ${(holders / count).toFixed(0)} holders on average, every list equal to the reference`,
      ];
      const metrics = {
        queries: count,
        ...latencies.summary(),
        ...cpuTimes.summary('cpu'),
        mismatches: 0,
      };
      return { metrics, notes };
    },
  };
}

export const changeCases: readonly BenchCase[] = [
  assignCase(
    'warden-assign',
    'Warden apply(assignment_added / assignment_removed)',
    wardenAssigner,
  ),
  assignCase(
    'casbin-assign',
    'casbin addRoleForUser / deleteRoleForUser, one enforcer per tenant',
    casbinAssigner,
  ),
  assignCase(
    'casbin-domains-assign',
    'casbin addRoleForUser / deleteRoleForUser in a domain, one enforcer for all tenants',
    casbinDomainsAssigner,
    200,
  ),
  whoHoldsCase('warden-who-holds', 'Warden usersWith(resource, action) in one tenant', (w) => {
    const warden = new WardenSubject(w);
    return Promise.resolve((t, r, a) => warden.usersWith(t, r, a));
  }),
  whoHoldsCase(
    'casbin-who-holds',
    'casbin: roles with a matching policy, then members via getUsersForRole (per-tenant enforcer)',
    async (w) => {
      const casbin = await CasbinPerTenantSubject.create(w);
      return (t, r, a) => casbin.usersWith(t, r, a);
    },
  ),
  whoHoldsCase(
    'casbin-domains-who-holds',
    'casbin: the same with getFilteredPolicy and getUsersForRoleInDomain (one enforcer)',
    async (w) => {
      const casbin = await CasbinDomainsSubject.create(w);
      return (t, r, a) => casbin.usersWith(t, r, a);
    },
    50,
  ),
  whoHoldsCase('casl-who-holds', "CASL: every user's ability in the tenant asked in turn", (w) => {
    const casl = new CaslSubject(w);
    return Promise.resolve((t, r, a) => casl.usersWith(t, r, a));
  }),
];
