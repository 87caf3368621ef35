/** Default CPU time a burst of deliveries may take before it lets the event loop run. */
export const DEFAULT_TURN_BUDGET_MS = 5;
const FAST_CHECK_INTERVAL = 16;

/**
 * How long delivery may keep the event loop busy. Dispatchers run on promise callbacks, which
 * Node drains to the end before any timer or I/O callback: a long backlog would hold back emit
 * timeouts (`BackPressureError`), retry and breaker timers, sockets. Every dispatcher of a bus
 * asks `spent()` as it goes and, once the current turn has run `budgetMs`, waits for
 * `nextTurn()` (a `setImmediate`), so the rest of the process gets its turn.
 *
 * This measures CPU time spent in one event-loop turn, not domain time, so it reads the
 * monotonic `performance.now()` rather than the injected `Clock` (a fake clock never moves
 * during a drain).
 */
export class TurnBudget {
  /**
   * Deliveries a dispatcher may make between two calls of `spent()`: a clock read costs about
   * 50 ns, so fast deliveries check every 16th time; once deliveries are seen to be slow (a
   * quarter of the budget between two checks), every time.
   */
  checkEvery = FAST_CHECK_INTERVAL;
  readonly #budgetMs: number;
  readonly #now: () => number;
  #deadline = 0;
  #lastCheck = 0;
  #armed = false;
  readonly #disarm = (): void => {
    this.#armed = false;
  };

  constructor(budgetMs = DEFAULT_TURN_BUDGET_MS, now: () => number = () => performance.now()) {
    this.#budgetMs = budgetMs;
    this.#now = now;
  }

  /**
   * Whether the current turn has used its budget. The first call of a turn starts the count and
   * schedules its end: an immediate callback, which runs once this turn's promise callbacks are done.
   */
  spent(): boolean {
    const now = this.#now();
    if (!this.#armed) {
      this.#armed = true;
      this.#deadline = now + this.#budgetMs;
      this.#lastCheck = now;
      setImmediate(this.#disarm);
      return false;
    }
    const slow = now - this.#lastCheck > this.#budgetMs / 4;
    this.checkEvery = slow ? 1 : FAST_CHECK_INTERVAL;
    this.#lastCheck = now;
    return now > this.#deadline;
  }

  /** Resolves on a later turn of the event loop, after timers and I/O have had theirs. */
  nextTurn(): Promise<void> {
    return new Promise((resolve) => setImmediate(resolve));
  }
}
