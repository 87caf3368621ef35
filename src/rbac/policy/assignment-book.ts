import type { AssignmentRecord } from './types.js';

/**
 * The assignments of one tenant, by user (in the order they were added) with reverse
 * indexes by role and by entity, for invalidation and reverse queries. One assignment per
 * (user, role, entity): adding it again replaces its expiry in place.
 */
export class AssignmentBook {
  readonly #byUser = new Map<string, AssignmentRecord[]>();
  readonly #holders = new Map<string, Set<string>>(); // roleId → users
  readonly #ofRole = new Map<string, Set<AssignmentRecord>>();
  readonly #atEntity = new Map<string, Set<string>>(); // entityId → users

  of(userId: string): readonly AssignmentRecord[] {
    return this.#byUser.get(userId) ?? [];
  }

  /** Users with at least one assignment of the role. */
  holdersOf(roleId: string): ReadonlySet<string> {
    return this.#holders.get(roleId) ?? EMPTY;
  }

  /** The assignments of a role, for reverse queries. */
  ofRole(roleId: string): ReadonlySet<AssignmentRecord> {
    return this.#ofRole.get(roleId) ?? NO_ASSIGNMENTS;
  }

  /** Users with at least one assignment scoped to the entity. */
  usersAt(entityId: string): ReadonlySet<string> {
    return this.#atEntity.get(entityId) ?? EMPTY;
  }

  *all(): IterableIterator<AssignmentRecord> {
    for (const list of this.#byUser.values()) yield* list;
  }

  add(assignment: AssignmentRecord): void {
    let list = this.#byUser.get(assignment.userId);
    if (list === undefined) {
      list = [];
      this.#byUser.set(assignment.userId, list);
    }
    const at = list.findIndex((a) => sameKey(a, assignment));
    const previous = list[at];
    if (previous !== undefined) {
      list[at] = assignment;
      this.#ofRole.get(previous.roleId)?.delete(previous);
    } else {
      list.push(assignment);
    }
    let ofRole = this.#ofRole.get(assignment.roleId);
    if (ofRole === undefined) {
      ofRole = new Set();
      this.#ofRole.set(assignment.roleId, ofRole);
    }
    ofRole.add(assignment);
    addTo(this.#holders, assignment.roleId, assignment.userId);
    if (assignment.entityId !== null) addTo(this.#atEntity, assignment.entityId, assignment.userId);
  }

  /** Removes one assignment; returns false when there was none. */
  remove(userId: string, roleId: string, entityId: string | null): boolean {
    return this.#removeWhere(userId, (a) => a.roleId === roleId && a.entityId === entityId);
  }

  /** Removes every assignment of a user. */
  removeUser(userId: string): boolean {
    return this.#removeWhere(userId, () => true);
  }

  /** Removes every assignment of a role; returns the users that lost one. */
  removeRole(roleId: string): string[] {
    const users = [...this.holdersOf(roleId)];
    for (const userId of users) this.#removeWhere(userId, (a) => a.roleId === roleId);
    return users;
  }

  /** Removes every assignment scoped to an entity; returns the users that lost one. */
  removeEntity(entityId: string): string[] {
    const users = [...this.usersAt(entityId)];
    for (const userId of users) this.#removeWhere(userId, (a) => a.entityId === entityId);
    return users;
  }

  #removeWhere(userId: string, drop: (a: AssignmentRecord) => boolean): boolean {
    const list = this.#byUser.get(userId);
    if (list === undefined) return false;
    const kept = list.filter((a) => !drop(a));
    if (kept.length === list.length) return false;
    if (kept.length === 0) this.#byUser.delete(userId);
    else this.#byUser.set(userId, kept);
    for (const removed of list) {
      if (!drop(removed)) continue;
      const ofRole = this.#ofRole.get(removed.roleId);
      ofRole?.delete(removed);
      if (ofRole?.size === 0) this.#ofRole.delete(removed.roleId);
      if (!kept.some((a) => a.roleId === removed.roleId)) {
        deleteFrom(this.#holders, removed.roleId, userId);
      }
      if (removed.entityId !== null && !kept.some((a) => a.entityId === removed.entityId)) {
        deleteFrom(this.#atEntity, removed.entityId, userId);
      }
    }
    return true;
  }
}

const EMPTY: ReadonlySet<string> = new Set();
const NO_ASSIGNMENTS: ReadonlySet<AssignmentRecord> = new Set();

function sameKey(a: AssignmentRecord, b: AssignmentRecord): boolean {
  return a.roleId === b.roleId && a.entityId === b.entityId;
}

function addTo(index: Map<string, Set<string>>, key: string, userId: string): void {
  let users = index.get(key);
  if (users === undefined) {
    users = new Set();
    index.set(key, users);
  }
  users.add(userId);
}

function deleteFrom(index: Map<string, Set<string>>, key: string, userId: string): void {
  const users = index.get(key);
  if (users === undefined) return;
  users.delete(userId);
  if (users.size === 0) index.delete(key);
}
