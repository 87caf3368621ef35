/** One counted event: when it happened, its arrival order (ties at the same ms) and its id. */
export interface Mark {
  readonly at: number;
  readonly seq: number;
  readonly id: string;
}

function before(a: Mark, b: Mark): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

/** Inserts in time order, keeping at most `cap` of the latest marks. */
export function insertMark(marks: Mark[], mark: Mark, cap: number): void {
  let i = marks.length;
  while (i > 0 && before(mark, marks[i - 1] as Mark)) i -= 1;
  marks.splice(i, 0, mark);
  if (marks.length > cap) marks.splice(0, marks.length - cap);
}

/** Drops marks at or before `cutoffMs` (the window is `(t - windowMs, t]`). */
export function evictMarks(marks: Mark[], cutoffMs: number): void {
  let n = 0;
  while (n < marks.length && (marks[n] as Mark).at <= cutoffMs) n += 1;
  if (n > 0) marks.splice(0, n);
}

/**
 * A sliding-window count. Only the latest `threshold` marks are kept: the window holds at
 * least `threshold` events exactly when the latest `threshold` all fall inside it.
 */
export class ThresholdState {
  readonly marks: Mark[] = [];

  add(mark: Mark, threshold: number, cutoffMs: number): boolean {
    insertMark(this.marks, mark, threshold);
    evictMarks(this.marks, cutoffMs);
    return this.marks.length >= threshold;
  }
}

/**
 * A sliding-window count of distinct values. Only the `threshold` most recently seen values
 * are kept, each with its latest mark, for the same reason as {@link ThresholdState}.
 */
export class DistinctState {
  readonly #latest = new Map<string, Mark>();

  add(value: string, mark: Mark, threshold: number, cutoffMs: number): boolean {
    this.#latest.delete(value);
    this.#latest.set(value, mark);
    for (const [key, seen] of this.#latest) {
      if (this.#latest.size <= threshold && seen.at > cutoffMs) break;
      this.#latest.delete(key);
    }
    return this.#latest.size >= threshold;
  }

  /** The marks counted, oldest first. */
  get marks(): Mark[] {
    return [...this.#latest.values()].sort((a, b) => (before(a, b) ? -1 : 1));
  }

  /** The distinct values counted. */
  get size(): number {
    return this.#latest.size;
  }
}

/**
 * Progress of a sequence for one group: per step, its latest `count` marks in the window.
 * Completion is checked from the last step backwards, each step taking its latest marks
 * that come before the next step's earliest chosen mark (which keeps the start as late as
 * possible, so the window test is exact for in-order arrivals).
 */
export class SequenceState {
  readonly steps: Mark[][];

  constructor(stepCount: number) {
    this.steps = Array.from({ length: stepCount }, () => []);
  }

  add(step: number, mark: Mark, count: number, cutoffMs: number): void {
    const marks = this.steps[step] as Mark[];
    insertMark(marks, mark, count);
    for (const m of this.steps) evictMarks(m, cutoffMs);
  }

  /** The marks completing the sequence, oldest first, or undefined. */
  complete(counts: readonly number[], cutoffMs: number): Mark[] | undefined {
    const chosen: Mark[] = [];
    let bound: Mark | undefined;
    for (let i = this.steps.length - 1; i >= 0; i -= 1) {
      const count = counts[i] ?? 1;
      const eligible = (this.steps[i] as Mark[]).filter(
        (m) => bound === undefined || before(m, bound),
      );
      if (eligible.length < count) return undefined;
      const taken = eligible.slice(eligible.length - count);
      chosen.unshift(...taken);
      bound = taken[0];
    }
    const first = chosen[0];
    return first !== undefined && first.at > cutoffMs ? chosen : undefined;
  }
}
