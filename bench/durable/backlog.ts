import { join } from 'node:path';
import { EventBusService, SqliteEventLog } from '../../dist/index.js';
import type { EventBusOptions, SqliteEventLogConfig } from '../../dist/index.js';
import { runWindowed } from '../lib/load.js';
import { collectGarbage } from '../lib/process-probes.js';
import { CHANNEL, securityEvent } from '../bus/security-event.js';
import type { SecurityEvent } from '../bus/security-event.js';
import { securityWithConsumers } from './channel-config.js';
import { MemorySampler } from './memory-sampler.js';
import { createTempDir } from './temp-dir.js';

const CONSUMER = 'audit-logger';
/** A catch-up that delivers nothing for this long has lost events: fail instead of hanging. */
const STALL_MS = 10_000;

/**
 * `count` events appended to Warden's SQLite log while its one named consumer is subscribed
 * and stalled (its handler does not return until the append is done): the backlog has to
 * live on disk. Then the handler is released and the consumer catches up from the file.
 */
export async function measureBacklog(
  count: number,
  window: number,
  logConfig?: Omit<SqliteEventLogConfig, 'path'>,
): Promise<Record<string, number>> {
  const dir = createTempDir('warden-bench-backlog-');
  // Without a log config, the bus's own default: `<dataDir>/events.db`.
  const options: EventBusOptions =
    logConfig === undefined
      ? { dataDir: dir.path }
      : { log: new SqliteEventLog({ ...logConfig, path: join(dir.path, 'events.db') }) };
  const bus = new EventBusService(securityWithConsumers([CONSUMER]), options);
  const consumer = new CatchUp(count);
  bus.subscribe(CHANNEL, (event: SecurityEvent) => consumer.handle(event), { consumer: CONSUMER });
  await bus.ready();
  try {
    const append = new MemorySampler();
    const start = performance.now();
    await runWindowed(count, window, async (seq) => {
      await bus.emit(CHANNEL, securityEvent(seq));
    });
    const appendMs = performance.now() - start;
    const appendPeaks = append.stop();
    collectGarbage();
    const heapAfterAppend = process.memoryUsage().heapUsed;
    const health = await bus.health();
    const lag = health.channels.find((c) => c.channel === CHANNEL)?.consumers[0]?.lag ?? NaN;
    const dbBytes = dir.sizeBytes();

    const drain = new MemorySampler();
    const catchUpStart = performance.now();
    consumer.release();
    await consumer.finished();
    const catchUpMs = performance.now() - catchUpStart;
    const drainPeaks = drain.stop();
    return {
      events: count,
      producerWindow: window,
      emittedPerSec: (count / appendMs) * 1000,
      appendPeakRssBytes: appendPeaks.peakRssBytes,
      appendPeakHeapUsedBytes: appendPeaks.peakHeapUsedBytes,
      heapUsedAfterAppendBytes: heapAfterAppend,
      lagAfterAppend: lag,
      dbFileBytes: dbBytes,
      catchUpPerSec: (count / catchUpMs) * 1000,
      catchUpPeakRssBytes: drainPeaks.peakRssBytes,
      catchUpPeakHeapUsedBytes: drainPeaks.peakHeapUsedBytes,
      ...consumer.verify(),
    };
  } finally {
    await bus.close();
    dir.remove();
  }
}

/** The stalled consumer: holds every call until released, then counts what it sees. */
class CatchUp {
  readonly #seen: Uint8Array;
  readonly #count: number;
  readonly #released: Promise<void>;
  #release: () => void = () => undefined;
  #calls = 0;

  constructor(count: number) {
    this.#count = count;
    this.#seen = new Uint8Array(count);
    this.#released = new Promise((resolve) => (this.#release = resolve));
  }

  async handle(event: SecurityEvent): Promise<void> {
    await this.#released;
    const seq = event.data.seq;
    if ((this.#seen[seq] ?? 0) < 255) this.#seen[seq] = (this.#seen[seq] ?? 0) + 1;
    this.#calls++;
  }

  release(): void {
    this.#release();
  }

  /** Resolves once every event was delivered; rejects when deliveries stop short. */
  async finished(): Promise<void> {
    let before = -1;
    while (this.#calls < this.#count) {
      if (this.#calls === before)
        throw new Error(`catch-up stalled after ${this.#calls} of ${this.#count} deliveries`);
      before = this.#calls;
      await this.#progressOrTimeout();
    }
  }

  verify(): { lost: number; duplicates: number } {
    let lost = 0;
    let duplicates = 0;
    for (const times of this.#seen) {
      if (times === 0) lost++;
      else duplicates += times - 1;
    }
    return { lost, duplicates };
  }

  /** Polls (every 50 ms) until every event arrived or `STALL_MS` passed. */
  async #progressOrTimeout(): Promise<void> {
    const until = performance.now() + STALL_MS;
    while (this.#calls < this.#count && performance.now() < until)
      await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
