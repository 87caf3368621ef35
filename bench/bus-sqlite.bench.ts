/**
 * Warden on its durable embedded log (SQLite) against the raw SQLite insert ceiling and NATS
 * JetStream: 200,000 events of ~340 bytes fanned out to the 3 named consumers of the
 * `security` channel, for throughput; 1,000 events/s offered for 5 s, for latency; and
 * 1,000,000 events appended while the consumer is stalled, for memory. Issue: "Durable
 * embedded event log on SQLite". Method and results: docs/benchmarks.md.
 */
import { formatValue } from './lib/report.js';
import type { BenchCase, BenchOptions, Benchmark, Metrics } from './lib/types.js';
import { eventSizeBytes } from './bus/security-event.js';
import { measureBacklog } from './durable/backlog.js';
import { latencyCase, PACED_PER_SEC, THROUGHPUT_EVENTS, throughputCase } from './durable/cases.js';
import { best, deliveryChecks, percent, perSec } from './durable/checks.js';
import type { MutableSummary } from './durable/checks.js';
import { measureRawInserts, RAW_BATCH_ROWS } from './durable/raw-sqlite.js';
import { JETSTREAM, WARDEN_SQLITE } from './durable/sources.js';

/** Emits in flight for Warden: emits resolve at the group commit, so the window is the batch. */
const WARDEN_WINDOWS = [256, 1024] as const;
/** Outstanding publish acks for JetStream: ~100 is the setting, 256 Warden's prefetch. */
const JETSTREAM_WINDOWS = [100, 256] as const;
const BACKLOG_EVENTS = 1_000_000;
const BACKLOG_WINDOW = 1024;
/** The acceptance targets. */
const MIN_VS_JETSTREAM = 3;
const MIN_VS_RAW = 0.5;
const MAX_P99_US = 5000;
const MAX_BACKLOG_RSS_BYTES = 200e6;

const wardenCases = WARDEN_WINDOWS.map((w) => `warden-sqlite-${w}`);
const jetstreamCases = JETSTREAM_WINDOWS.map((w) => `jetstream-${w}`);

const scaled = (count: number, options: BenchOptions) => Math.round(count * options.scale);
const mib = (bytes: number | undefined) => formatValue(bytes, 'mebibytes');

const rawCeiling: BenchCase = {
  name: 'sqlite-raw-inserts',
  description: `better-sqlite3 alone: the same rows in ${RAW_BATCH_ROWS.toLocaleString('en-US')}-row transactions (WAL, synchronous=NORMAL); emit rate = rows inserted/s, events built in the loop`,
  run(options) {
    measureRawInserts(scaled(THROUGHPUT_EVENTS / 10, options)); // warm-up
    const count = scaled(THROUGHPUT_EVENTS, options);
    const rates = measureRawInserts(count);
    const metrics = {
      events: count,
      emittedPerSec: rates.insertedPerSec,
      insertOnlyPerSec: rates.insertOnlyPerSec,
      dbFileBytes: rates.fileBytes,
    };
    const notes = [
      `rows of ${eventSizeBytes()} bytes of JSON; inserting JSON built beforehand: ${perSec(rates.insertOnlyPerSec)}; file ${mib(rates.fileBytes)}`,
    ];
    return Promise.resolve({ metrics, notes });
  },
};

const backlog: BenchCase = {
  name: 'warden-sqlite-backlog-1m',
  description: `Warden on SQLite: ${BACKLOG_EVENTS.toLocaleString('en-US')} events appended (${BACKLOG_WINDOW} emits in flight) while the one named consumer is stalled, then its catch-up`,
  async run(options) {
    const metrics = await measureBacklog(scaled(BACKLOG_EVENTS, options), BACKLOG_WINDOW);
    const notes = [
      `append: ${perSec(metrics['emittedPerSec'] ?? Number.NaN)}; peak RSS ${mib(metrics['appendPeakRssBytes'])}, peak heap used ${mib(metrics['appendPeakHeapUsedBytes'])}; heap used after a full GC ${mib(metrics['heapUsedAfterAppendBytes'])}; consumer lag ${formatValue(metrics['lagAfterAppend'], 'count')}; file ${mib(metrics['dbFileBytes'])}`,
      `catch-up from the file: ${perSec(metrics['catchUpPerSec'] ?? Number.NaN)}; peak RSS ${mib(metrics['catchUpPeakRssBytes'])}, peak heap used ${mib(metrics['catchUpPeakHeapUsedBytes'])}`,
    ];
    return { metrics, notes };
  },
};

