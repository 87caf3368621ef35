import { RbacError, RBAC_ERROR_CODES } from '../errors.js';
import { AssignmentBook } from './assignment-book.js';
import { compileUser, decide, isActive } from './compiled-user.js';
import type { CheckContext, CompiledUser } from './compiled-user.js';
import { EntityTree } from './entity-tree.js';
import { applies, explainCheck } from './explain.js';
import { assertName, parsePermission } from './names.js';
import { matchIndex } from './permission-index.js';
import { RoleGraph } from './role-graph.js';
import type {
  AssignmentRecord,
  CheckOptions,
  Decision,
  EffectivePermission,
  Explanation,
  PolicyChange,
  TenantPolicyData,
} from './types.js';
import { normaliseAssignment, normaliseEntity, normaliseRole, notFound } from './validate.js';

/**
 * The RBAC policy of one tenant, in memory: users, the role DAG, the entity tree and role
 * assignments, with a per-user compiled permission cache.
 *
 * - A check with no entity is tenant-wide: only tenant-wide assignments grant. A check at
 *   entity E is granted by tenant-wide assignments and by assignments at E or an ancestor
 *   of E, never at a descendant or sibling; at an entity the tenant does not have, nothing
 *   grants.
 * - A held permission matches when its resource and action are each equal to the request's
 *   or `*`; a requested `*` is literal (only a held `*` matches it).
 * - An assignment grants while `now < expiresAt`; a cached result never outlives an expiry.
 * - Checks never throw: unknown users, roles, resources and entities are denials.
 *
 * Not thread-safe by design (single-threaded JS); one instance per tenant, owned by the
 * RBAC service, which feeds it `apply` in revision order.
 *
 * @example
 * const policy = TenantPolicy.fromData(data);
 * policy.check('u1', 'document', 'read', { entityId: 'sales', now: clock.now() }).granted;
 */
