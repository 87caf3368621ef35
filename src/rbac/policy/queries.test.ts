import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { RbacError } from '../errors.js';
import { TenantPolicy, parsePermission } from './index.js';
import type { AssignmentRecord, TenantPolicyData } from './index.js';

const NOW = Date.UTC(2026, 0, 1);

function assign(
  userId: string,
  roleId: string,
  entityId: string | null = null,
  expiresAt: number | null = null,
): AssignmentRecord {
  return { userId, roleId, entityId, expiresAt };
}

function policy(assignments: AssignmentRecord[], users = ['ann', 'bob', 'cyd']): TenantPolicy {
  const data: TenantPolicyData = {
    tenantId: `t-${randomUUID()}`,
    revision: 1,
    users,
    roles: [
      { id: 'viewer', name: 'Viewer', permissions: ['doc:read'], inherits: [] },
      { id: 'editor', name: 'Editor', permissions: ['doc:write'], inherits: ['viewer'] },
      { id: 'owner', name: 'Owner', permissions: ['doc:*', 'user:invite'], inherits: ['editor'] },
    ],
    entities: [
      { id: 'org', parentId: null },
      { id: 'sales', parentId: 'org' },
      { id: 'hr', parentId: 'org' },
    ],
    assignments,
  };
  return TenantPolicy.fromData(data);
}

function rbacError(fn: () => unknown): RbacError {
  try {
    fn();
  } catch (error) {
    if (error instanceof RbacError) return error;
    throw error;
  }
  throw new Error('expected an RbacError');
}

describe('explain', () => {
  it('names the deciding assignment, the role chain and the matching permission', () => {
    const p = policy([assign('ann', 'owner', 'sales')]);
    const explanation = p.explain('ann', 'doc', 'read', { entityId: 'sales', now: NOW });
    expect(explanation).toMatchObject({
      granted: true,
      reason: 'granted',
      roleId: 'owner',
      permission: 'doc:read',
      assignment: assign('ann', 'owner', 'sales'),
      roleChain: ['owner', 'editor', 'viewer'],
    });
  });

  it('says why each assignment did not match when denied', () => {
    const p = policy([
      assign('ann', 'owner', null, NOW - 1),
      assign('ann', 'viewer', 'hr'),
      assign('ann', 'editor', null),
    ]);
    const explanation = p.explain('ann', 'user', 'invite', { entityId: 'sales', now: NOW });
    expect(explanation.granted).toBe(false);
    expect(explanation.reason).toBe('no_matching_permission');
    expect(explanation.considered.map((c) => c.outcome)).toEqual([
      'expired',
      'no_matching_permission',
      'no_matching_permission',
    ]);
    const outside = p.explain('ann', 'doc', 'read', { entityId: 'org', now: NOW - 10 });
    expect(outside.granted).toBe(true);
    expect(outside.considered.map((c) => c.outcome)).toEqual([
      'granted',
      'outside_entity',
      'granted',
    ]);
    expect(outside.assignment).toEqual(assign('ann', 'owner', null, NOW - 1));
  });

  it('agrees with check on the deciding role and permission', () => {
    const p = policy([assign('ann', 'viewer', 'sales'), assign('ann', 'owner')]);
    const options = { entityId: 'sales', now: NOW };
    const decision = p.check('ann', 'doc', 'read', options);
    const explanation = p.explain('ann', 'doc', 'read', options);
    expect([explanation.roleId, explanation.permission]).toEqual([
      decision.roleId,
      decision.permission,
    ]);
    expect(decision.roleId).toBe('owner');
  });

  it('explains an unknown user', () => {
    const p = policy([]);
    expect(p.explain('zed', 'doc', 'read', { now: NOW })).toMatchObject({
      reason: 'unknown_user',
      considered: [],
      roleChain: [],
    });
  });
});

describe('reverse queries', () => {
  it("lists a user's effective permissions with the assignment each comes through", () => {
    const p = policy([assign('ann', 'editor', 'sales', NOW + 5), assign('ann', 'viewer')]);
    const rows = p.effectivePermissions('ann', { now: NOW });
    expect(rows).toEqual([
      { permission: 'doc:write', roleId: 'editor', entityId: 'sales', expiresAt: NOW + 5 },
      { permission: 'doc:read', roleId: 'editor', entityId: 'sales', expiresAt: NOW + 5 },
      { permission: 'doc:read', roleId: 'viewer', entityId: null, expiresAt: null },
    ]);
    expect(p.effectivePermissions('ann', { entityId: null, now: NOW })).toHaveLength(1);
    expect(p.effectivePermissions('ann', { entityId: 'hr', now: NOW })).toHaveLength(1);
    expect(p.effectivePermissions('ann', { entityId: 'sales', now: NOW + 5 })).toHaveLength(1);
  });

  it('lists who holds a permission at an entity or tenant-wide', () => {
    const p = policy([
      assign('ann', 'viewer'),
      assign('bob', 'owner', 'sales'),
      assign('cyd', 'editor', 'hr', NOW),
    ]);
    expect(p.usersWith('doc', 'read', { now: NOW })).toEqual(['ann']);
    expect(p.usersWith('doc', 'read', { entityId: 'sales', now: NOW })).toEqual(['ann', 'bob']);
    expect(p.usersWith('doc', 'write', { entityId: 'hr', now: NOW - 1 })).toEqual(['cyd']);
    expect(p.usersWith('doc', 'write', { entityId: 'hr', now: NOW })).toEqual([]);
    expect(p.usersWith('doc', 'delete', { entityId: 'org', now: NOW })).toEqual([]);
  });
});

