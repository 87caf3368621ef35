/**
 * Peaks of RSS and V8 heap in use, sampled on an interval (a blocked event loop is not
 * sampled: the harness's kernel high-water mark covers that for RSS).
 */
export class MemorySampler {
  #peakRssBytes = 0;
  #peakHeapUsedBytes = 0;
  readonly #timer: NodeJS.Timeout;

  constructor(intervalMs = 10) {
    this.#sample();
    this.#timer = setInterval(() => {
      this.#sample();
    }, intervalMs);
    this.#timer.unref();
  }

  /** Stops sampling and returns the peaks, a last sample included. */
  stop(): { peakRssBytes: number; peakHeapUsedBytes: number } {
    clearInterval(this.#timer);
    this.#sample();
    return { peakRssBytes: this.#peakRssBytes, peakHeapUsedBytes: this.#peakHeapUsedBytes };
  }

  #sample(): void {
    const usage = process.memoryUsage();
    if (usage.rss > this.#peakRssBytes) this.#peakRssBytes = usage.rss;
    if (usage.heapUsed > this.#peakHeapUsedBytes) this.#peakHeapUsedBytes = usage.heapUsed;
  }
}
