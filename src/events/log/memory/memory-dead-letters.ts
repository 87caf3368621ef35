import type { DeadLetter, DeadLetterQuery, ReplayResult } from '../../dead-letters.js';
import type { DeadLetterLog } from '../contract.js';

export const DEFAULT_LIST_LIMIT = 100;

/** Whether a dead letter is selected by a query. */
export function matchesDeadLetter(
  record: DeadLetter,
  query: DeadLetterQuery,
  ids?: ReadonlySet<string>,
): boolean {
  if (query.consumer !== undefined && record.consumer !== query.consumer) return false;
  if (query.reason !== undefined && record.reason !== query.reason) return false;
  if (ids !== undefined && !ids.has(record.id)) return false;
  return true;
}

/** Dead letters of one channel, oldest first. */
export class MemoryDeadLetterLog implements DeadLetterLog {
  #records: DeadLetter[] = [];
  readonly #requeue: (record: DeadLetter) => boolean;

  /** `requeue` hands a record back to its consumer; false when that consumer no longer exists. */
  constructor(requeue: (record: DeadLetter) => boolean) {
    this.#requeue = requeue;
  }

  add(record: DeadLetter): void {
    this.#records.push(record);
  }

  list(query: DeadLetterQuery = {}): readonly DeadLetter[] {
    return this.#select(query).slice(0, query.limit ?? DEFAULT_LIST_LIMIT);
  }

  count(query: DeadLetterQuery = {}): number {
    return this.#select(query).length;
  }

  replay(query: DeadLetterQuery = {}): ReplayResult {
    const selected = this.#limited(query);
    const replayed = new Set<DeadLetter>();
    for (const record of selected) if (this.#requeue(record)) replayed.add(record);
    this.#records = this.#records.filter((record) => !replayed.has(record));
    return { replayed: replayed.size, skipped: selected.length - replayed.size };
  }

  purge(query: DeadLetterQuery = {}): number {
    const selected = new Set(this.#limited(query));
    this.#records = this.#records.filter((record) => !selected.has(record));
    return selected.size;
  }

  #limited(query: DeadLetterQuery): DeadLetter[] {
    const selected = this.#select(query);
    return query.limit === undefined ? selected : selected.slice(0, query.limit);
  }

  #select(query: DeadLetterQuery): DeadLetter[] {
    const ids = query.ids === undefined ? undefined : new Set(query.ids);
    return this.#records.filter((record) => matchesDeadLetter(record, query, ids));
  }
}
