import { RbacError, RBAC_ERROR_CODES } from '../errors.js';
import type { EntityRecord } from './types.js';
import { notFound } from './validate.js';

/** The sub-organisations of one tenant: a forest of entities, each with at most one parent. */
export class EntityTree {
  readonly #parents = new Map<string, string | null>();
  readonly #children = new Map<string, Set<string>>();

  has(entityId: string): boolean {
    return this.#parents.has(entityId);
  }

  /** The parent of a known entity (null at the top), undefined for an unknown one. */
  parentOf(entityId: string): string | null | undefined {
    return this.#parents.get(entityId);
  }

  records(): EntityRecord[] {
    return [...this.#parents].map(([id, parentId]) => Object.freeze({ id, parentId }));
  }

  /** True when both exist and `ancestorId` is `entityId` or one of its ancestors. */
  isWithin(entityId: string, ancestorId: string): boolean {
    if (!this.#parents.has(ancestorId)) return false;
    for (let id: string | null | undefined = entityId; id != null; id = this.#parents.get(id)) {
      if (id === ancestorId) return true;
    }
    return false;
  }

  /**
   * Loads normalised entities in any order.
   * @throws RbacError `RBAC_ENTITY_NOT_FOUND` (unknown parent), `RBAC_ENTITY_CYCLE`.
   */
  load(entities: readonly EntityRecord[]): void {
    for (const entity of entities) this.#parents.set(entity.id, entity.parentId);
    for (const [id, parentId] of this.#parents) {
      if (parentId === null) continue;
      if (!this.#parents.has(parentId)) throw notFound('entity', parentId, 'entity.parentId');
      this.#childrenOf(parentId).add(id);
    }
    const acyclic = new Set<string>();
    for (const id of this.#parents.keys()) {
      const cycle = this.#cycleFrom(id, acyclic);
      if (cycle !== null) throw cycleError(cycle);
    }
  }

  /**
   * Checks that a normalised entity may be stored: its parent exists and is not itself or
   * one of its descendants.
   * @throws RbacError `RBAC_ENTITY_NOT_FOUND`, `RBAC_ENTITY_CYCLE`.
   */
  validatePut(entity: EntityRecord): void {
    const { id, parentId } = entity;
    if (parentId === null) return;
    if (parentId !== id && !this.#parents.has(parentId)) {
      throw notFound('entity', parentId, 'entity.parentId');
    }
    if (parentId === id || this.isWithin(parentId, id)) {
      const path = [id];
      for (let at: string | null | undefined = parentId; at != null && at !== id;) {
        path.push(at);
        at = this.#parents.get(at);
      }
      throw cycleError([...path, id]);
    }
  }

  /** Stores a validated entity (a new one, or a new parent for an existing one). */
  put(entity: EntityRecord): void {
    const previous = this.#parents.get(entity.id);
    if (previous != null) this.#children.get(previous)?.delete(entity.id);
    this.#parents.set(entity.id, entity.parentId);
    if (entity.parentId !== null) this.#childrenOf(entity.parentId).add(entity.id);
  }

  /**
   * Deletes an entity without children; returns false when it does not exist.
   * @throws RbacError `RBAC_ENTITY_HAS_CHILDREN`.
   */
  delete(entityId: string): boolean {
    if (!this.#parents.has(entityId)) return false;
    const children = this.#children.get(entityId);
    if (children !== undefined && children.size > 0) {
      throw new RbacError(
        RBAC_ERROR_CODES.RBAC_ENTITY_HAS_CHILDREN,
        `entity '${entityId}' still has ${children.size} child entities`,
        { details: { entityId, children: children.size } },
      );
    }
    const parent = this.#parents.get(entityId);
    if (parent != null) this.#children.get(parent)?.delete(entityId);
    this.#children.delete(entityId);
    this.#parents.delete(entityId);
    return true;
  }

  #childrenOf(parentId: string): Set<string> {
    let children = this.#children.get(parentId);
    if (children === undefined) {
      children = new Set();
      this.#children.set(parentId, children);
    }
    return children;
  }

  // Walks up from `start` until the top or an entity already known to reach the top.
  #cycleFrom(start: string, acyclic: Set<string>): string[] | null {
    const path: string[] = [];
    const seen = new Set<string>();
    for (let id: string | null | undefined = start; id != null; id = this.#parents.get(id)) {
      if (acyclic.has(id)) break;
      if (seen.has(id)) return [...path.slice(path.indexOf(id)), id];
      seen.add(id);
      path.push(id);
    }
    for (const id of path) acyclic.add(id);
    return null;
  }
}

function cycleError(cycle: readonly string[]): RbacError {
  return new RbacError(
    RBAC_ERROR_CODES.RBAC_ENTITY_CYCLE,
    `entity parents would form a cycle: ${cycle.join(' → ')}`,
    { details: { cycle: [...cycle] } },
  );
}
