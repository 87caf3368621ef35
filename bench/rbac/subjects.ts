/**
 * The three engines under test, each built from the same generated workload in its best
 * setup: Warden (one TenantPolicy per tenant), casbin (one enforcer per tenant, or one with
 * domains for all), CASL (one prebuilt ability per user).
 */
import { createMongoAbility } from '@casl/ability';
import type { MongoAbility } from '@casl/ability';
import { newEnforcer, newModelFromString, StringAdapter } from 'casbin';
import type { Enforcer } from 'casbin';
import { TenantPolicy } from '../../dist/rbac/policy/index.js';
import type { CheckOptions } from '../../dist/rbac/policy/index.js';
import type { GeneratedTenant, Query, Workload } from './workload.js';

/** Checks use one fixed instant: no assignment in the workload expires. */
export const NOW = Date.UTC(2026, 10, 24);
const OPTIONS: CheckOptions = { now: NOW };

/** Warden: the engine the RBAC service keeps per tenant. */
export class WardenSubject {
  readonly policies = new Map<string, TenantPolicy>();

  constructor(workload: Workload) {
    for (const tenant of workload.tenants) {
      const data = { tenantId: tenant.id, revision: 1, entities: [], ...tenant };
      this.policies.set(tenant.id, TenantPolicy.fromData(data));
    }
  }

  check(q: Query): boolean {
    const policy = this.policies.get(q.tenantId);
    return policy !== undefined && policy.check(q.userId, q.resource, q.action, OPTIONS).granted;
  }

  /** Drops the user's compiled permissions first: the check computes them from scratch. */
  coldCheck(q: Query): boolean {
    const policy = this.policies.get(q.tenantId);
    if (policy === undefined) return false;
    policy.invalidateUser(q.userId);
    return policy.check(q.userId, q.resource, q.action, OPTIONS).granted;
  }

  usersWith(tenantId: string, resource: string, action: string): readonly string[] {
    return this.policies.get(tenantId)?.usersWith(resource, action, OPTIONS) ?? [];
  }
}

// `*` on the policy side is a wildcard; a role inherits with `g, child, parent`.
const PER_TENANT_MODEL = `
[request_definition]
r = sub, obj, act
[policy_definition]
p = sub, obj, act
[role_definition]
g = _, _
[policy_effect]
e = some(where (p.eft == allow))
[matchers]
m = g(r.sub, p.sub) && (p.obj == "*" || r.obj == p.obj) && (p.act == "*" || r.act == p.act)
`;

const DOMAIN_MODEL = `
[request_definition]
r = sub, dom, obj, act
[policy_definition]
p = sub, dom, obj, act
[role_definition]
g = _, _, _
[policy_effect]
e = some(where (p.eft == allow))
[matchers]
m = g(r.sub, p.sub, r.dom) && r.dom == p.dom && (p.obj == "*" || r.obj == p.obj) && (p.act == "*" || r.act == p.act)
`;

function policyRules(tenant: GeneratedTenant, domain: string[]): string[][] {
  return tenant.roles.flatMap((role) =>
    role.permissions.map((p) => {
      const [obj = '', act = ''] = p.split(':');
      return ['p', role.id, ...domain, obj, act];
    }),
  );
}

function groupingRules(tenant: GeneratedTenant, domain: string[]): string[][] {
  const inheritance = tenant.roles.flatMap((role) =>
    role.inherits.map((parent) => ['g', role.id, parent, ...domain]),
  );
  const members = tenant.assignments.map((a) => ['g', a.userId, a.roleId, ...domain]);
  return [...inheritance, ...members];
}

/**
 * An enforcer loaded the way casbin loads a stored policy (an adapter's CSV lines, role links
 * built once), with auto-save off: changes stay in memory, like Warden's engine.
 */
async function loadEnforcer(model: string, rules: readonly string[][]): Promise<Enforcer> {
  const csv = rules.map((rule) => rule.join(', ')).join('\n');
  const enforcer = await newEnforcer(newModelFromString(model), new StringAdapter(csv));
  enforcer.enableAutoSave(false);
  return enforcer;
}

/** casbin's best setup for tenants: one enforcer per tenant, plain RBAC, `enforceSync`. */
export class CasbinPerTenantSubject {
  readonly enforcers = new Map<string, Enforcer>();

  static async create(workload: Workload): Promise<CasbinPerTenantSubject> {
    const subject = new CasbinPerTenantSubject();
    for (const tenant of workload.tenants) {
      const rules = [...policyRules(tenant, []), ...groupingRules(tenant, [])];
      subject.enforcers.set(tenant.id, await loadEnforcer(PER_TENANT_MODEL, rules));
    }
    return subject;
  }

