import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { RbacError } from '../errors.js';
import { TenantPolicy } from './index.js';
import type { AssignmentRecord, RoleRecord, TenantPolicyData } from './index.js';

const NOW = Date.UTC(2026, 0, 1);

function role(id: string, permissions: string[], inherits: string[] = []): RoleRecord {
  return { id, name: `${id} role`, permissions, inherits };
}

function assign(
  userId: string,
  roleId: string,
  entityId: string | null = null,
  expiresAt: number | null = null,
): AssignmentRecord {
  return { userId, roleId, entityId, expiresAt };
}

/** A tenant with entities org > sales > emea, org > hr, roles viewer < editor < admin. */
function data(assignments: AssignmentRecord[], extra: Partial<TenantPolicyData> = {}) {
  return {
    tenantId: `t-${randomUUID()}`,
    revision: 1,
    users: ['ann', 'bob', 'cyd'],
    roles: [
      role('viewer', ['doc:read']),
      role('editor', ['doc:write'], ['viewer']),
      role('admin', ['user:*'], ['editor']),
    ],
    entities: [
      { id: 'org', parentId: null },
      { id: 'sales', parentId: 'org' },
      { id: 'emea', parentId: 'sales' },
      { id: 'hr', parentId: 'org' },
    ],
    assignments,
    ...extra,
  } satisfies TenantPolicyData;
}

function policyWith(...assignments: AssignmentRecord[]): TenantPolicy {
  return TenantPolicy.fromData(data(assignments));
}

function granted(p: TenantPolicy, user: string, perm: string, entityId?: string | null): boolean {
  const [resource = '', action = ''] = perm.split(':');
  const options = entityId === undefined ? { now: NOW } : { entityId, now: NOW };
  return p.check(user, resource, action, options).granted;
}

function thrown(fn: () => unknown): RbacError {
  try {
    fn();
  } catch (error) {
    if (error instanceof RbacError) return error;
    throw error;
  }
  throw new Error('expected an RbacError');
}

describe('scope', () => {
  it('grants a tenant-wide check only through tenant-wide assignments', () => {
    const p = policyWith(assign('ann', 'viewer'), assign('bob', 'viewer', 'org'));
    expect(granted(p, 'ann', 'doc:read')).toBe(true);
    expect(p.check('bob', 'doc', 'read', { now: NOW }).reason).toBe('outside_entity');
  });

  it('grants at an entity through tenant-wide assignments and assignments at it or an ancestor', () => {
    const p = policyWith(
      assign('ann', 'viewer'),
      assign('bob', 'viewer', 'sales'),
      assign('cyd', 'viewer', 'emea'),
    );
    for (const user of ['ann', 'bob', 'cyd'])
      expect(granted(p, user, 'doc:read', 'emea')).toBe(true);
    expect(granted(p, 'ann', 'doc:read', 'sales')).toBe(true);
    expect(granted(p, 'bob', 'doc:read', 'sales')).toBe(true);
  });

  it('never grants through an assignment at a descendant or a sibling (the entity boundary)', () => {
    const p = policyWith(assign('bob', 'viewer', 'sales'), assign('cyd', 'viewer', 'emea'));
    expect(p.check('cyd', 'doc', 'read', { entityId: 'sales', now: NOW }).reason).toBe(
      'outside_entity',
    );
    expect(granted(p, 'bob', 'doc:read', 'org')).toBe(false);
    expect(granted(p, 'bob', 'doc:read', 'hr')).toBe(false);
  });

  it('grants nothing at an entity the tenant does not have, tenant-wide assignments included', () => {
    const p = policyWith(assign('ann', 'admin'));
    const decision = p.check('ann', 'doc', 'read', { entityId: 'elsewhere', now: NOW });
    expect(decision).toMatchObject({ granted: false, reason: 'outside_entity' });
  });

  it('applies assignments by the new tree after an entity is re-parented', () => {
    const p = policyWith(assign('bob', 'viewer', 'sales'));
    expect(granted(p, 'bob', 'doc:read', 'hr')).toBe(false);
    p.apply({ kind: 'entity_put', entity: { id: 'hr', parentId: 'sales' } }, 2);
    expect(granted(p, 'bob', 'doc:read', 'hr')).toBe(true);
    p.apply({ kind: 'entity_put', entity: { id: 'emea', parentId: 'org' } }, 3);
    expect(granted(p, 'bob', 'doc:read', 'emea')).toBe(false);
  });
});

