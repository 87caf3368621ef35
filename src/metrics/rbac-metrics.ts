import type { Registry } from 'prom-client';
import { CellCounter } from './cell-counter.js';
import type { CounterCell } from './cell-counter.js';
import { CellHistogram } from './cell-histogram.js';
import type { HistogramCell } from './cell-histogram.js';
import { BoundedLabel } from './label-budget.js';
import type { CheckObservation, RbacObserver } from '../rbac/index.js';

/** Check duration buckets (seconds): 1 µs to 1 s (warm checks take about 1 µs). */
export const RBAC_DURATION_BUCKETS_SECONDS: readonly number[] = Object.freeze([
  0.000001, 0.0000025, 0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025,
  0.01, 0.025, 0.1, 1,
]);

/** RBAC check counters and latency, for `RbacServiceConfig.observer`. The tenant is never a label. */
export class RbacMetrics implements RbacObserver {
  readonly #granted: CounterCell;
  readonly #denied: CounterCell;
  readonly #hits: CounterCell;
  readonly #misses: CounterCell;
  readonly #duration: HistogramCell;
  readonly #denials: CellCounter;
  readonly #reasons = new BoundedLabel(16);
  readonly #denialCells = new Map<string, CounterCell>();

  constructor(registry: Registry) {
    const checks = new CellCounter(
      registry,
      'warden_rbac_checks_total',
      'Permission checks, by outcome (granted or denied).',
      ['outcome'],
    );
    this.#granted = checks.cell('granted');
    this.#denied = checks.cell('denied');
    this.#hits = new CellCounter(
      registry,
      'warden_rbac_cache_hits_total',
      "Checks answered from the user's cached permissions.",
    ).cell();
    this.#misses = new CellCounter(
      registry,
      'warden_rbac_cache_misses_total',
      "Checks that had to load the user's permissions.",
    ).cell();
    this.#denials = new CellCounter(
      registry,
      'warden_rbac_denials_total',
      'Denied checks, by decision reason.',
      ['reason'],
    );
    this.#duration = new CellHistogram(
      registry,
      'warden_rbac_check_duration_seconds',
      'Time to decide one permission check.',
      [],
      RBAC_DURATION_BUCKETS_SECONDS,
    ).cell();
  }

  observeCheck(o: CheckObservation): void {
    if (o.granted) this.#granted.value++;
    else this.#denial(o.reason);
    if (o.cached) this.#hits.value++;
    else this.#misses.value++;
    this.#duration.observe(o.durationNs / 1e9);
  }

  #denial(reason: string): void {
    this.#denied.value++;
    let cell = this.#denialCells.get(reason);
    if (cell === undefined) {
      cell = this.#denials.cell(this.#reasons.of(reason));
      if (this.#denialCells.size < 64) this.#denialCells.set(reason, cell);
    }
    cell.value++;
  }
}
