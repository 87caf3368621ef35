import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RbacError } from '../errors.js';
import { TenantPolicy } from './index.js';
import type {
  AssignmentRecord,
  DecisionReason,
  EntityRecord,
  PolicyChange,
  RoleRecord,
  TenantPolicyData,
} from './index.js';

// A naive resolver, written from the rules and sharing no code with the engine.

const USERS = ['u0', 'u1', 'u2', 'u3'];
const ROLE_POOL = ['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6'];
const ENTITY_POOL = ['e0', 'e1', 'e2', 'e3', 'e4', 'e5', 'e6'];

function closureOf(data: TenantPolicyData, roleId: string, seen = new Set<string>()): string[] {
  const role = data.roles.find((r) => r.id === roleId);
  if (role === undefined || seen.has(roleId)) return [];
  seen.add(roleId);
  return [...role.permissions, ...role.inherits.flatMap((p) => closureOf(data, p, seen))];
}

function matches(held: string, resource: string, action: string): boolean {
  const [r, a] = held.split(':');
  return (r === '*' || r === resource) && (a === '*' || a === action);
}

function ancestorsOrSelf(data: TenantPolicyData, entityId: string): string[] {
  const chain: string[] = [];
  let at = data.entities.find((e) => e.id === entityId);
  while (at !== undefined && !chain.includes(at.id)) {
    chain.push(at.id);
    const parentId = at.parentId;
    at = data.entities.find((e) => e.id === parentId);
  }
  return chain;
}

interface Query {
  readonly user: string;
  readonly resource: string;
  readonly action: string;
  readonly entity: string | null | undefined;
  readonly now: number;
}

function referenceCheck(data: TenantPolicyData, q: Query): DecisionReason {
  if (!data.users.includes(q.user)) return 'unknown_user';
  const active = data.assignments.filter(
    (a) => a.userId === q.user && (a.expiresAt === null || q.now < a.expiresAt),
  );
  if (active.length === 0) return 'no_active_assignment';
  const holds = (a: AssignmentRecord) =>
    closureOf(data, a.roleId).some((p) => matches(p, q.resource, q.action));
  const entity = q.entity ?? null;
  const known = entity === null || data.entities.some((e) => e.id === entity);
  const scopes = entity === null ? [] : ancestorsOrSelf(data, entity);
  const applies = (a: AssignmentRecord) =>
    known && (a.entityId === null || scopes.includes(a.entityId));
  if (active.some((a) => applies(a) && holds(a))) return 'granted';
  return active.some(holds) ? 'outside_entity' : 'no_matching_permission';
}

function optionsOf(q: Query) {
  return q.entity === undefined ? { now: q.now } : { entityId: q.entity, now: q.now };
}

// Generators: roles only inherit lower-numbered roles (a DAG), entities lower-numbered parents.

const permission = fc
  .tuple(fc.constantFrom('a', 'b', '*'), fc.constantFrom('x', 'y', '*'))
  .map(([r, a]) => `${r}:${a}`);

const expiry = fc.option(fc.integer({ min: 0, max: 10 }), { nil: null });

function roleArb(id: string, parents: readonly string[]): fc.Arbitrary<RoleRecord> {
  return fc.record({
    id: fc.constant(id),
    name: fc.constant(`role ${id}`),
    permissions: fc.uniqueArray(permission, { maxLength: 3 }),
    inherits:
      parents.length === 0
        ? fc.constant([])
        : fc.uniqueArray(fc.constantFrom(...parents), { maxLength: 2 }),
  });
}

function entityArb(id: string, parents: readonly string[]): fc.Arbitrary<EntityRecord> {
  const parentId =
    parents.length === 0
      ? fc.constant(null)
      : fc.option(fc.constantFrom(...parents), { nil: null });
  return fc.record({ id: fc.constant(id), parentId });
}

