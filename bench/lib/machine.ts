import { execFileSync } from 'node:child_process';
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
