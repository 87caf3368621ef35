/**
 * How much other work competes with a benchmark, from Linux `/proc/stat` (elsewhere the
 * probes report nothing and the runner goes ahead unchecked).
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';

/** USER_HZ: /proc/stat counts in 1/100 s on every Linux architecture Node supports. */
const MS_PER_TICK = 10;

/**
 * CPU time every process on the machine has spent busy (Linux `/proc/stat`), in ms;
 * undefined elsewhere. The runner subtracts its own and the case's CPU time to see how
 * much other work competed with a case.
 */
export function machineBusyCpuMs(): number | undefined {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]?.trim().split(/\s+/);
    // cpu user nice system idle iowait irq softirq steal ...
    const [, user, nice, system, , , irq, softirq, steal] = (fields ?? []).map(Number);
    const busy = [user, nice, system, irq, softirq, steal].reduce<number>(
      (sum, value) => sum + (value ?? 0),
      0,
    );
    return Number.isFinite(busy) ? busy * MS_PER_TICK : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Waits until the machine's CPUs are less than `maxBusyShare` busy over a 1 s window, or
 * `maxWaitMs` has passed; returns whether it got idle. Call it while this process is idle.
 */
export async function waitForIdleMachine(
  maxBusyShare: number,
  maxWaitMs: number,
): Promise<boolean> {
  const windowMs = 1000;
  const deadline = performance.now() + maxWaitMs;
  for (;;) {
    const before = machineBusyCpuMs();
    await delay(windowMs);
    const after = machineBusyCpuMs();
    if (before === undefined || after === undefined) return true;
    if ((after - before) / (windowMs * os.availableParallelism()) < maxBusyShare) return true;
    if (performance.now() > deadline) return false;
  }
}

/**
 * Share of the machine's CPU capacity used by other processes while a case ran (NaN where
 * unknown): the machine busy time, less the case's and the runner's own CPU time.
 */
export function startContentionProbe(): { stop(caseCpuMs: number): number } {
  const busyBefore = machineBusyCpuMs();
  const ownBefore = process.cpuUsage();
  const started = performance.now();
  return {
    stop(caseCpuMs) {
      const busyAfter = machineBusyCpuMs();
      if (busyBefore === undefined || busyAfter === undefined) return Number.NaN;
      const own = process.cpuUsage(ownBefore);
      const otherMs = busyAfter - busyBefore - caseCpuMs - (own.user + own.system) / 1000;
      const capacityMs = (performance.now() - started) * os.availableParallelism();
      return Math.max(0, otherMs) / capacityMs;
    },
  };
}
