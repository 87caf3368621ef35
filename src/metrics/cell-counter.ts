import { Counter } from 'prom-client';
import type { Registry } from 'prom-client';

/** One labelled series of a `CellCounter`: the hot path adds to `value` directly. */
export interface CounterCell {
  value: number;
}

interface Entry {
  readonly labels: Readonly<Record<string, string>>;
  readonly cell: CounterCell;
}

/**
 * A Prometheus counter whose series are plain numbers, copied into a prom-client `Counter` at
 * scrape time. prom-client builds a label hash string on every `inc()`, even through a
 * `labels(...)` child (about 200 ns); callers here resolve a cell once per label set and then
 * pay one addition per event.
 */
export class CellCounter {
  readonly #labelNames: readonly string[];
  readonly #entries = new Map<string, Entry>();

  /**
   * @param before awaited at each scrape before the cells are read, for counters that a
   *   scrape-time source updates.
   */
  constructor(
    registry: Registry,
    name: string,
    help: string,
    labelNames: readonly string[] = [],
    before?: () => Promise<unknown>,
  ) {
    this.#labelNames = labelNames;
    const entries = this.#entries;
    new Counter({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        if (before !== undefined) await before();
        this.reset();
        for (const { labels, cell } of entries.values()) this.inc(labels, cell.value);
      },
    });
  }

  /** The cell of one label set (values in `labelNames` order), created at zero on first use. */
  cell(...values: readonly string[]): CounterCell {
    const key = values.join('\u0000');
    let entry = this.#entries.get(key);
    if (entry === undefined) {
      const labels: Record<string, string> = {};
      this.#labelNames.forEach((label, i) => (labels[label] = values[i] ?? ''));
      entry = { labels, cell: { value: 0 } };
      this.#entries.set(key, entry);
    }
    return entry.cell;
  }
}
