/**
 * Per-rule state keyed by group, bounded in two ways: entries idle for longer than the
 * rule's window are dropped (oldest first, amortised O(1) per touch, because the map is kept
 * in least-recently-touched order), and past `maxGroups` the least recently touched group is
 * dropped to make room (its partial count is lost; `evicted` counts how often).
 */
export class GroupTable<S> {
  readonly #maxGroups: number;
  readonly #entries = new Map<string, { state: S; touchedAt: number }>();
  #evicted = 0;

  constructor(maxGroups: number) {
    this.#maxGroups = maxGroups;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Groups dropped to stay under `maxGroups` (not those that went idle). */
  get evicted(): number {
    return this.#evicted;
  }

  /** The group's state, created with `create` when absent; marks it touched at `nowMs`. */
  touch(key: string, nowMs: number, create: () => S): S {
    const existing = this.#entries.get(key);
    if (existing !== undefined) {
      this.#entries.delete(key);
      existing.touchedAt = nowMs;
      this.#entries.set(key, existing);
      return existing.state;
    }
    while (this.#entries.size >= this.#maxGroups) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.#entries.delete(oldest.value);
      this.#evicted += 1;
    }
    const state = create();
    this.#entries.set(key, { state, touchedAt: nowMs });
    return state;
  }

  get(key: string): S | undefined {
    return this.#entries.get(key)?.state;
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  /** Drops groups last touched at or before `cutoffMs` (they hold nothing inside any window). */
  sweep(cutoffMs: number): void {
    for (const [key, entry] of this.#entries) {
      if (entry.touchedAt > cutoffMs) return;
      this.#entries.delete(key);
    }
  }
}
