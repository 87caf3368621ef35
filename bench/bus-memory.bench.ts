/**
 * Warden's in-memory bus against eventemitter2: 1,000,000 events of ~300 bytes fanned out
 * to 3 async consumers, for throughput; 100,000 (and 25,000) events/s offered for 3 s, for
 * latency; and what each does with a handler that rejects. Method: docs/benchmarks.md.
 */
import {
  measurePacedLatency,
  measureThroughput,
  PRODUCER_WINDOW,
  SATURATING_WINDOW,
  warmUp,
} from './bus/measure.js';
import {
  eventEmitter2EmitAsyncAttempts,
  eventEmitter2RejectionExit,
  wardenRetries,
} from './bus/failure-demo.js';
import { eventSizeBytes, securityEvent } from './bus/security-event.js';
import { eventEmitter2Emit, eventEmitter2EmitAsync, warden } from './bus/subjects.js';
import type { BusUnderTest } from './bus/subjects.js';
import { formatValue } from './lib/report.js';
import type { BenchCase, BenchOptions, Benchmark, Check, Metrics } from './lib/types.js';

const THROUGHPUT_EVENTS = 1_000_000;
const WARMUP_EVENTS = 100_000;
/** The offered load; a lower one shows where Warden meets the latency target today. */
const OFFERED_PER_SEC = 100_000;
const MODERATE_PER_SEC = 25_000;
const PACED_SECONDS = 3;
/** The acceptance targets. */
const MIN_THROUGHPUT_RATIO = 0.5;
const MAX_P99_US = 1000;

const scaled = (count: number, options: BenchOptions) => Math.round(count * options.scale);

function throughputCase(name: string, subject: BusUnderTest, window = PRODUCER_WINDOW): BenchCase {
  const producer = !subject.awaited
    ? 'emit() in a loop'
    : window === 1
      ? 'each emit awaited'
      : `${window} emits in flight`;
  return {
    name,
    description: `${subject.label}: ${THROUGHPUT_EVENTS.toLocaleString('en-US')} events, 3 consumers, ${producer}`,
    async run(options) {
      await warmUp(subject, scaled(WARMUP_EVENTS, options), window);
      const count = scaled(THROUGHPUT_EVENTS, options);
      return { metrics: await measureThroughput(subject, count, window) };
    },
  };
}

function latencyCase(name: string, subject: BusUnderTest, ratePerSecond: number): BenchCase {
  return {
    name,
    description: `${subject.label}: ${ratePerSecond.toLocaleString('en-US')} events/s offered for ${PACED_SECONDS} s`,
    async run(options) {
      await warmUp(subject, scaled(WARMUP_EVENTS, options));
      const count = scaled(ratePerSecond * PACED_SECONDS, options);
      const metrics = await measurePacedLatency(subject, count, ratePerSecond);
      const us = (key: string) => formatValue(metrics[key], 'micros');
      const integer = (key: string) => formatValue(metrics[key], 'count');
      const notes = [
        `from scheduled arrival (no coordinated omission): p50 ${us('scheduledp50Us')}, p99 ${us('scheduledp99Us')}, max ${us('scheduledmaxUs')}; largest burst ${integer('maxBurst')} events; emits refused by back pressure ${integer('rejectedEmits')}`,
      ];
      return { metrics, notes };
    },
  };
}

const producerFloor: BenchCase = {
  name: 'create-event-only',
  description: 'createEvent() alone: the producer cost both buses include',
  run(options) {
    const count = scaled(THROUGHPUT_EVENTS, options);
    let bytes = 0;
    const start = performance.now();
    for (let seq = 0; seq < count; seq++) bytes += securityEvent(seq).data.seq & 1;
    const wallMs = performance.now() - start;
    const metrics = { events: count, emittedPerSec: (count / wallMs) * 1000, checksum: bytes };
    return Promise.resolve({ metrics, notes: [`events are ${eventSizeBytes()} bytes as JSON`] });
  },
};

const failureHandling: BenchCase = {
  name: 'rejecting-handler',
  description: 'a handler that rejects: eventemitter2 vs Warden (default security channel)',
  timingSensitive: false,
  async run() {
    const crash = eventEmitter2RejectionExit();
    const awaited = await eventEmitter2EmitAsyncAttempts();
    const retried = await wardenRetries();
    const notes = [
      `eventemitter2 emit(): the rejection is invisible to emit(); it becomes an unhandled rejection and a bare node process exits with code ${crash.exitCode} (${crash.stderr})`,
      `eventemitter2 emitAsync(): the producer sees the rejection (${String(awaited.rejected)}); the listener ran ${awaited.calls}x, no retry`,
      `Warden: emit() ${retried.emitRejected ? 'rejected' : 'resolved'}; a handler failing twice was retried and succeeded on attempt ${retried.attemptsUntilSuccess} after ${retried.msUntilSuccess.toFixed(0)} ms; one always failing was dead-lettered after ${retried.attemptsBeforeDeadLetter} attempts (${retried.deadLetters} dead letter)`,
    ];
    return {
      metrics: {
        ee2ExitCode: crash.exitCode,
        ee2EmitAsyncCalls: awaited.calls,
        wardenAttemptsUntilSuccess: retried.attemptsUntilSuccess,
        wardenDeadLetters: retried.deadLetters,
      },
      notes,
    };
  },
};