function dedupe(assignments: readonly AssignmentRecord[]): AssignmentRecord[] {
  const seen = new Set<string>();
  return assignments.filter((a) => {
    const key = `${a.userId}|${a.roleId}|${String(a.entityId)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

const dataArb: fc.Arbitrary<TenantPolicyData> = fc
  .record({ roles: fc.integer({ min: 1, max: 6 }), entities: fc.integer({ min: 0, max: 6 }) })
  .chain(({ roles, entities }) => {
    const roleIds = ROLE_POOL.slice(0, roles);
    const entityIds = ENTITY_POOL.slice(0, entities);
    const assignment = fc.record({
      userId: fc.constantFrom(...USERS),
      roleId: fc.constantFrom(...roleIds),
      entityId:
        entityIds.length === 0
          ? fc.constant(null)
          : fc.option(fc.constantFrom(...entityIds), { nil: null }),
      expiresAt: expiry,
    });
    return fc.record({
      roles: fc.tuple(...roleIds.map((id, i) => roleArb(id, roleIds.slice(0, i)))),
      entities: fc.tuple(...entityIds.map((id, i) => entityArb(id, entityIds.slice(0, i)))),
      assignments: fc.array(assignment, { maxLength: 12 }).map(dedupe),
      reversed: fc.boolean(),
    });
  })
  .map(({ roles, entities, assignments, reversed }) => ({
    tenantId: 'tenant',
    revision: 1,
    users: USERS,
    roles: reversed ? [...roles].reverse() : roles,
    entities: reversed ? [...entities].reverse() : entities,
    assignments,
  }));

const queryArb: fc.Arbitrary<Query> = fc.record({
  user: fc.constantFrom(...USERS, 'ghost'),
  resource: fc.constantFrom('a', 'b', '*', 'c'),
  action: fc.constantFrom('x', 'y', '*', 'z'),
  entity: fc.constantFrom(undefined, null, ...ENTITY_POOL.slice(0, 4), 'nowhere'),
  now: fc.integer({ min: 0, max: 11 }),
});

describe('TenantPolicy against a naive resolver', () => {
  it('check agrees with the reference, and explain, usersWith and missingPermissions with check', () => {
    fc.assert(
      fc.property(dataArb, fc.array(queryArb, { minLength: 1, maxLength: 30 }), (data, queries) => {
        const policy = TenantPolicy.fromData(data);
        for (const q of queries) {
          const options = optionsOf(q);
          const decision = policy.check(q.user, q.resource, q.action, options);
          expect(decision.reason).toBe(referenceCheck(data, q));
          expect(decision.granted).toBe(decision.reason === 'granted');
          if (decision.granted) {
            expect(matches(decision.permission ?? '', q.resource, q.action)).toBe(true);
            expect(closureOf(data, decision.roleId ?? '')).toContain(decision.permission);
          }
          const explanation = policy.explain(q.user, q.resource, q.action, options);
          expect({ ...decision }).toEqual({
            granted: explanation.granted,
            reason: explanation.reason,
            roleId: explanation.roleId,
            permission: explanation.permission,
          });
          const holders = USERS.filter(
            (u) => policy.check(u, q.resource, q.action, options).granted,
          );
          expect(policy.usersWith(q.resource, q.action, options)).toEqual(holders);
          const asked = ['a:x', 'a:*', '*:y', 'b:y', '*:*'];
          const missing = asked.filter((p) => {
            const [r = '', a = ''] = p.split(':');
            return !policy.check(q.user, r, a, options).granted;
          });
          expect(policy.missingPermissions(q.user, asked, options)).toEqual(missing);
        }
      }),
      { numRuns: 300 },
    );
  });
});

// The data a change sequence should produce, by the documented rules, or null if invalid.
function referenceApply(data: TenantPolicyData, change: PolicyChange): TenantPolicyData | null {
  const { users, roles, entities, assignments } = data;
  const next = (patch: Partial<TenantPolicyData>) => ({ ...data, ...patch });
  switch (change.kind) {
    case 'user_added':
      return users.includes(change.userId) ? data : next({ users: [...users, change.userId] });
    case 'user_removed':
      return next({
        users: users.filter((u) => u !== change.userId),
        assignments: assignments.filter((a) => a.userId !== change.userId),
      });
    case 'role_put': {
      const { role } = change;
      const others = { ...data, roles: roles.filter((r) => r.id !== role.id) };
      if (role.inherits.some((p) => p !== role.id && !roles.some((r) => r.id === p))) return null;
      if (role.inherits.some((p) => p === role.id || reaches(others, p, role.id))) return null;
      const at = roles.findIndex((r) => r.id === role.id);
      return next({
        roles: at < 0 ? [...roles, role] : roles.map((r, i) => (i === at ? role : r)),
      });
    }
    case 'role_deleted':
      return next({
        roles: roles
          .filter((r) => r.id !== change.roleId)
          .map((r) => ({ ...r, inherits: r.inherits.filter((p) => p !== change.roleId) })),
        assignments: assignments.filter((a) => a.roleId !== change.roleId),
      });
    case 'entity_put': {
      const { id, parentId } = change.entity;
      if (parentId !== null && !entities.some((e) => e.id === parentId)) return null;
      if (parentId !== null && ancestorsOrSelf(data, parentId).includes(id)) return null;
      const at = entities.findIndex((e) => e.id === id);
      const entity = { id, parentId };
      return next({
        entities: at < 0 ? [...entities, entity] : entities.map((e, i) => (i === at ? entity : e)),
      });
    }
    case 'entity_deleted':
      if (entities.some((e) => e.parentId === change.entityId)) return null;
      return next({
        entities: entities.filter((e) => e.id !== change.entityId),
        assignments: assignments.filter((a) => a.entityId !== change.entityId),
      });
    case 'assignment_added': {
      const a = change.assignment;
      if (!users.includes(a.userId) || !roles.some((r) => r.id === a.roleId)) return null;
      if (a.entityId !== null && !entities.some((e) => e.id === a.entityId)) return null;
      const at = assignments.findIndex(
        (b) => b.userId === a.userId && b.roleId === a.roleId && b.entityId === a.entityId,
      );
      return next({
        assignments: at < 0 ? [...assignments, a] : assignments.map((b, i) => (i === at ? a : b)),
      });
    }
    case 'assignment_removed':
      return next({
        assignments: assignments.filter(
          (a) =>
            !(
              a.userId === change.userId &&
              a.roleId === change.roleId &&
              a.entityId === change.entityId
            ),
        ),
      });
  }
}

function reaches(data: TenantPolicyData, from: string, target: string): boolean {
  return closureRoles(data, from).includes(target);
}

function closureRoles(data: TenantPolicyData, roleId: string, seen = new Set<string>()): string[] {
  if (seen.has(roleId)) return [];
  seen.add(roleId);
  const role = data.roles.find((r) => r.id === roleId);
  return [roleId, ...(role?.inherits.flatMap((p) => closureRoles(data, p, seen)) ?? [])];
}

const changeArb: fc.Arbitrary<PolicyChange> = fc.oneof(
  fc.record({ kind: fc.constant('user_added' as const), userId: fc.constantFrom(...USERS, 'u9') }),
  fc.record({ kind: fc.constant('user_removed' as const), userId: fc.constantFrom(...USERS) }),
  fc.record({
    kind: fc.constant('role_put' as const),
    role: fc.record({
      id: fc.constantFrom(...ROLE_POOL),
      name: fc.constant('a role'),
      permissions: fc.uniqueArray(permission, { maxLength: 3 }),
      inherits: fc.uniqueArray(fc.constantFrom(...ROLE_POOL), { maxLength: 2 }),
    }),
  }),
  fc.record({ kind: fc.constant('role_deleted' as const), roleId: fc.constantFrom(...ROLE_POOL) }),
  fc.record({
    kind: fc.constant('entity_put' as const),
    entity: fc.record({
      id: fc.constantFrom(...ENTITY_POOL),
      parentId: fc.option(fc.constantFrom(...ENTITY_POOL), { nil: null }),
    }),
  }),
  fc.record({
    kind: fc.constant('entity_deleted' as const),
    entityId: fc.constantFrom(...ENTITY_POOL),
  }),
  fc.record({
    kind: fc.constant('assignment_added' as const),
    assignment: fc.record({
      userId: fc.constantFrom(...USERS, 'u9'),
      roleId: fc.constantFrom(...ROLE_POOL),
      entityId: fc.option(fc.constantFrom(...ENTITY_POOL), { nil: null }),
      expiresAt: expiry,
    }),
  }),
  fc.record({
    kind: fc.constant('assignment_removed' as const),
    userId: fc.constantFrom(...USERS),
    roleId: fc.constantFrom(...ROLE_POOL),
    entityId: fc.option(fc.constantFrom(...ENTITY_POOL), { nil: null }),
  }),
);

function byId<T extends { readonly id: string }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => a.id.localeCompare(b.id));
}

function comparable(data: TenantPolicyData) {
  return {
    users: [...data.users].sort(),
    roles: byId(data.roles),
    entities: byId(data.entities),
    // Per-user order decides which role a grant names, so keep it; users in any order.
    assignments: [...data.assignments].sort((a, b) => a.userId.localeCompare(b.userId)),
  };
}

describe('TenantPolicy.apply', () => {
  it('after any change sequence, behaves like fromData of the resulting data', () => {
    fc.assert(
      fc.property(
        dataArb,
        fc.array(changeArb, { minLength: 1, maxLength: 12 }),
        fc.array(queryArb, { minLength: 1, maxLength: 8 }),
        (initial, changes, queries) => {
          const policy = TenantPolicy.fromData(initial);
          let expected: TenantPolicyData = initial;
          let revision = initial.revision;
          for (const change of changes) {
            for (const q of queries) policy.check(q.user, q.resource, q.action, optionsOf(q));
            const after = referenceApply(expected, change);
            if (after === null) {
              expect(() => policy.apply(change, revision + 1)).toThrow(RbacError);
              expect(policy.revision).toBe(revision);
            } else {
              expect(policy.apply(change, ++revision)).toBe(true);
              expected = { ...after, revision };
            }
            expect(comparable(policy.toData())).toEqual(comparable(expected));
            const fresh = TenantPolicy.fromData(expected);
            for (const q of queries) {
              const options = optionsOf(q);
              expect(policy.check(q.user, q.resource, q.action, options)).toEqual(
                fresh.check(q.user, q.resource, q.action, options),
              );
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
