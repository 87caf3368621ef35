import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

/** Longest pause between two tries for a lock another connection holds. */
const MAX_PAUSE_MS = 25;

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  // SQLITE_BUSY only: an extended code such as SQLITE_BUSY_SNAPSHOT means retrying the
  // statement alone would be wrong (the transaction's snapshot is stale).
  return code === 'SQLITE_BUSY';
}

/**
 * Runs `step`, trying again while SQLite answers `SQLITE_BUSY` (another connection holds the
 * lock), for up to `timeoutMs`, then lets the last `SQLITE_BUSY` through.
 *
 * SQLite's own `busy_timeout` waits by sleeping the thread: with better-sqlite3 that freezes
 * Node's event loop, so a second connection in the same process could never see the first
 * one finish (it fails after the timeout, having stopped everything meanwhile). Waiting here
 * keeps the loop running. The wait is real time, like `busy_timeout`, not the injected clock,
 * and its timer is ref'd so a process waiting for the lock does not exit.
 */
export async function retryWhileBusy<T>(step: () => T | Promise<T>, timeoutMs: number): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  let pauseMs = 1;
  for (;;) {
    try {
      return await step();
    } catch (error) {
      const leftMs = deadline - performance.now();
      if (!isBusy(error) || leftMs <= 0) throw error;
      await sleep(Math.min(pauseMs, leftMs));
      pauseMs = Math.min(pauseMs * 2, MAX_PAUSE_MS);
    }
  }
}
