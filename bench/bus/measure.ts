import { runPaced, runWindowed } from '../lib/load.js';
import { collectGarbage } from '../lib/process-probes.js';
import { DeliverySink } from './delivery-sink.js';
import { CONSUMERS, securityEvent } from './security-event.js';
import type { BusUnderTest } from './subjects.js';

/**
 * Emits in flight when the bus is awaited. In a sweep of 1…1024 (docs/benchmarks.md), 1 (await
 * every emit) was eventemitter2 emitAsync's best and within noise of Warden's best.
 */
export const PRODUCER_WINDOW = 1;
/** Enough concurrent producers to keep Warden's `security` buffer full (back pressure engaged). */
export const SATURATING_WINDOW = 256;
/** A run that delivers nothing for this long has lost events: fail instead of hanging. */
const STALL_MS = 10_000;

/** Throughput: `count` events as fast as the subject accepts them, fanned out to 3 consumers. */
export async function measureThroughput(
  subject: BusUnderTest,
  count: number,
  window = PRODUCER_WINDOW,
): Promise<Record<string, number>> {
  const sink = new DeliverySink(count, CONSUMERS.length, { paced: false });
  const bus = await subject.open(sink);
  const start = performance.now();
  if (subject.awaited) {
    await runWindowed(count, window, async (seq) => {
      const event = securityEvent(seq);
      sink.stampEmit(seq);
      await bus.emit(event);
    });
  } else {
    for (let seq = 0; seq < count; seq++) {
      const event = securityEvent(seq);
      sink.stampEmit(seq);
      void bus.emit(event);
    }
  }
  const emitted = performance.now();
  const delivered = await waitForDeliveries(sink);
  await bus.close();
  const wallMs = delivered - start;
  return {
    events: count,
    emittedPerSec: (count / (emitted - start)) * 1000,
    deliveredPerSec: (count / wallMs) * 1000,
    handlerCallsPerSec: (sink.calls / wallMs) * 1000,
    wallMs,
    producerWindow: subject.awaited ? window : 0,
    ...sink.latency.summary(),
    ...sink.verify(),
  };
}

/** Latency at a fixed offered load: events are due every `1 / ratePerSecond` s, never awaited. */
export async function measurePacedLatency(
  subject: BusUnderTest,
  count: number,
  ratePerSecond: number,
): Promise<Record<string, number>> {
  const sink = new DeliverySink(count, CONSUMERS.length, { paced: true });
  const bus = await subject.open(sink);
  const stats = await runPaced({
    count,
    ratePerSecond,
    emit: (seq, scheduledAtMs) => {
      const event = securityEvent(seq);
      sink.stampEmit(seq, scheduledAtMs);
      // Not awaited: the load is offered whether or not the bus keeps up; a refusal is counted.
      bus.emit(event)?.catch(() => {
        sink.markRejected(seq);
      });
    },
  });
  const start = performance.now() - stats.durationMs;
  const delivered = await waitForDeliveries(sink);
  await bus.close();
  return {
    events: count,
    offeredPerSec: ratePerSecond,
    emittedPerSec: stats.offeredPerSec,
    deliveredPerSec: (count / (delivered - start)) * 1000,
    handlerCallsPerSec: (sink.calls / (delivered - start)) * 1000,
    maxBurst: stats.maxBurst,
    rejectedEmits: sink.rejected,
    ...sink.latency.summary(),
    ...sink.fromSchedule.summary('scheduled'),
    ...sink.verify(),
  };
}

/** Runs a smaller throughput pass on a separate instance so the JIT is warm, then collects it. */
export async function warmUp(
  subject: BusUnderTest,
  count: number,
  window = PRODUCER_WINDOW,
): Promise<void> {
  await measureThroughput(subject, count, window);
  collectGarbage();
}

/** Resolves with the time of the last handler call, or throws if deliveries stop short. */
async function waitForDeliveries(sink: DeliverySink): Promise<number> {
  for (;;) {
    const before = sink.calls;
    let timer: NodeJS.Timeout | undefined;
    const stalled = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => {
        resolve(undefined);
      }, STALL_MS);
    });
    const at = await Promise.race([sink.done, stalled]);
    clearTimeout(timer);
    if (at !== undefined) return at;
    if (sink.calls === before)
      throw new Error(`stalled: no handler call for ${STALL_MS} ms after ${before} calls`);
  }
}
