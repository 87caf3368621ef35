import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import os from 'node:os';

export interface MachineInfo {
  readonly cpuModel: string;
  readonly cpuCount: number;
  readonly totalMemoryBytes: number;
  readonly platform: string;
  readonly kernel: string;
  readonly arch: string;
  readonly node: string;
  readonly v8: string;
  /** Other work on the machine skews results: recorded so a noisy run can be spotted. */
  readonly loadAverage1m: number;
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cpuCount: os.availableParallelism(),
    totalMemoryBytes: os.totalmem(),
    platform: os.platform(),
    kernel: os.release(),
    arch: os.arch(),
    node: process.version,
    v8: process.versions.v8,
    loadAverage1m: os.loadavg()[0] ?? Number.NaN,
  };
}

export interface SourceInfo {
  readonly commit: string;
  /** Files under src/ that differ from the commit: the build measured is not exactly it. */
  readonly dirtySrcFiles: readonly string[];
}

/** Which source the measured build came from; `undefined` outside a git checkout. */
export function sourceInfo(): SourceInfo | undefined {
  try {
    const git = (...args: string[]) =>
      execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = git('status', '--porcelain', '--', 'src');
    return {
      commit: git('rev-parse', 'HEAD'),
      dirtySrcFiles: dirty === '' ? [] : dirty.split('\n').map((line) => line.slice(3)),
    };
  } catch {
    return undefined;
  }
}

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
