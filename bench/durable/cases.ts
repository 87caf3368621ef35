import { measurePacedLatency, measureThroughput, warmUp } from '../bus/measure.js';
import type { BusUnderTest } from '../bus/subjects.js';
import { formatValue } from '../lib/report.js';
import type { BenchCase, BenchOptions, CaseResult } from '../lib/types.js';
import { withNatsServer } from './nats-server.js';

/** The run size: 200,000 events of ~340 bytes fanned out to 3 named consumers. */
export const THROUGHPUT_EVENTS = 200_000;
/** A warm-up pass on a separate instance (its own file or streams), 10% of the run. */
const WARMUP_SHARE = 0.1;
/** The fixed offered load for the latency cases. */
export const PACED_PER_SEC = 1000;
const PACED_SECONDS = 5;
const PACED_WARMUP_EVENTS = 10_000;
const PACED_WARMUP_WINDOW = 100;

/** Where a subject runs: in this process, or against a fresh nats-server started for the case. */
export type SubjectSource =
  | { readonly kind: 'local'; readonly label: string; readonly subject: BusUnderTest }
  | {
      readonly kind: 'nats';
      readonly label: string;
      readonly subject: (url: string) => BusUnderTest;
    };

const scaled = (count: number, options: BenchOptions) => Math.round(count * options.scale);

/** Runs `body` on the subject; for NATS subjects the server's CPU time and peak RSS are added. */
async function withSubject(
  source: SubjectSource,
  body: (subject: BusUnderTest) => Promise<Record<string, number>>,
): Promise<Record<string, number>> {
  switch (source.kind) {
    case 'local':
      return body(source.subject);
    case 'nats': {
      const { result, usage } = await withNatsServer((url) => body(source.subject(url)));
      return { ...result, ...usage };
    }
    default: {
      const unreachable: never = source;
      return unreachable;
    }
  }
}

/** Throughput: `THROUGHPUT_EVENTS` emitted with `window` emits (or publish acks) outstanding. */
export function throughputCase(name: string, source: SubjectSource, window: number): BenchCase {
  return {
    name,
    description: `${source.label}: ${THROUGHPUT_EVENTS.toLocaleString('en-US')} events, 3 consumers, ${window} emits in flight`,
    async run(options) {
      const metrics = await withSubject(source, async (subject) => {
        await warmUp(subject, scaled(THROUGHPUT_EVENTS * WARMUP_SHARE, options), window);
        return measureThroughput(subject, scaled(THROUGHPUT_EVENTS, options), window);
      });
      return { metrics, notes: serverNotes(metrics) };
    },
  };
}

/** Latency at `PACED_PER_SEC` offered for `PACED_SECONDS`, emits not awaited (runPaced). */
export function latencyCase(name: string, source: SubjectSource): BenchCase {
  return {
    name,
    description: `${source.label}: ${PACED_PER_SEC.toLocaleString('en-US')} events/s offered for ${PACED_SECONDS} s`,
    async run(options): Promise<CaseResult> {
      const metrics = await withSubject(source, async (subject) => {
        await warmUp(subject, scaled(PACED_WARMUP_EVENTS, options), PACED_WARMUP_WINDOW);
        const count = scaled(PACED_PER_SEC * PACED_SECONDS, options);
        return measurePacedLatency(subject, count, PACED_PER_SEC);
      });
      const us = (key: string) => formatValue(metrics[key], 'micros');
      const notes = [
        `from emit: p50 ${us('p50Us')}, p99 ${us('p99Us')}, p99.9 ${us('p999Us')}, max ${us('maxUs')}`,
        `from scheduled arrival (no coordinated omission): p50 ${us('scheduledp50Us')}, p99 ${us('scheduledp99Us')}, max ${us('scheduledmaxUs')}; largest burst ${formatValue(metrics['maxBurst'], 'count')} events; emits refused ${formatValue(metrics['rejectedEmits'], 'count')}`,
        ...serverNotes(metrics),
      ];
      return { metrics, notes };
    },
  };
}

function serverNotes(metrics: Record<string, number>): string[] {
  const cpuMs = metrics['serverCpuMs'];
  const rss = metrics['serverPeakRssBytes'];
  if (cpuMs === undefined || rss === undefined) return [];
  return [
    `nats-server: ${formatValue(cpuMs, 'millis')} CPU over the case (warm-up included), peak RSS ${formatValue(rss, 'mebibytes')} (not in the peak RSS column)`,
  ];
}
