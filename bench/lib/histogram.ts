/**
 * A fixed-memory latency histogram (log-linear buckets, at most 1/64 ≈ 1.6% relative
 * error), so recording millions of samples costs neither allocation nor RSS that would
 * blur the memory comparison. Values are nanoseconds; min, max and mean are exact.
 */
export class LatencyHistogram {
  static readonly #SUB_BUCKETS = 64;
  static readonly #MAX_NS = 2 ** 32 - 1; // ~4.3 s; larger samples land in the top bucket
  readonly #counts = new Float64Array(64 + 26 * 64);
  #count = 0;
  #sumNs = 0;
  #minNs = Number.POSITIVE_INFINITY;
  #maxNs = 0;

  get count(): number {
    return this.#count;
  }

  record(ns: number): void {
    const value = ns < 0 ? 0 : ns;
    this.#count++;
    this.#sumNs += value;
    if (value < this.#minNs) this.#minNs = value;
    if (value > this.#maxNs) this.#maxNs = value;
    const index = LatencyHistogram.#indexOf(Math.min(Math.round(value), LatencyHistogram.#MAX_NS));
    this.#counts[index] = (this.#counts[index] ?? 0) + 1;
  }

  /** The value at quantile `q` (0..1) in nanoseconds; the bucket's midpoint, capped by max. */
  quantileNs(q: number): number {
    if (this.#count === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.#count));
    let seen = 0;
    for (let i = 0; i < this.#counts.length; i++) {
      seen += this.#counts[i] ?? 0;
      if (seen >= rank) return Math.min(LatencyHistogram.#midpointOf(i), this.#maxNs);
    }
    return this.#maxNs;
  }

  /** p50/p99/p99.9/max/mean in microseconds, keyed with `prefix`. */
  summary(prefix = ''): Record<string, number> {
    const us = (ns: number) => ns / 1000;
    return {
      [`${prefix}p50Us`]: us(this.quantileNs(0.5)),
      [`${prefix}p99Us`]: us(this.quantileNs(0.99)),
      [`${prefix}p999Us`]: us(this.quantileNs(0.999)),
      [`${prefix}maxUs`]: us(this.#maxNs),
      [`${prefix}meanUs`]: us(this.#count === 0 ? 0 : this.#sumNs / this.#count),
    };
  }

  static #indexOf(ns: number): number {
    const sub = LatencyHistogram.#SUB_BUCKETS;
    if (ns < sub) return ns;
    const exponent = 31 - Math.clz32(ns); // >= 6
    const shift = exponent - 6;
    return sub + shift * sub + ((ns >>> shift) & (sub - 1));
  }

  static #midpointOf(index: number): number {
    const sub = LatencyHistogram.#SUB_BUCKETS;
    if (index < sub) return index;
    const shift = Math.floor((index - sub) / sub);
    const mantissa = sub + ((index - sub) % sub);
    return (mantissa + 0.5) * 2 ** shift;
  }
}
