import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * Runs `emit(0 … count-1)` with at most `window` emits in flight: `window` workers each
 * await their emit before taking the next index, so a slow consumer (back pressure)
 * throttles the producer instead of queueing unbounded promises.
 */
export async function runWindowed(
  count: number,
  window: number,
  emit: (index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await emit(next++);
  };
  await Promise.all(Array.from({ length: Math.min(window, count) }, worker));
}

export interface PacedLoadOptions {
  readonly count: number;
  readonly ratePerSecond: number;
  /** Called for every event once its scheduled time has come; `scheduledAtMs` is on `performance.now()`. */
  readonly emit: (index: number, scheduledAtMs: number) => void;
}

export interface PacedLoadStats {
  readonly offeredPerSec: number;
  /** Most events that were due at once (a stalled loop shows up here). */
  readonly maxBurst: number;
  readonly durationMs: number;
}

/**
 * Offers a fixed load: event i is due at `start + i / rate`. Every turn of the event loop
 * (`setImmediate`, so I/O and timers still run) emits whatever is due, so the load stays
 * smooth instead of arriving in 1 ms bursts, and a stall is caught up rather than dropped.
 */
export async function runPaced(options: PacedLoadOptions): Promise<PacedLoadStats> {
  const { count, ratePerSecond, emit } = options;
  const intervalMs = 1000 / ratePerSecond;
  const start = performance.now();
  let next = 0;
  let maxBurst = 0;
  while (next < count) {
    const due = Math.min(count, Math.floor((performance.now() - start) / intervalMs) + 1);
    if (due - next > maxBurst) maxBurst = due - next;
    for (; next < due; next++) emit(next, start + next * intervalMs);
    await nextTurn();
  }
  const durationMs = performance.now() - start;
  return { offeredPerSec: (count / durationMs) * 1000, maxBurst, durationMs };
}
