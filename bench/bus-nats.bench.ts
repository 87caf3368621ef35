/**
 * Warden on its NATS JetStream log against plain JetStream with the same stream and consumer
 * settings: 200,000 events of ~340 bytes to the 3 named consumers of the `security` channel,
 * for throughput and latency under load; 1,000 events/s offered for 5 s, for latency. Each
 * case starts its own nats-server (file store in a temp dir). Issue: "NATS JetStream event
 * log". Method, what differs between the two sides, and results: docs/benchmarks.md.
 */
import { formatValue } from './lib/report.js';
import type { Benchmark, Metrics } from './lib/types.js';
import { latencyCase, PACED_PER_SEC, throughputCase } from './durable/cases.js';
import { deliveryChecks, percent, perSec } from './durable/checks.js';
import type { MutableSummary } from './durable/checks.js';
import { JETSTREAM, WARDEN_NATS } from './durable/sources.js';

/** Outstanding publish acks (emits in flight): ~100 is the issue's setting, 256 the lanes' prefetch. */
const WINDOWS = [100, 256] as const;
/** The acceptance target: Warden's throughput at most this much below raw JetStream's. */
const MAX_OVERHEAD = 0.15;

function overheadSummary(measured: ReadonlyMap<string, Metrics>, summary: MutableSummary): void {
  const us = (value: number | undefined) => formatValue(value, 'micros');
  for (const window of WINDOWS) {
    const warden = measured.get(`warden-nats-${window}`);
    const raw = measured.get(`jetstream-${window}`);
    const wardenRate = warden?.['deliveredPerSec'];
    const rawRate = raw?.['deliveredPerSec'];
    if (warden === undefined || raw === undefined || wardenRate === undefined || !rawRate) continue;
    const overhead = 1 - wardenRate / rawRate;
    summary.checks.push({
      name: `Warden on NATS throughput overhead vs raw JetStream, ${window} in flight`,
      target: `< ${percent(MAX_OVERHEAD)}`,
      actual: `${percent(overhead)} (${perSec(wardenRate)} vs ${perSec(rawRate)})`,
      pass: overhead < MAX_OVERHEAD,
    });
    summary.notes.push(
      `${window} in flight, p99 emit-to-handler under full load: Warden ${us(warden['p99Us'])}, raw ${us(raw['p99Us'])}`,
    );
  }
  const wardenPaced = measured.get('warden-nats-latency-1k');
  const rawPaced = measured.get('jetstream-latency-1k');
  if (wardenPaced !== undefined && rawPaced !== undefined)
    summary.notes.push(
      `${PACED_PER_SEC}/s offered: p50 Warden ${us(wardenPaced['p50Us'])} vs raw ${us(rawPaced['p50Us'])}; p99 Warden ${us(wardenPaced['p99Us'])} vs raw ${us(rawPaced['p99Us'])}`,
    );
}

function summarize(measured: ReadonlyMap<string, Metrics>): MutableSummary {
  const summary: MutableSummary = { notes: [], checks: [] };
  overheadSummary(measured, summary);
  deliveryChecks(measured, summary);
  return summary;
}

export const benchmark: Benchmark = {
  name: 'bus-nats',
  description:
    'fan-out to 3 named consumers through NATS JetStream (file storage): Warden on its NATS log vs raw JetStream',
  columns: [
    { key: 'events', label: 'events', format: 'count' },
    { key: 'emittedPerSec', label: 'emit rate', format: 'rate' },
    { key: 'deliveredPerSec', label: 'delivered', format: 'rate', spread: true },
    { key: 'p50Us', label: 'p50', format: 'micros' },
    { key: 'p99Us', label: 'p99', format: 'micros', spread: true },
    { key: 'maxUs', label: 'max', format: 'micros' },
    { key: 'peakRssBytes', label: 'peak RSS', format: 'mebibytes' },
    { key: 'serverPeakRssBytes', label: 'server RSS', format: 'mebibytes' },
    { key: 'serverCpuMs', label: 'server CPU', format: 'millis' },
  ],
  cases: [
    ...WINDOWS.flatMap((w) => [
      throughputCase(`warden-nats-${w}`, WARDEN_NATS, w),
      throughputCase(`jetstream-${w}`, JETSTREAM, w),
    ]),
    latencyCase('warden-nats-latency-1k', WARDEN_NATS),
    latencyCase('jetstream-latency-1k', JETSTREAM),
  ],
  summarize,
};