describe('escalation guard', () => {
  it('counts a held wildcard as covering the exact permission, never the reverse', () => {
    const p = policy([assign('ann', 'owner'), assign('bob', 'editor')]);
    const asked = ['doc:read', 'doc:*', 'user:invite', 'user:*'];
    expect(p.missingPermissions('ann', asked, { now: NOW })).toEqual(['user:*']);
    expect(p.missingPermissions('bob', asked, { now: NOW })).toEqual([
      'doc:*',
      'user:invite',
      'user:*',
    ]);
  });

  it('checks at the scope of the grant', () => {
    const p = policy([assign('ann', 'owner', 'sales')]);
    expect(p.missingPermissions('ann', ['doc:read'], { entityId: 'sales', now: NOW })).toEqual([]);
    expect(p.missingPermissions('ann', ['doc:read'], { entityId: 'hr', now: NOW })).toEqual([
      'doc:read',
    ]);
  });

  it('rejects a malformed permission', () => {
    const p = policy([assign('ann', 'owner')]);
    const error = rbacError(() => p.missingPermissions('ann', ['doc'], { now: NOW }));
    expect(error.code).toBe('RBAC_PERMISSION_INVALID');
  });
});

describe('input validation', () => {
  it.each([
    '',
    'doc',
    ':read',
    'doc:',
    'doc:re:ad',
    'do c:read',
    'doc*:read',
    'doc:\u0000',
    'a'.repeat(129) + ':x',
  ])('rejects the malformed permission %j', (text) => {
    expect(rbacError(() => parsePermission(text)).code).toBe('RBAC_PERMISSION_INVALID');
  });

  it('parses permissions with wildcards', () => {
    expect(parsePermission('*:*')).toEqual({ resource: '*', action: '*' });
    expect(parsePermission('billing.invoice:approve')).toEqual({
      resource: 'billing.invoice',
      action: 'approve',
    });
  });

  it('rejects oversize, empty and control-character names with RBAC_NAME_INVALID', () => {
    const base = { tenantId: 't', revision: 0, roles: [], entities: [], assignments: [] };
    for (const userId of ['', 'x'.repeat(129), 'a\nb']) {
      const error = rbacError(() => TenantPolicy.fromData({ ...base, users: [userId] }));
      expect(error.code).toBe('RBAC_NAME_INVALID');
      expect(error.category).toBe('invalid_argument');
    }
    expect(
      TenantPolicy.fromData({ ...base, users: ['x'.repeat(128)] }).hasUser('x'.repeat(128)),
    ).toBe(true);
  });

  it('rejects a role with a malformed permission', () => {
    const p = policy([]);
    const bad = { id: 'r', name: 'R', permissions: ['doc read'], inherits: [] };
    expect(rbacError(() => p.apply({ kind: 'role_put', role: bad }, 2)).code).toBe(
      'RBAC_PERMISSION_INVALID',
    );
    expect(p.hasRole('r')).toBe(false);
  });

  it('rejects dangling references with typed not-found errors', () => {
    const p = policy([]);
    const codes = [
      assign('zed', 'viewer'),
      assign('ann', 'nope'),
      assign('ann', 'viewer', 'nowhere'),
    ].map((a) => rbacError(() => p.apply({ kind: 'assignment_added', assignment: a }, 2)).code);
    expect(codes).toEqual(['RBAC_USER_NOT_FOUND', 'RBAC_ROLE_NOT_FOUND', 'RBAC_ENTITY_NOT_FOUND']);
    const orphan = { id: 'x', name: 'X', permissions: [], inherits: ['nope'] };
    expect(rbacError(() => p.apply({ kind: 'role_put', role: orphan }, 2)).code).toBe(
      'RBAC_ROLE_NOT_FOUND',
    );
    expect(
      rbacError(() => p.apply({ kind: 'entity_put', entity: { id: 'e', parentId: 'nope' } }, 2))
        .code,
    ).toBe('RBAC_ENTITY_NOT_FOUND');
  });

  it('rejects an expiry that is not a finite number', () => {
    const p = policy([]);
    const a = assign('ann', 'viewer', null, Number.NaN);
    expect(rbacError(() => p.apply({ kind: 'assignment_added', assignment: a }, 2)).code).toBe(
      'RBAC_EXPIRY_INVALID',
    );
  });
});
