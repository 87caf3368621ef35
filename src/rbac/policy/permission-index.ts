import { tryParsePermission } from './names.js';
import type { Decision } from './types.js';

/** The held actions of one resource: `any` when `*` is held, else exact actions. */
interface ResourceEntry {
  any: Decision | null;
  readonly actions: Map<string, Decision>;
}

/**
 * A role's permission closure compiled for lookup: resource → actions, each mapped to the
 * shared frozen grant it yields, and the `*` resource's entry again as a field (no hash
 * lookup for the wildcard on a miss). Lookups allocate nothing.
 */
export interface PermissionIndex {
  readonly byResource: ReadonlyMap<string, ResourceEntry>;
  readonly wild: ResourceEntry | null;
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
export function buildIndex(roleId: string, permissions: readonly string[]): PermissionIndex {
  const index = new Map<string, ResourceEntry>();
  for (const permission of permissions) {
    const parsed = tryParsePermission(permission);
    if (parsed === null) continue;
    let entry = index.get(parsed.resource);
    if (entry === undefined) {
      entry = { any: null, actions: new Map() };
      index.set(parsed.resource, entry);
    }
    const grant: Decision = Object.freeze({
      granted: true,
      reason: 'granted',
      roleId,
      permission,
    });
    if (parsed.action === '*') entry.any = grant;
    else entry.actions.set(parsed.action, grant);
  }
  return { byResource: index, wild: index.get('*') ?? null };
}

/**
 * The grant of `index` for a request, or null. A held `*` matches any requested value; a
 * requested `*` is literal and only a held `*` matches it. Preference: exact resource before
 * `*`, exact action before `*`.
 */
export function matchIndex(
  index: PermissionIndex,
  resource: string,
  action: string,
): Decision | null {
  const entry = index.byResource.get(resource);
  if (entry !== undefined) {
    const grant = entry.actions.get(action) ?? entry.any;
    if (grant !== null) return grant;
  }
  const { wild } = index;
  if (wild === null || resource === '*') return null;
  return wild.actions.get(action) ?? wild.any;
}
