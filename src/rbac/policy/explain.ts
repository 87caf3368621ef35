import type { EntityTree } from './entity-tree.js';
import { isActive } from './compiled-user.js';
import { DENIED, matchIndex } from './permission-index.js';
import type { RoleGraph } from './role-graph.js';
import type {
  AssignmentOutcome,
  AssignmentRecord,
  ConsideredAssignment,
  Decision,
  Explanation,
} from './types.js';

/** What `explain` reads from the policy. */
export interface ExplainSource {
  readonly roles: RoleGraph;
  readonly entities: EntityTree;
  assignmentsOf(userId: string): readonly AssignmentRecord[];
  hasUser(userId: string): boolean;
}

interface Request {
  readonly resource: string;
  readonly action: string;
  readonly entityId: string | null;
  readonly now: number;
}

/**
 * Explains a check without the cache. It tries assignments in the order `check` does
 * (tenant-wide, then the entity, then each ancestor upwards; each in assignment order), so
 * its decision is the one `check` returns.
 */
export function explainCheck(source: ExplainSource, userId: string, request: Request): Explanation {
  if (!source.hasUser(userId)) return explanation(DENIED.unknown_user, null, [], []);
  const assignments = source.assignmentsOf(userId);
  const considered = assignments.map((assignment): ConsideredAssignment =>
    Object.freeze({ assignment, outcome: outcomeOf(source, assignment, request) }),
  );
  const decided = firstInCheckOrder(source, assignments, request);
  if (decided !== null) {
    const [assignment, grant] = decided;
    const chain = source.roles.chainTo(assignment.roleId, grant.permission ?? '');
    return explanation(grant, assignment, chain, considered);
  }
  return explanation(denialOf(considered), null, [], considered);
}

function denialOf(considered: readonly ConsideredAssignment[]): Decision {
  if (considered.every((c) => c.outcome === 'expired')) return DENIED.no_active_assignment;
  if (considered.some((c) => c.outcome === 'outside_entity')) return DENIED.outside_entity;
  return DENIED.no_matching_permission;
}

// `outside_entity` only for an out-of-scope assignment that holds the permission.
function outcomeOf(
  source: ExplainSource,
  assignment: AssignmentRecord,
  request: Request,
): AssignmentOutcome {
  if (!isActive(assignment, request.now)) return 'expired';
  const grant = grantOf(source, assignment, request);
  if (grant === null) return 'no_matching_permission';
  return applies(source.entities, assignment, request.entityId) ? 'granted' : 'outside_entity';
}

function firstInCheckOrder(
  source: ExplainSource,
  assignments: readonly AssignmentRecord[],
  request: Request,
): readonly [AssignmentRecord, Decision] | null {
  const { entityId } = request;
  if (entityId !== null && !source.entities.has(entityId)) return null;
  const scopes: (string | null)[] = [null];
  for (
    let at: string | null | undefined = entityId;
    at != null;
    at = source.entities.parentOf(at)
  ) {
    scopes.push(at);
  }
  for (const scope of scopes) {
    for (const assignment of assignments) {
      if (assignment.entityId !== scope || !isActive(assignment, request.now)) continue;
      const grant = grantOf(source, assignment, request);
      if (grant !== null) return [assignment, grant];
    }
  }
  return null;
}

function grantOf(
  source: ExplainSource,
  assignment: AssignmentRecord,
  request: Request,
): Decision | null {
  const closure = source.roles.closure(assignment.roleId);
  return closure === undefined ? null : matchIndex(closure.index, request.resource, request.action);
}

/** True when an assignment's scope covers a check at `entityId` (null: tenant-wide). */
export function applies(
  entities: EntityTree,
  assignment: AssignmentRecord,
  entityId: string | null,
): boolean {
  if (entityId !== null && !entities.has(entityId)) return false;
  if (assignment.entityId === null) return true;
  return entityId !== null && entities.isWithin(entityId, assignment.entityId);
}

function explanation(
  decision: Decision,
  assignment: AssignmentRecord | null,
  roleChain: readonly string[],
  considered: readonly ConsideredAssignment[],
): Explanation {
  return Object.freeze({
    granted: decision.granted,
    reason: decision.reason,
    roleId: decision.roleId,
    permission: decision.permission,
    assignment,
    roleChain: Object.freeze([...roleChain]),
    considered: Object.freeze([...considered]),
  });
}
