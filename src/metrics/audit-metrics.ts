import { Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import { CellCounter } from './cell-counter.js';
import type { CounterCell } from './cell-counter.js';
import { CellHistogram } from './cell-histogram.js';
import type { HistogramCell } from './cell-histogram.js';

/** One batch handed to `AuditStore.append`, reported once the append resolved. */
export interface AuditAppendObservation {
  /** The records of the batch; only `time` (the source event's RFC 3339 time) is read. */
  readonly records: readonly { readonly time: string }[];
  /** `AppendResult.appended` and `.duplicates`. */
  readonly appended: number;
  readonly duplicates: number;
  /** When the append resolved (epoch ms, from the caller's clock). */
  readonly storedAtMs: number;
}

/** One `AuditStore.verify()` run, reported once it resolved. */
export interface AuditVerifyObservation {
  /** `TenantVerification`s; only `ok` is read. */
  readonly results: readonly { readonly ok: boolean }[];
  /** When the verification finished (epoch ms). */
  readonly verifiedAtMs: number;
}

/** What the audit storage service and whoever runs `verify` report to. Never throws. */
export interface AuditMetricsObserver {
  observeAppend(observation: AuditAppendObservation): void;
  observeVerify(observation: AuditVerifyObservation): void;
}

/** Ingest lag buckets (seconds): 1 ms to 10 minutes. */
export const AUDIT_LAG_BUCKETS_SECONDS: readonly number[] = Object.freeze([
  0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 600,
]);

interface LastVerify {
  ok: number;
  atSeconds: number;
  tenants: number;
  failedTenants: number;
}

/** Audit store counters, ingest lag and the last verification's result. */
export class AuditMetrics implements AuditMetricsObserver {
  readonly #stored: CounterCell;
  readonly #duplicates: CounterCell;
  readonly #lag: HistogramCell;
  readonly #last: LastVerify = { ok: 0, atSeconds: 0, tenants: 0, failedTenants: 0 };

  constructor(registry: Registry) {
    this.#stored = new CellCounter(
      registry,
      'warden_audit_records_stored_total',
      'Audit records appended to the store (redelivered duplicates excluded).',
    ).cell();
    this.#duplicates = new CellCounter(
      registry,
      'warden_audit_records_duplicate_total',
      'Records skipped because their source event was already stored.',
    ).cell();
    this.#lag = new CellHistogram(
      registry,
      'warden_audit_ingest_lag_seconds',
      "From the source event's time to the record being stored.",
      [],
      AUDIT_LAG_BUCKETS_SECONDS,
    ).cell();
    const last = this.#last;
    const gauge = (name: string, help: string, pick: (last: LastVerify) => number): void => {
      new Gauge({
        name,
        help,
        registers: [registry],
        collect() {
          this.set(pick(last));
        },
      });
    };
    gauge(
      'warden_audit_last_verify_ok',
      '1 if the last verify found every tenant chain intact, else 0 (also 0 before the first).',
      (l) => l.ok,
    );
    gauge(
      'warden_audit_last_verify_timestamp_seconds',
      'When the last verify finished (Unix seconds); 0 if none has run.',
      (l) => l.atSeconds,
    );
    gauge('warden_audit_last_verify_tenants', 'Tenants the last verify checked.', (l) => l.tenants);
    gauge(
      'warden_audit_last_verify_failed_tenants',
      'Tenants whose chain the last verify found damaged.',
      (l) => l.failedTenants,
    );
  }

  /**
   * Counts the batch and observes each record's ingest lag. A batch holding redelivered
   * duplicates adds no lag samples: the store does not say which records were new, and a
   * duplicate's lag measures its redelivery, not its ingest.
   */
  observeAppend(o: AuditAppendObservation): void {
    this.#stored.value += o.appended;
    this.#duplicates.value += o.duplicates;
    if (o.duplicates > 0) return;
    for (const record of o.records) {
      const time = Date.parse(record.time);
      if (Number.isFinite(time)) this.#lag.observe(Math.max(0, o.storedAtMs - time) / 1000);
    }
  }

  observeVerify(o: AuditVerifyObservation): void {
    const failed = o.results.filter((result) => !result.ok).length;
    this.#last.ok = failed === 0 ? 1 : 0;
    this.#last.atSeconds = o.verifiedAtMs / 1000;
    this.#last.tenants = o.results.length;
    this.#last.failedTenants = failed;
  }
}
