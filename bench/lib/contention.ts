/**
 * How much other work competes with a benchmark, from Linux `/proc/stat` (elsewhere the
 * probes report nothing and the runner goes ahead unchecked).
 */
import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
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

const LOCK_PATH = join(os.tmpdir(), 'warden-bench.lock');
/** A lock file still empty after this long was left by a runner that died while taking it. */
const EMPTY_LOCK_STALE_MS = 10_000;

/**
 * Takes the machine-wide benchmark lock (a file holding the owner's pid in the temp
 * directory), waiting while another live runner holds it: two runners on one machine would
 * each be the other's noise. Returns the release function. Where no lock file can be
 * created, returns at once and the run goes ahead unserialised.
 */
export async function acquireBenchLock(): Promise<() => void> {
  for (;;) {
    try {
      const fd = openSync(LOCK_PATH, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return releaseBenchLock;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return () => undefined;
    }
    if (isLockStale()) removeLock();
    else await delay(250);
  }
}

function releaseBenchLock(): void {
  if (readLockOwner() === process.pid) removeLock();
}

function readLockOwner(): number | undefined {
  try {
    const text = readFileSync(LOCK_PATH, 'utf8').trim();
    return text === '' ? undefined : Number(text);
  } catch {
    return undefined;
  }
}

function isLockStale(): boolean {
  const owner = readLockOwner();
  if (owner === undefined) {
    try {
      return Date.now() - statSync(LOCK_PATH).mtimeMs > EMPTY_LOCK_STALE_MS;
    } catch {
      return false; // gone already: the next attempt takes it
    }
  }
  try {
    process.kill(owner, 0); // signal 0 only checks that the process exists
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'EPERM';
  }
}

function removeLock(): void {
  try {
    unlinkSync(LOCK_PATH);
  } catch {
    // another runner removed it first
  }
}
