/**
 * The RBAC benchmark's policy and queries, generated from a seed so every subject and every
 * run sees the same ones. The expected answer of each query comes from a naive reference
 * resolver here, so every subject is checked against one ground truth.
 */
import type { AssignmentRecord, RoleRecord } from '../../dist/rbac/policy/index.js';
import { Random } from '../lib/random.js';

export interface WorkloadSizes {
  readonly tenants: number;
  /** Roles per tenant, in inheritance chains of `chainLength` (level n inherits level n-1). */
  readonly rolesPerTenant: number;
  readonly chainLength: number;
  readonly usersPerTenant: number;
  readonly maxRolesPerUser: number;
  readonly permissionsPerRole: number;
  readonly queries: number;
}

/** The shape: 50 tenants × 20 roles (4-level chains) × 1,000 users, 10,000 queries. */
export const DEFAULT_SIZES: WorkloadSizes = {
  tenants: 50,
  rolesPerTenant: 20,
  chainLength: 4,
  usersPerTenant: 1000,
  maxRolesPerUser: 3,
  permissionsPerRole: 10,
  queries: 10_000,
};

export const RESOURCES = [
  'invoice',
  'report',
  'document',
  'user',
  'role',
  'tenant',
  'audit',
  'alert',
  'metric',
  'channel',
  'consumer',
  'dead-letter',
  'session',
  'token',
  'entity',
  'webhook',
  'export',
  'dashboard',
  'policy',
  'secret',
] as const;
export const ACTIONS = [
  'read',
  'list',
  'create',
  'update',
  'delete',
  'approve',
  'export',
  'replay',
] as const;

export interface GeneratedTenant {
  readonly id: string;
  readonly roles: readonly RoleRecord[];
  readonly users: readonly string[];
  readonly assignments: readonly AssignmentRecord[];
}

export const QUERY_KINDS = [
  'granted',
  'same_tenant_miss',
  'cross_tenant',
  'unknown_user',
  'unknown_resource',
  'unknown_tenant',
] as const;
export type QueryKind = (typeof QUERY_KINDS)[number];

export interface Query {
  readonly kind: QueryKind;
  readonly tenantId: string;
  readonly userId: string;
  readonly resource: string;
  readonly action: string;
  readonly expected: boolean;
}

export interface Workload {
  readonly sizes: WorkloadSizes;
  readonly tenants: readonly GeneratedTenant[];
  readonly queries: readonly Query[];
  /** The reference resolver the expected answers came from. */
  readonly reference: Reference;
}

/** Generates the policy and the queries (50% granted, 25% same-tenant misses, 15% cross-tenant, 10% unknown). */
export function generateWorkload(seed = 20261124, sizes: WorkloadSizes = DEFAULT_SIZES): Workload {
  const random = new Random(seed);
  const tenants = Array.from({ length: sizes.tenants }, (_, t) => generateTenant(random, t, sizes));
  const reference = new Reference(tenants);
  const queries = Array.from({ length: sizes.queries }, (_, i) =>
    generateQuery(random, reference, tenants, i / sizes.queries),
  );
  return { sizes, tenants, queries: random.shuffle(queries), reference };
}

function generateTenant(random: Random, index: number, sizes: WorkloadSizes): GeneratedTenant {
  const id = `tenant-${String(index).padStart(3, '0')}`;
  const roles: RoleRecord[] = [];
  for (let r = 0; r < sizes.rolesPerTenant; r++) {
    const chain = Math.floor(r / sizes.chainLength);
    const level = r % sizes.chainLength;
    // Role ids and names repeat across tenants; their permissions do not.
    const roleId = `chain${chain}-level${level}`;
    const inherits = level === 0 ? [] : [`chain${chain}-level${level - 1}`];
    roles.push({
      id: roleId,
      name: `Chain ${chain} level ${level}`,
      permissions: permissions(random, sizes),
      inherits,
    });
  }
  const users = Array.from(
    { length: sizes.usersPerTenant },
    (_, u) => `${id}-user-${String(u).padStart(4, '0')}`,
  );
  const assignments: AssignmentRecord[] = [];
  for (const userId of users) {
    const count = 1 + random.int(sizes.maxRolesPerUser);
    const picked = new Set<string>();
    while (picked.size < count) picked.add(random.pick(roles).id);
    for (const roleId of picked)
      assignments.push({ userId, roleId, entityId: null, expiresAt: null });
  }
  return { id, roles, users, assignments };
}