describe('permissions', () => {
  it('matches a held wildcard on either side, and a requested * only by a held *', () => {
    const p = TenantPolicy.fromData(
      data([assign('ann', 'r1'), assign('bob', 'r2'), assign('cyd', 'r3')], {
        roles: [role('r1', ['doc:*']), role('r2', ['*:read']), role('r3', ['*:*'])],
      }),
    );
    expect(granted(p, 'ann', 'doc:delete')).toBe(true);
    expect(granted(p, 'ann', 'doc:*')).toBe(true);
    expect(granted(p, 'ann', 'img:read')).toBe(false);
    expect(granted(p, 'bob', 'img:read')).toBe(true);
    expect(granted(p, 'bob', 'img:write')).toBe(false);
    expect(granted(p, 'bob', '*:read')).toBe(true);
    expect(granted(p, 'bob', 'doc:*')).toBe(false);
    expect(granted(p, 'cyd', '*:*')).toBe(true);
  });

  it('finds a grant held only by the fifth of five tenant-wide roles', () => {
    const roles = ['a', 'b', 'c', 'd', 'e'].map((id) => role(id, [`${id}:go`]));
    const p = TenantPolicy.fromData(
      data(
        roles.map((r) => assign('ann', r.id)),
        { roles },
      ),
    );
    expect(p.check('ann', 'e', 'go', { now: NOW }).roleId).toBe('e');
    expect(p.check('ann', 'f', 'go', { now: NOW }).reason).toBe('no_matching_permission');
  });

  it('does not let a held exact permission match a requested wildcard', () => {
    const p = policyWith(assign('ann', 'viewer'));
    expect(granted(p, 'ann', 'doc:*')).toBe(false);
    expect(granted(p, 'ann', '*:read')).toBe(false);
  });

  it('gives a role the permissions of every role it inherits, through diamonds', () => {
    const p = TenantPolicy.fromData(
      data([assign('ann', 'top')], {
        roles: [
          role('base', ['a:1']),
          role('left', ['b:1'], ['base']),
          role('right', ['c:1'], ['base']),
          role('top', [], ['left', 'right']),
        ],
      }),
    );
    expect([...p.rolePermissions('top')].sort()).toEqual(['a:1', 'b:1', 'c:1']);
    expect(granted(p, 'ann', 'a:1')).toBe(true);
    expect(p.check('ann', 'a', '1', { now: NOW }).roleId).toBe('top');
  });
});

describe('expiry', () => {
  it('never grants through an assignment whose expiry has come', () => {
    const p = policyWith(assign('ann', 'viewer', null, NOW));
    expect(p.check('ann', 'doc', 'read', { now: NOW }).reason).toBe('no_active_assignment');
    expect(p.check('ann', 'doc', 'read', { now: NOW - 1 }).granted).toBe(true);
  });

  it('stops a warm cached grant at the expiry, without any change applied', () => {
    const p = policyWith(assign('ann', 'viewer', null, NOW + 1000), assign('ann', 'editor'));
    expect(p.check('ann', 'doc', 'read', { now: NOW }).roleId).toBe('viewer');
    expect(p.check('ann', 'doc', 'read', { now: NOW + 999 }).roleId).toBe('viewer');
    expect(p.check('ann', 'doc', 'read', { now: NOW + 1000 }).roleId).toBe('editor');
    expect(p.check('ann', 'doc', 'read', { now: NOW + 500 }).roleId).toBe('viewer');
  });
});

describe('unknowns', () => {
  it('denies an unknown user with unknown_user and no exception', () => {
    const p = policyWith(assign('ann', 'admin'));
    expect(p.check('zed', 'doc', 'read', { now: NOW })).toMatchObject({
      granted: false,
      reason: 'unknown_user',
      roleId: null,
      permission: null,
    });
  });

  it('denies unknown resources and actions, and a user without assignments', () => {
    const p = policyWith(assign('ann', 'admin'));
    expect(p.check('ann', 'nothing', 'read', { now: NOW }).reason).toBe('no_matching_permission');
    expect(p.check('ann', '', '', { now: NOW }).reason).toBe('no_matching_permission');
    expect(p.check('bob', 'doc', 'read', { now: NOW }).reason).toBe('no_active_assignment');
  });

  it('returns the same frozen decision for repeated warm checks', () => {
    const p = policyWith(assign('ann', 'admin'));
    const first = p.check('ann', 'doc', 'read', { now: NOW });
    expect(p.check('ann', 'doc', 'read', { now: NOW })).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
  });
});

