import { RbacError, RBAC_ERROR_CODES } from '../errors.js';
import { buildIndex, PermissionTable } from './permission-index.js';
import type { PermissionIndex } from './permission-index.js';
import type { RoleRecord } from './types.js';
import { notFound } from './validate.js';

/** A role's permissions with inheritance folded in, and their lookup index. */
export interface RoleClosure {
  readonly permissions: readonly string[];
  readonly index: PermissionIndex;
}

/**
 * The roles of one tenant as a DAG (an edge from a role to each parent it inherits). Closures
 * are computed on first use and dropped for a role and its heirs when either changes.
 */
export class RoleGraph {
  readonly #roles = new Map<string, RoleRecord>();
  readonly #heirs = new Map<string, Set<string>>(); // parent → roles that inherit it directly
  readonly #closures = new Map<string, RoleClosure>();
  /** The tenant's interned permission pairs, shared by every role index. */
  readonly table = new PermissionTable();

  has(roleId: string): boolean {
    return this.#roles.has(roleId);
  }

  get(roleId: string): RoleRecord | undefined {
    return this.#roles.get(roleId);
  }

  records(): IterableIterator<RoleRecord> {
    return this.#roles.values();
  }

  ids(): IterableIterator<string> {
    return this.#roles.keys();
  }