function throughputSummary(measured: ReadonlyMap<string, Metrics>, summary: MutableSummary): void {
  const warden = best(measured, wardenCases);
  const jetstream = best(measured, jetstreamCases);
  const raw = measured.get(rawCeiling.name);
  if (warden === undefined) return;
  if (jetstream !== undefined) {
    const ratio = warden.value / jetstream.value;
    summary.checks.push({
      name: `Warden on SQLite delivered (${warden.name}) vs JetStream end-to-end (${jetstream.name})`,
      target: `>= ${MIN_VS_JETSTREAM}x`,
      actual: `${ratio.toFixed(2)}x (${perSec(warden.value)} vs ${perSec(jetstream.value)})`,
      pass: ratio >= MIN_VS_JETSTREAM,
    });
  }
  const ceiling = raw?.['emittedPerSec'];
  if (ceiling !== undefined) {
    const ratio = warden.value / ceiling;
    summary.checks.push({
      name: `Warden on SQLite delivered (${warden.name}) vs raw insert ceiling`,
      target: `>= ${percent(MIN_VS_RAW)}`,
      actual: `${percent(ratio)} (${perSec(warden.value)} vs ${perSec(ceiling)})`,
      pass: ratio >= MIN_VS_RAW,
    });
    const insertOnly = raw?.['insertOnlyPerSec'];
    if (insertOnly !== undefined)
      summary.notes.push(
        `Warden / inserts of JSON built beforehand: ${percent(warden.value / insertOnly)}`,
      );
  }
}

function latencySummary(measured: ReadonlyMap<string, Metrics>, summary: MutableSummary): void {
  const warden = measured.get('warden-sqlite-latency-1k');
  const jetstream = measured.get('jetstream-latency-1k');
  const us = (value: number | undefined) => formatValue(value, 'micros');
  if (jetstream !== undefined)
    summary.notes.push(
      `JetStream at ${PACED_PER_SEC}/s: p50 ${us(jetstream['p50Us'])}, p99 ${us(jetstream['p99Us'])} publish-to-handler (from schedule: p99 ${us(jetstream['scheduledp99Us'])})`,
    );
  const p99 = warden?.['p99Us'];
  if (warden === undefined || p99 === undefined) return;
  summary.notes.push(
    `Warden on SQLite at ${PACED_PER_SEC}/s from scheduled arrival: p99 ${us(warden['scheduledp99Us'])}, max ${us(warden['scheduledmaxUs'])}`,
  );
  summary.checks.push({
    name: `Warden on SQLite p99 emit-to-handler at ${PACED_PER_SEC.toLocaleString('en-US')}/s offered`,
    target: `< ${us(MAX_P99_US)}`,
    actual: us(p99),
    pass: p99 < MAX_P99_US,
  });
}

function backlogSummary(measured: ReadonlyMap<string, Metrics>, summary: MutableSummary): void {
  const metrics = measured.get(backlog.name);
  const peak = metrics?.['peakRssBytes'];
  if (metrics === undefined || peak === undefined) return;
  const baseline = metrics['baselineRssBytes'] ?? Number.NaN;
  summary.notes.push(
    `1M backlog: peak RSS ${mib(peak)} of which ${mib(baseline)} was the process before the case (node, tsx, modules); growth ${mib(peak - baseline)}`,
  );
  summary.checks.push({
    name: 'Warden on SQLite peak RSS with a 1,000,000-event backlog (whole case, catch-up included)',
    target: `< ${MAX_BACKLOG_RSS_BYTES / 1e6} MB`,
    actual: `${(peak / 1e6).toFixed(0)} MB (${mib(peak)})`,
    pass: peak < MAX_BACKLOG_RSS_BYTES,
  });
}

function summarize(measured: ReadonlyMap<string, Metrics>): MutableSummary {
  const summary: MutableSummary = { notes: [], checks: [] };
  throughputSummary(measured, summary);
  latencySummary(measured, summary);
  backlogSummary(measured, summary);
  deliveryChecks(measured, summary);
  return summary;
}

export const benchmark: Benchmark = {
  name: 'bus-sqlite',
  description:
    'durable fan-out to 3 named consumers: Warden on SQLite vs raw SQLite inserts vs NATS JetStream',
  columns: [
    { key: 'events', label: 'events', format: 'count' },
    { key: 'emittedPerSec', label: 'emit rate', format: 'rate' },
    { key: 'deliveredPerSec', label: 'delivered', format: 'rate', spread: true },
    { key: 'p50Us', label: 'p50', format: 'micros' },
    { key: 'p99Us', label: 'p99', format: 'micros' },
    { key: 'scheduledp99Us', label: 'p99 sched', format: 'micros' },
    { key: 'maxUs', label: 'max', format: 'micros' },
    { key: 'peakRssBytes', label: 'peak RSS', format: 'mebibytes' },
    { key: 'gcPauseMs', label: 'GC pause', format: 'millis' },
  ],
  cases: [
    ...WARDEN_WINDOWS.map((w) => throughputCase(`warden-sqlite-${w}`, WARDEN_SQLITE, w)),
    rawCeiling,
    ...JETSTREAM_WINDOWS.map((w) => throughputCase(`jetstream-${w}`, JETSTREAM, w)),
    latencyCase('warden-sqlite-latency-1k', WARDEN_SQLITE),
    latencyCase('jetstream-latency-1k', JETSTREAM),
    backlog,
  ],
  summarize,
};
