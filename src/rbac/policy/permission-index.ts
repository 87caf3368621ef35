import { tryParsePermission } from './names.js';
import type { Decision } from './types.js';

/** The interned ids of one resource's permissions: its `resource:*` and each exact action. */
interface ResourceIds {
  readonly any: number;
  readonly actions: Map<string, number>;
}

/**
 * The tenant's `resource:action` pairs, each interned as a small integer, shared by every
 * role index of the tenant. A check resolves the requested pair once (two lookups in this
 * small, hot table), then reads one array slot per role: the warm check across many users
 * is bound by memory latency, and this keeps the per-role part to one array read.
 */
export class PermissionTable {
  readonly #resources = new Map<string, ResourceIds>();
  #size = 0;

  /** The id of a held permission (a `*` action is the resource's `any` id); interns it. */
  intern(resource: string, action: string): number {
    let ids = this.#resources.get(resource);
    if (ids === undefined) {
      ids = { any: this.#size++, actions: new Map() };
      this.#resources.set(resource, ids);
    }
    if (action === '*') return ids.any;
    let id = ids.actions.get(action);
    if (id === undefined) {
      id = this.#size++;
      ids.actions.set(action, id);
    }
    return id;
  }

  /** The ids that could match a request, in preference order, written into `out`. */
  resolve(resource: string, action: string, out: Int32Array): void {
    const ids = this.#resources.get(resource);
    out[0] = ids === undefined ? -1 : (ids.actions.get(action) ?? -1);
    out[1] = ids === undefined ? -1 : ids.any;
    const wild = resource === '*' ? undefined : this.#resources.get('*');
    out[2] = wild === undefined ? -1 : (wild.actions.get(action) ?? -1);
    out[3] = wild === undefined ? -1 : wild.any;
  }
}

/**
 * A role's permission closure compiled for lookup: for each interned pair it holds, the
 * shared frozen grant naming the role. Lookups allocate nothing.
 */
export interface PermissionIndex {
  readonly table: PermissionTable;
  readonly grants: readonly (Decision | undefined)[];
}

/** The denial decisions, shared and frozen: a denied check allocates nothing. */
export const DENIED = Object.freeze({
  unknown_user: deny('unknown_user'),
  no_active_assignment: deny('no_active_assignment'),
  no_matching_permission: deny('no_matching_permission'),
  outside_entity: deny('outside_entity'),
});

function deny(reason: Decision['reason']): Decision {
  return Object.freeze({ granted: false, reason, roleId: null, permission: null });
}

/**
 * Builds the index of `permissions` (already validated) whose grants name `roleId`: the
 * assigned role, so one index serves every user holding that role.
 */
export function buildIndex(
  table: PermissionTable,
  roleId: string,
  permissions: readonly string[],
): PermissionIndex {
  const grants: (Decision | undefined)[] = [];
  for (const permission of permissions) {
    const parsed = tryParsePermission(permission);
    if (parsed === null) continue;
    const grant: Decision = Object.freeze({
      granted: true,
      reason: 'granted',
      roleId,
      permission,
    });
    grants[table.intern(parsed.resource, parsed.action)] = grant;
  }
  return { table, grants };
}

/**
 * The grant of `index` for resolved ids (see `PermissionTable#resolve`), or null. A held `*`
 * matches any requested value; a requested `*` is literal and only a held `*` matches it.
 * Preference: exact resource before `*`, exact action before `*`.
 */
export function grantAt(index: PermissionIndex, ids: Int32Array): Decision | null {
  const { grants } = index;
  for (let i = 0; i < 4; i++) {
    const id = ids[i] as number;
    if (id < 0) continue;
    const grant = grants[id];
    if (grant !== undefined) return grant;
  }
  return null;
}

/** `grantAt` for one request (resolves it first): for the slow paths. */
export function matchIndex(
  index: PermissionIndex,
  resource: string,
  action: string,
): Decision | null {
  const ids = new Int32Array(4);
  index.table.resolve(resource, action, ids);
  return grantAt(index, ids);
}