describe('changes', () => {
  it('stops granting through a deleted role, directly or inherited', () => {
    const p = policyWith(assign('ann', 'viewer'), assign('bob', 'admin'));
    p.apply({ kind: 'role_deleted', roleId: 'viewer' }, 2);
    expect(granted(p, 'ann', 'doc:read')).toBe(false);
    expect(granted(p, 'bob', 'doc:read')).toBe(false);
    expect(granted(p, 'bob', 'doc:write')).toBe(true);
    expect(p.toData().assignments.some((a) => a.roleId === 'viewer')).toBe(false);
  });

  it('refuses a change that would create a cycle, naming it, and applies nothing', () => {
    const p = policyWith(assign('ann', 'viewer'));
    const error = thrown(() =>
      p.apply({ kind: 'role_put', role: role('viewer', ['doc:read'], ['admin']) }, 2),
    );
    expect(error.code).toBe('RBAC_ROLE_CYCLE');
    expect(error.details['cycle']).toEqual(['viewer', 'admin', 'editor', 'viewer']);
    expect(error.message).toContain('viewer → admin → editor → viewer');
    expect(p.revision).toBe(1);
    expect(p.rolePermissions('viewer')).toEqual(['doc:read']);
  });

  it('refuses cyclic data and self-inheritance when loading', () => {
    const cyclic = data([], { roles: [role('a', [], ['b']), role('b', [], ['a'])] });
    expect(thrown(() => TenantPolicy.fromData(cyclic)).code).toBe('RBAC_ROLE_CYCLE');
    const selfish = data([], { roles: [role('a', [], ['a'])] });
    expect(thrown(() => TenantPolicy.fromData(selfish)).details['cycle']).toEqual(['a', 'a']);
  });

  it('reports the cycle a write would create before it is stored', () => {
    const p = policyWith();
    expect(p.findCycle('viewer', ['admin'])).toEqual(['viewer', 'admin', 'editor', 'viewer']);
    expect(p.findCycle('admin', ['viewer'])).toBeNull();
    expect(p.findCycle('viewer', ['viewer'])).toEqual(['viewer', 'viewer']);
  });

  it('skips a change at or below the current revision', () => {
    const p = policyWith();
    expect(p.apply({ kind: 'assignment_added', assignment: assign('ann', 'viewer') }, 1)).toBe(
      false,
    );
    expect(granted(p, 'ann', 'doc:read')).toBe(false);
    expect(p.apply({ kind: 'assignment_added', assignment: assign('ann', 'viewer') }, 2)).toBe(
      true,
    );
    expect(granted(p, 'ann', 'doc:read')).toBe(true);
    expect(p.revision).toBe(2);
  });

  it('invalidates the holders of a changed role and of its heirs, and no one else', () => {
    const p = TenantPolicy.fromData(
      data([assign('ann', 'viewer'), assign('bob', 'admin'), assign('cyd', 'other')], {
        roles: [...data([]).roles, role('other', ['x:y'])],
      }),
    );
    for (const user of ['ann', 'bob', 'cyd']) granted(p, user, 'doc:read');
    p.apply(
      { kind: 'role_put', role: role('editor', ['doc:write', 'doc:publish'], ['viewer']) },
      2,
    );
    expect([p.isCached('ann'), p.isCached('bob'), p.isCached('cyd')]).toEqual([true, false, true]);
    expect(granted(p, 'bob', 'doc:publish')).toBe(true);
  });

  it('invalidates only the user whose assignment changed, and nobody on a re-parent', () => {
    const p = policyWith(assign('ann', 'viewer'), assign('bob', 'viewer', 'sales'));
    granted(p, 'ann', 'doc:read');
    granted(p, 'bob', 'doc:read', 'emea');
    p.apply({ kind: 'entity_put', entity: { id: 'emea', parentId: 'org' } }, 2);
    expect(p.cachedUsers).toBe(2);
    p.apply({ kind: 'assignment_removed', userId: 'bob', roleId: 'viewer', entityId: 'sales' }, 3);
    expect([p.isCached('ann'), p.isCached('bob')]).toEqual([true, false]);
    expect(granted(p, 'bob', 'doc:read', 'sales')).toBe(false);
  });

  it('removes the assignments of a removed user and of a deleted entity', () => {
    const p = policyWith(assign('ann', 'viewer'), assign('bob', 'viewer', 'emea'));
    p.apply({ kind: 'user_removed', userId: 'ann' }, 2);
    p.apply({ kind: 'entity_deleted', entityId: 'emea' }, 3);
    expect(p.check('ann', 'doc', 'read', { now: NOW }).reason).toBe('unknown_user');
    expect(p.check('bob', 'doc', 'read', { now: NOW }).reason).toBe('no_active_assignment');
    expect(p.toData().assignments).toEqual([]);
  });

  it('refuses to delete an entity with children, or to make an entity its own ancestor', () => {
    const p = policyWith();
    expect(thrown(() => p.apply({ kind: 'entity_deleted', entityId: 'sales' }, 2)).code).toBe(
      'RBAC_ENTITY_HAS_CHILDREN',
    );
    const error = thrown(() =>
      p.apply({ kind: 'entity_put', entity: { id: 'sales', parentId: 'emea' } }, 2),
    );
    expect(error.code).toBe('RBAC_ENTITY_CYCLE');
    expect(error.details['cycle']).toEqual(['sales', 'emea', 'sales']);
    expect(p.isWithin('emea', 'sales')).toBe(true);
  });

  it('replaces the expiry of an assignment added twice', () => {
    const p = policyWith(assign('ann', 'viewer', null, NOW - 1));
    p.apply({ kind: 'assignment_added', assignment: assign('ann', 'viewer', null, null) }, 2);
    expect(p.toData().assignments).toEqual([assign('ann', 'viewer', null, null)]);
    expect(granted(p, 'ann', 'doc:read')).toBe(true);
  });
});