  check(q: Query): boolean {
    const enforcer = this.enforcers.get(q.tenantId);
    return enforcer !== undefined && enforcer.enforceSync(q.userId, q.resource, q.action);
  }

  /**
   * Who holds a permission: the roles with a matching policy, then their members through
   * `getUsersForRoleInDomain`-style membership lookups, following roles that inherit them.
   */
  async usersWith(tenantId: string, resource: string, action: string): Promise<string[]> {
    const enforcer = this.enforcers.get(tenantId);
    if (enforcer === undefined) return [];
    const policies = await enforcer.getPolicy();
    const roles = policies
      .filter(
        ([, obj, act]) => (obj === '*' || obj === resource) && (act === '*' || act === action),
      )
      .map(([sub]) => sub ?? '');
    return collectUsers(roles, (role) => enforcer.getUsersForRole(role));
  }
}

/** casbin with one enforcer and a domain per tenant (RBAC with domains). */
export class CasbinDomainsSubject {
  enforcer!: Enforcer;

  static async create(workload: Workload): Promise<CasbinDomainsSubject> {
    const subject = new CasbinDomainsSubject();
    const rules = workload.tenants.flatMap((tenant) => [
      ...policyRules(tenant, [tenant.id]),
      ...groupingRules(tenant, [tenant.id]),
    ]);
    subject.enforcer = await loadEnforcer(DOMAIN_MODEL, rules);
    return subject;
  }

  check(q: Query): boolean {
    return this.enforcer.enforceSync(q.userId, q.tenantId, q.resource, q.action);
  }

  async usersWith(tenantId: string, resource: string, action: string): Promise<string[]> {
    const policies = await this.enforcer.getFilteredPolicy(1, tenantId);
    const roles = policies
      .filter(
        ([, , obj, act]) => (obj === '*' || obj === resource) && (act === '*' || act === action),
      )
      .map(([sub]) => sub ?? '');
    return collectUsers(roles, (role) => this.enforcer.getUsersForRoleInDomain(role, tenantId));
  }
}

// Members of the roles, following member roles (heirs) breadth-first; users are the non-roles.
async function collectUsers(
  roles: readonly string[],
  members: (role: string) => Promise<string[]>,
): Promise<string[]> {
  const seen = new Set<string>(roles);
  const users = new Set<string>();
  const queue = [...seen];
  for (let i = 0; i < queue.length; i++) {
    for (const member of await members(queue[i] ?? '')) {
      if (seen.has(member)) continue;
      seen.add(member);
      if (member.includes('-user-')) users.add(member);
      else queue.push(member);
    }
  }
  return [...users].sort();
}

/** CASL: one ability per user, prebuilt from the user's permissions (`*` as any action/subject). */
export class CaslSubject {
  /** tenant → user → ability (nested maps: no key string built per check). */
  readonly abilities = new Map<string, Map<string, MongoAbility>>();
  readonly #rules = new Map<string, Map<string, CaslRule[]>>();

  constructor(workload: Workload) {
    for (const tenant of workload.tenants) {
      const abilities = new Map<string, MongoAbility>();
      const rulesOf = new Map<string, CaslRule[]>();
      for (const userId of tenant.users) {
        const rules = workload.reference.held(tenant.id, userId).map((p) => {
          const [subject = '', action = ''] = p.split(':');
          return { action, subject };
        });
        rulesOf.set(userId, rules);
        abilities.set(userId, build(rules));
      }
      this.abilities.set(tenant.id, abilities);
      this.#rules.set(tenant.id, rulesOf);
    }
  }

  check(q: Query): boolean {
    const ability = this.abilities.get(q.tenantId)?.get(q.userId);
    return ability !== undefined && ability.can(q.action, q.resource);
  }

  /** Builds the user's ability from its rules, then checks (CASL's compile-from-scratch). */
  coldCheck(q: Query): boolean {
    const rules = this.#rules.get(q.tenantId)?.get(q.userId);
    return rules !== undefined && build(rules).can(q.action, q.resource);
  }

  /** Who holds a permission: every ability of the tenant asked in turn. */
  usersWith(tenantId: string, resource: string, action: string): string[] {
    const holders: string[] = [];
    for (const [userId, ability] of this.abilities.get(tenantId) ?? []) {
      if (ability.can(action, resource)) holders.push(userId);
    }
    return holders.sort();
  }
}

interface CaslRule {
  readonly action: string;
  readonly subject: string;
}

function build(rules: CaslRule[]): MongoAbility {
  return createMongoAbility(rules, { anyAction: '*', anySubjectType: '*' });
}