// Mostly exact permissions; about 1 in 25 `resource:*` and 1 in 100 `*:action`.
function permissions(random: Random, sizes: WorkloadSizes): string[] {
  const held = new Set<string>();
  while (held.size < sizes.permissionsPerRole) {
    const roll = random.int(100);
    const resource = roll === 0 ? '*' : random.pick(RESOURCES);
    const action = roll > 0 && roll < 5 ? '*' : random.pick(ACTIONS);
    held.add(`${resource}:${action}`);
  }
  return [...held];
}

function generateQuery(
  random: Random,
  reference: Reference,
  tenants: readonly GeneratedTenant[],
  at: number,
): Query {
  const tenant = random.pick(tenants);
  const userId = random.pick(tenant.users);
  if (at < 0.5) return granted(random, reference, tenant, userId);
  if (at < 0.75) return miss(random, reference, tenant, userId);
  if (at < 0.9) {
    const [resource, action] = reference.instantiate(
      random,
      random.pick(reference.held(tenant.id, userId)),
    );
    const other = random.pick(tenants.filter((t) => t !== tenant));
    return query('cross_tenant', reference, other.id, userId, resource, action);
  }
  const [resource, action] = reference.instantiate(
    random,
    random.pick(reference.held(tenant.id, userId)),
  );
  const third = random.int(3);
  if (third === 0)
    return query(
      'unknown_user',
      reference,
      tenant.id,
      `ghost-${random.int(1e6)}`,
      resource,
      action,
    );
  if (third === 1)
    return query('unknown_resource', reference, tenant.id, userId, 'no-such-resource', action);
  return query('unknown_tenant', reference, 'tenant-missing', userId, resource, action);
}

function granted(
  random: Random,
  reference: Reference,
  tenant: GeneratedTenant,
  userId: string,
): Query {
  const [resource, action] = reference.instantiate(
    random,
    random.pick(reference.held(tenant.id, userId)),
  );
  return query('granted', reference, tenant.id, userId, resource, action);
}

function miss(
  random: Random,
  reference: Reference,
  tenant: GeneratedTenant,
  userId: string,
): Query {
  for (let attempt = 0; attempt < 1000; attempt++) {
    const resource = random.pick(RESOURCES);
    const action = random.pick(ACTIONS);
    if (!reference.check(tenant.id, userId, resource, action)) {
      return query('same_tenant_miss', reference, tenant.id, userId, resource, action);
    }
  }
  return query('same_tenant_miss', reference, tenant.id, userId, 'invoice', 'never');
}

function query(
  kind: QueryKind,
  reference: Reference,
  tenantId: string,
  userId: string,
  resource: string,
  action: string,
): Query {
  return {
    kind,
    tenantId,
    userId,
    resource,
    action,
    expected: reference.check(tenantId, userId, resource, action),
  };
}

/** A naive resolver: role closures as sets, every held permission tried in turn. */
export class Reference {
  readonly #held = new Map<string, Map<string, string[]>>(); // tenant → user → permissions

  constructor(tenants: readonly GeneratedTenant[]) {
    for (const tenant of tenants) {
      const closure = (roleId: string): string[] => {
        const role = tenant.roles.find((r) => r.id === roleId);
        return role === undefined ? [] : [...role.permissions, ...role.inherits.flatMap(closure)];
      };
      const users = new Map<string, string[]>(tenant.users.map((u) => [u, []]));
      for (const a of tenant.assignments) users.get(a.userId)?.push(...closure(a.roleId));
      for (const [u, held] of users) users.set(u, [...new Set(held)]);
      this.#held.set(tenant.id, users);
    }
  }

  held(tenantId: string, userId: string): readonly string[] {
    return this.#held.get(tenantId)?.get(userId) ?? [];
  }

  check(tenantId: string, userId: string, resource: string, action: string): boolean {
    return this.held(tenantId, userId).some((p) => {
      const [r, a] = p.split(':');
      return (r === '*' || r === resource) && (a === '*' || a === action);
    });
  }

  /** Who holds a permission in a tenant, sorted. */
  holders(tenantId: string, resource: string, action: string): string[] {
    const users = [...(this.#held.get(tenantId)?.keys() ?? [])];
    return users.filter((u) => this.check(tenantId, u, resource, action)).sort();
  }

  /** A concrete request a held permission grants (a wildcard side becomes a real name). */
  instantiate(random: Random, permission: string): [string, string] {
    const [r = '', a = ''] = permission.split(':');
    return [r === '*' ? random.pick(RESOURCES) : r, a === '*' ? random.pick(ACTIONS) : a];
  }
}