  /**
   * Loads normalised roles in any order: every parent must be among them and the graph
   * must be acyclic.
   * @throws RbacError `RBAC_ROLE_NOT_FOUND`, `RBAC_ROLE_CYCLE`.
   */
  load(roles: readonly RoleRecord[]): void {
    for (const role of roles) this.#roles.set(role.id, role);
    for (const role of this.#roles.values()) {
      for (const parent of role.inherits) {
        if (!this.#roles.has(parent)) throw notFound('role', parent, 'role.inherits');
        this.#heirsOf(parent).add(role.id);
      }
    }
    const cycle = this.#anyCycle();
    if (cycle !== null) throw cycleError(cycle);
  }

  /**
   * Checks that `role` (normalised) may be stored: parents exist, no cycle.
   * @throws RbacError `RBAC_ROLE_NOT_FOUND`, `RBAC_ROLE_CYCLE`.
   */
  validatePut(role: RoleRecord): void {
    for (const parent of role.inherits) {
      if (parent !== role.id && !this.#roles.has(parent)) {
        throw notFound('role', parent, 'role.inherits');
      }
    }
    const cycle = this.findCycle(role.id, role.inherits);
    if (cycle !== null) throw cycleError(cycle);
  }

  /** Stores a validated role; returns the roles whose closure changed (it and its heirs). */
  put(role: RoleRecord): ReadonlySet<string> {
    const affected = this.heirsOf(role.id);
    const previous = this.#roles.get(role.id);
    for (const parent of previous?.inherits ?? []) this.#heirs.get(parent)?.delete(role.id);
    for (const parent of role.inherits) this.#heirsOf(parent).add(role.id);
    this.#roles.set(role.id, role);
    for (const id of affected) this.#closures.delete(id);
    return affected;
  }

  /**
   * Deletes a role and drops it from its heirs' parents; returns the roles whose closure
   * changed (it and its heirs), empty when the role does not exist.
   */
  delete(roleId: string): ReadonlySet<string> {
    const role = this.#roles.get(roleId);
    if (role === undefined) return new Set();
    const affected = this.heirsOf(roleId);
    for (const parent of role.inherits) this.#heirs.get(parent)?.delete(roleId);
    for (const heir of this.#heirs.get(roleId) ?? []) {
      const record = this.#roles.get(heir);
      if (record === undefined) continue;
      const inherits = Object.freeze(record.inherits.filter((id) => id !== roleId));
      this.#roles.set(heir, Object.freeze({ ...record, inherits }));
    }
    this.#heirs.delete(roleId);
    this.#roles.delete(roleId);
    for (const id of affected) this.#closures.delete(id);
    return affected;
  }

  /** `roleId` and every role inheriting from it, directly or not. */
  heirsOf(roleId: string): Set<string> {
    const seen = new Set<string>([roleId]);
    const stack = [roleId];
    for (let id = stack.pop(); id !== undefined; id = stack.pop()) {
      for (const heir of this.#heirs.get(id) ?? []) {
        if (!seen.has(heir)) {
          seen.add(heir);
          stack.push(heir);
        }
      }
    }
    return seen;
  }

  /**
   * The cycle that giving `roleId` these parents would create, as role ids from `roleId`
   * back to `roleId`, or null. Unknown parents are ignored.
   */
  findCycle(roleId: string, inherits: readonly string[]): readonly string[] | null {
    const visited = new Set<string>();
    const path: string[] = [roleId];
    const reaches = (id: string): boolean => {
      path.push(id);
      if (id === roleId) return true;
      if (!visited.has(id)) {
        visited.add(id);
        for (const parent of this.#roles.get(id)?.inherits ?? []) if (reaches(parent)) return true;
      }
      path.pop();
      return false;
    };
    for (const parent of inherits) if (reaches(parent)) return Object.freeze(path);
    return null;
  }

  /** The closure of a role (its permissions and every ancestor's), computed once. */
  closure(roleId: string): RoleClosure | undefined {
    const cached = this.#closures.get(roleId);
    if (cached !== undefined) return cached;
    const role = this.#roles.get(roleId);
    if (role === undefined) return undefined;
    const permissions = new Set(role.permissions);
    for (const parent of role.inherits) {
      for (const permission of this.closure(parent)?.permissions ?? []) permissions.add(permission);
    }
    const list = Object.freeze([...permissions]);
    const closure: RoleClosure = Object.freeze({
      permissions: list,
      index: buildIndex(this.table, roleId, list),
    });
    this.#closures.set(roleId, closure);
    return closure;
  }

  /** The shortest chain from `roleId` to a role whose own permissions include `permission`. */
  chainTo(roleId: string, permission: string): readonly string[] {
    const previous = new Map<string, string | null>([[roleId, null]]);
    const queue = [roleId];
    for (let i = 0; i < queue.length; i++) {
      const id = queue[i] as string;
      const role = this.#roles.get(id);
      if (role === undefined) continue;
      if (role.permissions.includes(permission)) return Object.freeze(unwind(previous, id));
      for (const parent of role.inherits) {
        if (!previous.has(parent)) {
          previous.set(parent, id);
          queue.push(parent);
        }
      }
    }
    return Object.freeze([roleId]);
  }

  #heirsOf(parent: string): Set<string> {
    let heirs = this.#heirs.get(parent);
    if (heirs === undefined) {
      heirs = new Set();
      this.#heirs.set(parent, heirs);
    }
    return heirs;
  }

  // Depth-first search with colours; a grey parent closes a cycle.
  #anyCycle(): readonly string[] | null {
    const done = new Set<string>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const visit = (id: string): readonly string[] | null => {
      if (onStack.has(id)) return [...stack.slice(stack.indexOf(id)), id];
      if (done.has(id)) return null;
      stack.push(id);
      onStack.add(id);
      for (const parent of this.#roles.get(id)?.inherits ?? []) {
        const cycle = visit(parent);
        if (cycle !== null) return cycle;
      }
      stack.pop();
      onStack.delete(id);
      done.add(id);
      return null;
    };
    for (const id of this.#roles.keys()) {
      const cycle = visit(id);
      if (cycle !== null) return cycle;
    }
    return null;
  }
}

function unwind(previous: ReadonlyMap<string, string | null>, last: string): string[] {
  const chain: string[] = [];
  for (let id: string | null | undefined = last; id != null; id = previous.get(id)) chain.push(id);
  return chain.reverse();
}

function cycleError(cycle: readonly string[]): RbacError {
  return new RbacError(
    RBAC_ERROR_CODES.RBAC_ROLE_CYCLE,
    `role inheritance would form a cycle: ${cycle.join(' → ')}`,
    { details: { cycle: [...cycle] } },
  );
}
