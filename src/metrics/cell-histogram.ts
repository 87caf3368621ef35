import { Histogram } from 'prom-client';
import type { Registry } from 'prom-client';

type HistogramData = Awaited<ReturnType<Histogram['get']>>;
type HistogramValue = HistogramData['values'][number];

/** One labelled series of a `CellHistogram`: bucket counts kept as plain numbers. */
export class HistogramCell {
  readonly #bounds: readonly number[];
  /** Non-cumulative: `counts[i]` holds values in (bounds[i-1], bounds[i]]; the last is +Inf. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(bounds: readonly number[]) {
    this.#bounds = bounds;
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    let i = 0;
    for (const bound of this.#bounds) {
      if (value <= bound) break;
      i++;
    }
    this.counts[i] = (this.counts[i] ?? 0) + 1;
    this.sum += value;
    this.count++;
  }
}

const noop = (): void => undefined;

interface Entry {
  readonly labels: Readonly<Record<string, string>>;
  readonly cell: HistogramCell;
}

/**
 * A Prometheus histogram whose series are `HistogramCell`s, rendered by prom-client's registry
 * (it subclasses `Histogram` and replaces what `get()` reports). prom-client's own `observe`
 * hashes the labels on every call, even through a `labels(...)` child (about 430 ns); a cell
 * costs a bucket search and three additions.
 */
export class CellHistogram extends Histogram {
  readonly #name: string;
  readonly #help: string;
  readonly #bounds: readonly number[];
  readonly #labelNames: readonly string[];
  readonly #entries = new Map<string, Entry>();

  constructor(
    registry: Registry,
    name: string,
    help: string,
    labelNames: readonly string[],
    buckets: readonly number[],
  ) {
    super({ name, help, labelNames, buckets: [...buckets], registers: [registry] });
    this.#name = name;
    this.#help = help;
    this.#bounds = Object.freeze([...buckets]);
    this.#labelNames = labelNames;
  }

  /** The cell of one label set (values in `labelNames` order), created empty on first use. */
  cell(...values: readonly string[]): HistogramCell {
    const key = values.join('\u0000');
    let entry = this.#entries.get(key);
    if (entry === undefined) {
      const labels: Record<string, string> = {};
      this.#labelNames.forEach((label, i) => (labels[label] = values[i] ?? ''));
      entry = { labels, cell: new HistogramCell(this.#bounds) };
      this.#entries.set(key, entry);
    }
    return entry.cell;
  }

  override get(): Promise<HistogramData> {
    const values: HistogramValue[] = [];
    for (const entry of this.#entries.values()) values.push(...this.#series(entry));
    return Promise.resolve({
      name: this.#name,
      help: this.#help,
      // prom-client's typings declare a numeric enum here; its runtime uses the string.
      type: 'histogram' as unknown as HistogramData['type'],
      aggregator: 'sum',
      collect: noop,
      values,
    });
  }

  /** prom-client 15's registry renders through this when it exists; same data as `get()`. */
  getForPromString(): Promise<HistogramData> {
    return this.get();
  }

  override reset(): void {
    super.reset();
    if (!(#entries in this)) return; // called by prom-client's constructor, before our fields exist
    for (const { cell } of this.#entries.values()) {
      cell.counts.fill(0);
      cell.sum = 0;
      cell.count = 0;
    }
  }

  #series({ labels, cell }: Entry): HistogramValue[] {
    const bucketName = `${this.#name}_bucket`;
    const out: HistogramValue[] = [];
    let cumulative = 0;
    this.#bounds.forEach((bound, i) => {
      cumulative += cell.counts[i] ?? 0;
      out.push({ metricName: bucketName, labels: { ...labels, le: bound }, value: cumulative });
    });
    out.push(
      { metricName: bucketName, labels: { ...labels, le: '+Inf' }, value: cell.count },
      { metricName: `${this.#name}_sum`, labels, value: cell.sum },
      { metricName: `${this.#name}_count`, labels, value: cell.count },
    );
    return out;
  }
}
