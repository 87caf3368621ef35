/**
 * The contract between the bench runner and a benchmark file. A benchmark is one
 * `bench/<name>.bench.ts` exporting `benchmark`; each of its cases runs in a fresh child
 * process, so peak RSS, GC state and JIT warm-up belong to that case alone.
 */

/** How a run was invoked. Every case scales its workload by `scale`. */
export interface BenchOptions {
  readonly quick: boolean;
  /** 1 for a full run, 0.1 with `--quick`. */
  readonly scale: number;
}

/** Raw numbers of one case, in the units their keys name (`…PerSec`, `…Us`, `…Bytes`, `…Ms`). */
export type Metrics = Readonly<Record<string, number>>;

/** What a case's `run` returns. */
export interface CaseResult {
  readonly metrics: Metrics;
  /** One-line observations worth printing under the table. */
  readonly notes?: readonly string[];
}

export interface BenchCase {
  /** Unique within its benchmark; `npm run bench -- <filter>` matches `<benchmark>/<case>`. */
  readonly name: string;
  readonly description: string;
  /**
   * False for a case whose results do not depend on speed (a behaviour demonstration): it is
   * not held back for an idle machine, rerun or flagged when other processes compete.
   */
  readonly timingSensitive?: boolean;
  run(options: BenchOptions): Promise<CaseResult>;
}

export const COLUMN_FORMATS = ['count', 'rate', 'micros', 'mebibytes', 'millis', 'bytes'] as const;
export type ColumnFormat = (typeof COLUMN_FORMATS)[number];

/** One column of a benchmark's table: `key` is looked up in each case's metrics. */
export interface Column {
  readonly key: string;
  readonly label: string;
  readonly format: ColumnFormat;
  /** With `--repeat`, also print the min–max over the runs next to the median. */
  readonly spread?: boolean;
}

/** Metrics the harness adds to every case (measured in the child, around `run`). */
export interface ProcessMetrics {
  /** Kernel high-water mark of the child's resident set (getrusage maxrss). */
  readonly peakRssBytes: number;
  /** Highest `process.memoryUsage.rss()` seen by the interval sampler (misses blocked loops). */
  readonly sampledPeakRssBytes: number;
  /** RSS just before `run`, after the module graph is loaded and a full GC. */
  readonly baselineRssBytes: number;
  readonly gcCount: number;
  readonly gcPauseMs: number;
  readonly caseWallMs: number;
  /** CPU time of the whole child (module loading, warm-up and processes it spawned included). */
  readonly processCpuMs: number;
}

/** A case as the runner saw it: measured, or failed with the error that stopped it. */
export type CaseOutcome =
  | {
      readonly kind: 'measured';
      readonly name: string;
      readonly description: string;
      /** Per-key median over `runs`. */
      readonly metrics: Metrics;
      /** Every run's metrics, case and process ones merged, in run order. */
      readonly runs: readonly Metrics[];
      /** Notes of every run, in run order. */
      readonly notes: readonly (readonly string[])[];
    }
  | {
      readonly kind: 'failed';
      readonly name: string;
      readonly description: string;
      readonly error: string;
    };

/** A pass/fail comparison against a stated target (e.g. the acceptance numbers). */
export interface Check {
  readonly name: string;
  readonly target: string;
  readonly actual: string;
  readonly pass: boolean;
}

export interface Summary {
  readonly notes: readonly string[];
  readonly checks: readonly Check[];
}

export interface Benchmark {
  /** kebab-case, equal to the file name without `.bench.ts`. */
  readonly name: string;
  readonly description: string;
  readonly columns: readonly Column[];
  readonly cases: readonly BenchCase[];
  /** Cross-case results (ratios, targets), computed in the runner from the measured cases. */
  summarize?(measured: ReadonlyMap<string, Metrics>): Summary;
}

/** Message a case's child process sends back to the runner. */
export type ChildReport =
  | { readonly kind: 'measured'; readonly result: CaseResult; readonly process: ProcessMetrics }
  | { readonly kind: 'failed'; readonly error: string };