const percent = (ratio: number) => `${(ratio * 100).toFixed(1)}%`;

/**
 * Warden's delivered throughput against eventemitter2 with async listeners awaited
 * (`emitAsync`), the baseline ("eventemitter2 delivers about 0.65-0.8 million events/s
 * to 3 async listeners"); the ratio to fire-and-forget `emit()` is printed for reference.
 */
function throughputSummary(measured: ReadonlyMap<string, Metrics>, summary: MutableSummary): void {
  const rate = (name: string) => measured.get(name)?.['deliveredPerSec'];
  const wardenRate = rate('warden-throughput');
  if (wardenRate === undefined) return;
  const fireAndForget = rate('ee2-emit-throughput');
  if (fireAndForget !== undefined)
    summary.notes.push(
      `Warden / ee2-emit-throughput (promises dropped, for reference): ${percent(wardenRate / fireAndForget)} of delivered events/s`,
    );
  const saturated = rate(`warden-throughput-${SATURATING_WINDOW}-in-flight`);
  if (saturated !== undefined)
    summary.notes.push(
      `Warden with ${SATURATING_WINDOW} emits in flight (back pressure engaged): ${percent(saturated / wardenRate)} of its awaited-emit throughput`,
    );
  const baseline = rate('ee2-emitAsync-throughput');
  if (baseline === undefined) return;
  const ratio = wardenRate / baseline;
  summary.checks.push({
    name: 'Warden delivered throughput vs eventemitter2 emitAsync (async listeners, awaited)',
    target: `>= ${percent(MIN_THROUGHPUT_RATIO)}`,
    actual: percent(ratio),
    pass: ratio >= MIN_THROUGHPUT_RATIO,
  });
}

function latencySummary(measured: ReadonlyMap<string, Metrics>, summary: MutableSummary): void {
  for (const [name, rate] of [
    ['warden-latency-100k', OFFERED_PER_SEC],
    ['warden-latency-25k', MODERATE_PER_SEC],
  ] as const) {
    const p99 = measured.get(name)?.['p99Us'];
    if (p99 === undefined) continue;
    summary.checks.push({
      name: `Warden p99 emit-to-handler at ${rate.toLocaleString('en-US')}/s offered`,
      target: `< ${formatValue(MAX_P99_US, 'micros')}`,
      actual: formatValue(p99, 'micros'),
      pass: p99 < MAX_P99_US,
    });
  }
}

function deliverySummary(measured: ReadonlyMap<string, Metrics>, summary: MutableSummary): void {
  for (const [name, metrics] of measured) {
    const lost = metrics['lost'];
    const duplicates = metrics['duplicates'];
    if (lost === undefined || duplicates === undefined) continue;
    summary.checks.push({
      name: `${name}: every accepted event reached every consumer once`,
      target: '0 lost, 0 duplicates',
      actual: `${lost} lost, ${duplicates} duplicates`,
      pass: lost === 0 && duplicates === 0,
    });
  }
}

interface MutableSummary {
  readonly notes: string[];
  readonly checks: Check[];
}

function summarize(measured: ReadonlyMap<string, Metrics>): MutableSummary {
  const summary: MutableSummary = { notes: [], checks: [] };
  throughputSummary(measured, summary);
  latencySummary(measured, summary);
  deliverySummary(measured, summary);
  return summary;
}

export const benchmark: Benchmark = {
  name: 'bus-memory',
  description: `in-memory fan-out to 3 async consumers, Warden vs eventemitter2 (awaited producers: ${PRODUCER_WINDOW} emit in flight unless named)`,
  columns: [
    { key: 'events', label: 'events', format: 'count' },
    { key: 'emittedPerSec', label: 'emit rate', format: 'rate' },
    { key: 'deliveredPerSec', label: 'delivered', format: 'rate', spread: true },
    { key: 'handlerCallsPerSec', label: 'handler calls', format: 'rate' },
    { key: 'p50Us', label: 'p50', format: 'micros' },
    { key: 'p99Us', label: 'p99', format: 'micros' },
    { key: 'maxUs', label: 'max', format: 'micros' },
    { key: 'peakRssBytes', label: 'peak RSS', format: 'mebibytes' },
    { key: 'gcPauseMs', label: 'GC pause', format: 'millis' },
  ],
  cases: [
    producerFloor,
    throughputCase('warden-throughput', warden),
    throughputCase(`warden-throughput-${SATURATING_WINDOW}-in-flight`, warden, SATURATING_WINDOW),
    throughputCase('ee2-emit-throughput', eventEmitter2Emit),
    throughputCase('ee2-emitAsync-throughput', eventEmitter2EmitAsync),
    latencyCase('warden-latency-100k', warden, OFFERED_PER_SEC),
    latencyCase('ee2-latency-100k', eventEmitter2Emit, OFFERED_PER_SEC),
    latencyCase('warden-latency-25k', warden, MODERATE_PER_SEC),
    failureHandling,
  ],
  summarize,
};