export class TenantPolicy {
  readonly tenantId: string;
  #revision: number;
  readonly #users = new Set<string>();
  readonly #roles = new RoleGraph();
  readonly #entities = new EntityTree();
  readonly #assignments = new AssignmentBook();
  readonly #cache = new Map<string, CompiledUser>();
  readonly #context: CheckContext = {
    entities: this.#entities,
    table: this.#roles.table,
    ids: new Int32Array(4),
  };

  private constructor(tenantId: string, revision: number) {
    this.tenantId = tenantId;
    this.#revision = revision;
  }

  /**
   * Builds a tenant's policy from stored data (records in any order).
   * @throws RbacError `RBAC_NAME_INVALID`, `RBAC_PERMISSION_INVALID`, `RBAC_EXPIRY_INVALID`,
   * `RBAC_*_NOT_FOUND` for a dangling reference, `RBAC_ROLE_CYCLE` / `RBAC_ENTITY_CYCLE`
   * naming the cycle.
   */
  static fromData(data: TenantPolicyData): TenantPolicy {
    assertName(data.tenantId, 'tenantId');
    const policy = new TenantPolicy(data.tenantId, data.revision);
    for (const userId of data.users) {
      assertName(userId, 'userId');
      policy.#users.add(userId);
    }
    policy.#roles.load(data.roles.map(normaliseRole));
    policy.#entities.load(data.entities.map(normaliseEntity));
    for (const record of data.assignments) {
      const assignment = normaliseAssignment(record);
      policy.#assertAssignable(assignment);
      policy.#assignments.add(assignment);
    }
    return policy;
  }

  /** The revision of the last change applied (or of the loaded data). */
  get revision(): number {
    return this.#revision;
  }

  /**
   * Decides whether a user may perform `action` on `resource`, from the user's compiled
   * permission set (compiled on first use, after an invalidating change, or when an expiry
   * it relied on has passed). A warm check allocates nothing; never throws.
   */
  check(userId: string, resource: string, action: string, options: CheckOptions): Decision {
    const { now } = options;
    let user = this.#cache.get(userId);
    if (user === undefined || now < user.validFrom || now >= user.validUntil) {
      if (!this.#users.has(userId)) return unknownUser;
      user = compileUser(this.#assignments.of(userId), this.#roles, now);
      this.#cache.set(userId, user);
    }
    return decide(user, this.#context, resource, action, options.entityId ?? null);
  }

  /**
   * The decision `check` would return, with the deciding assignment, the role chain from the
   * assigned role to the role holding the matching permission, and every assignment of the
   * user with its outcome. Uncached; for audit and support, not the hot path.
   */
  explain(userId: string, resource: string, action: string, options: CheckOptions): Explanation {
    const request = { resource, action, entityId: options.entityId ?? null, now: options.now };
    return explainCheck(this.#explainSource(), userId, request);
  }

  /**
   * The permissions a user holds at `now`, one row per permission and active assignment
   * (permission, assigned role, scope, expiry). `entityId` omitted: every active assignment,
   * whatever its scope; `null`: tenant-wide ones; an entity: those that apply there.
   */
  effectivePermissions(userId: string, options: CheckOptions): readonly EffectivePermission[] {
    const rows: EffectivePermission[] = [];
    for (const assignment of this.#assignments.of(userId)) {
      if (!isActive(assignment, options.now)) continue;
      if (options.entityId !== undefined && !this.#applies(assignment, options.entityId)) continue;
      const { roleId, entityId, expiresAt } = assignment;
      for (const permission of this.#roles.closure(roleId)?.permissions ?? []) {
        rows.push(Object.freeze({ permission, roleId, entityId, expiresAt }));
      }
    }
    return Object.freeze(rows);
  }

  /**
   * The users (sorted) for whom `check(user, resource, action, options)` is granted: at the
   * entity, or tenant-wide when `entityId` is absent or null. Reads the role holders of the
   * matching roles only, not every user.
   */
  usersWith(resource: string, action: string, options: CheckOptions): readonly string[] {
    const scopes = this.#scopesOf(options.entityId ?? null);
    if (scopes === undefined) return Object.freeze([]);
    const users = new Set<string>();
    for (const roleId of this.#roles.ids()) {
      const index = this.#roles.closure(roleId)?.index;
      if (index === undefined || matchIndex(index, resource, action) === null) continue;
      for (const a of this.#assignments.ofRole(roleId)) {
        if (isActive(a, options.now) && (a.entityId === null || scopes.has(a.entityId))) {
          users.add(a.userId);
        }
      }
    }
    return Object.freeze([...users].sort());
  }

  /**
   * Applies one change stored at `revision`. A change at or below the current revision was
   * already applied and is skipped (returns false), so replays are harmless. Removing
   * something that does not exist is a no-op. Cascades: removing a user, role or entity
   * removes its assignments; deleting a role drops it from its heirs' parents. Only the
   * cache entries of users whose permissions can change are dropped.
   * @throws RbacError as `fromData` for an invalid change, plus `RBAC_ENTITY_HAS_CHILDREN`;
   * nothing is applied then and the revision stays.
   */
  apply(change: PolicyChange, revision: number): boolean {
    if (revision <= this.#revision) return false;
    this.#applyChange(change);
    this.#revision = revision;
    return true;
  }

  /**
   * The cycle that giving `roleId` the parents `inherits` would create, from `roleId` back to
   * it (`['a', 'b', 'a']`), or null. For validating a write before it is stored.
   */
  findCycle(roleId: string, inherits: readonly string[]): readonly string[] | null {
    return this.#roles.findCycle(roleId, inherits);
  }

  /**
   * Of `permissions`, those the user does not hold at the scope (escalation guard). Holding
   * `doc:*` covers `doc:read`; holding `doc:read` does not cover `doc:*`.
   * @throws RbacError `RBAC_PERMISSION_INVALID` for a malformed permission.
   */
  missingPermissions(
    userId: string,
    permissions: readonly string[],
    options: CheckOptions,
  ): readonly string[] {
    const parsed = permissions.map((text) => [text, parsePermission(text)] as const);
    const missing = parsed
      .filter(([, p]) => !this.check(userId, p.resource, p.action, options).granted)
      .map(([text]) => text);
    return Object.freeze(missing);
  }

  /** A role's permissions with inheritance folded in; empty for an unknown role. */
  rolePermissions(roleId: string): readonly string[] {
    return this.#roles.closure(roleId)?.permissions ?? [];
  }

  hasUser(userId: string): boolean {
    return this.#users.has(userId);
  }

  hasRole(roleId: string): boolean {
    return this.#roles.has(roleId);
  }

  hasEntity(entityId: string): boolean {
    return this.#entities.has(entityId);
  }

  /** True when both entities exist and `ancestorId` is `entityId` or one of its ancestors. */
  isWithin(entityId: string, ancestorId: string): boolean {
    return this.#entities.isWithin(entityId, ancestorId);
  }

  /** The policy as data: `fromData(policy.toData())` behaves like `policy`. */
  toData(): TenantPolicyData {
    return Object.freeze({
      tenantId: this.tenantId,
      revision: this.#revision,
      users: Object.freeze([...this.#users]),
      roles: Object.freeze([...this.#roles.records()]),
      entities: Object.freeze(this.#entities.records()),
      assignments: Object.freeze([...this.#assignments.all()]),
    });
  }

  /** Drops a user's compiled permissions (the next check recompiles them). */
  invalidateUser(userId: string): void {
    this.#cache.delete(userId);
  }

  /** Drops every compiled permission set. */
  invalidateAll(): void {
    this.#cache.clear();
  }

  /** True when the user's compiled permissions are cached (for tests and metrics). */
  isCached(userId: string): boolean {
    return this.#cache.has(userId);
  }

  /** How many users have compiled permissions cached. */
  get cachedUsers(): number {
    return this.#cache.size;
  }

  // The entity and its ancestors (empty for a tenant-wide check); undefined for an unknown entity.
  #scopesOf(entityId: string | null): ReadonlySet<string> | undefined {
    if (entityId === null) return new Set();
    if (!this.#entities.has(entityId)) return undefined;
    const scopes = new Set<string>();
    for (
      let at: string | null | undefined = entityId;
      at != null;
      at = this.#entities.parentOf(at)
    ) {
      scopes.add(at);
    }
    return scopes;
  }

  #applies(assignment: AssignmentRecord, entityId: string | null): boolean {
    return applies(this.#entities, assignment, entityId);
  }

  #explainSource() {
    return {
      roles: this.#roles,
      entities: this.#entities,
      assignmentsOf: (userId: string) => this.#assignments.of(userId),
      hasUser: (userId: string) => this.#users.has(userId),
    };
  }

  #assertAssignable(assignment: AssignmentRecord): void {
    if (!this.#users.has(assignment.userId)) {
      throw notFound('user', assignment.userId, 'assignment.userId');
    }
    if (!this.#roles.has(assignment.roleId)) {
      throw notFound('role', assignment.roleId, 'assignment.roleId');
    }
    if (assignment.entityId !== null && !this.#entities.has(assignment.entityId)) {
      throw notFound('entity', assignment.entityId, 'assignment.entityId');
    }
  }

  #invalidate(users: Iterable<string>): void {
    for (const userId of users) this.#cache.delete(userId);
  }

  #invalidateHolders(roleIds: Iterable<string>): void {
    for (const roleId of roleIds) this.#invalidate(this.#assignments.holdersOf(roleId));
  }

  #applyChange(change: PolicyChange): void {
    switch (change.kind) {
      case 'user_added':
        assertName(change.userId, 'userId');
        this.#users.add(change.userId);
        return;
      case 'user_removed':
        this.#assignments.removeUser(change.userId);
        this.#users.delete(change.userId);
        this.#cache.delete(change.userId);
        return;
      case 'role_put': {
        const role = normaliseRole(change.role);
        this.#roles.validatePut(role);
        this.#invalidateHolders(this.#roles.put(role));
        return;
      }
      case 'role_deleted': {
        const affected = this.#roles.heirsOf(change.roleId);
        this.#invalidateHolders(affected);
        this.#assignments.removeRole(change.roleId);
        this.#roles.delete(change.roleId);
        return;
      }
      case 'entity_put': {
        const entity = normaliseEntity(change.entity);
        this.#entities.validatePut(entity);
        this.#entities.put(entity); // checks walk the live tree: no cache entry depends on it
        return;
      }
      case 'entity_deleted':
        if (!this.#entities.has(change.entityId)) return;
        this.#entities.delete(change.entityId); // throws while it has children
        this.#invalidate(this.#assignments.removeEntity(change.entityId));
        return;
      case 'assignment_added': {
        const assignment = normaliseAssignment(change.assignment);
        this.#assertAssignable(assignment);
        this.#assignments.add(assignment);
        this.#cache.delete(assignment.userId);
        return;
      }
      case 'assignment_removed':
        if (this.#assignments.remove(change.userId, change.roleId, change.entityId)) {
          this.#cache.delete(change.userId);
        }
        return;
      default:
        return assertNever(change);
    }
  }
}

const unknownUser: Decision = Object.freeze({
  granted: false,
  reason: 'unknown_user',
  roleId: null,
  permission: null,
});

function assertNever(change: never): never {
  throw new RbacError(RBAC_ERROR_CODES.RBAC_NAME_INVALID, 'unknown policy change kind', {
    details: { kind: (change as { kind?: unknown }).kind },
  });
}
