import { readFileSync } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';

/**
 * Samples `process.memoryUsage.rss()` on an interval and keeps the peak. The timer is
 * unref'd and cannot fire while the event loop is blocked (a synchronous emit loop), so
 * the harness also reports the kernel's high-water mark (`process.resourceUsage().maxRSS`).
 */
export function startRssSampler(intervalMs = 5): { stop(): number } {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    const rss = process.memoryUsage.rss();
    if (rss > peak) peak = rss;
  }, intervalMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage.rss());
    },
  };
}

/** Kernel high-water mark of this process's resident set, in bytes. */
export function kernelPeakRssBytes(): number {
  return process.resourceUsage().maxRSS * 1024;
}

/**
 * Counts garbage collections and their total pause while running. Node delivers GC entries
 * from a timer, so `stop` waits a few timer turns to collect those of a busy loop's end.
 */
export function startGcObserver(): { stop(): Promise<{ gcCount: number; gcPauseMs: number }> } {
  let gcCount = 0;
  let gcPauseMs = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gcCount++;
      gcPauseMs += entry.duration;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  return {
    async stop() {
      for (let turn = 0; turn < 3; turn++) await delay(10);
      observer.disconnect();
      return { gcCount, gcPauseMs };
    },
  };
}

/** A full GC when node runs with `--expose-gc` (the runner passes it to every child). */
export function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/**
 * CPU time of this process's finished child processes (a case may spawn one), from
 * `/proc/self/stat` (cutime + cstime, in 1/100 s); 0 where unavailable.
 */
export function finishedChildrenCpuMs(): number {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    // Fields after the parenthesised command name: state is field 3, cutime 16, cstime 17.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[13]) + Number(fields[14])) * 10 || 0;
  } catch {
    return 0;
  }
}
