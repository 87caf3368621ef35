/**
 * Entry point of a case's child process: `node --import tsx --expose-gc child.ts <file> <case> <scale>`.
 * Loads the benchmark, runs one case between a full GC and the probes, and sends a
 * `ChildReport` to the runner over IPC.
 */
import { pathToFileURL } from 'node:url';
import {
  collectGarbage,
  finishedChildrenCpuMs,
  kernelPeakRssBytes,
  startGcObserver,
  startRssSampler,
} from './process-probes.js';
import type { Benchmark, ChildReport } from './types.js';

async function main(): Promise<ChildReport> {
  const [file, caseName, scaleText] = process.argv.slice(2);
  if (file === undefined || caseName === undefined || scaleText === undefined)
    throw new Error('usage: child.ts <bench file> <case> <scale>');
  const module = (await import(pathToFileURL(file).href)) as { benchmark?: Benchmark };
  const benchCase = module.benchmark?.cases.find((c) => c.name === caseName);
  if (benchCase === undefined) throw new Error(`no case '${caseName}' in ${file}`);
  const scale = Number(scaleText);
  collectGarbage();
  const baselineRssBytes = process.memoryUsage.rss();
  const rss = startRssSampler();
  const gc = startGcObserver();
  // Warden's timers are unref'd: without this a case waiting on a retry would let node exit.
  const keepAlive = setInterval(() => undefined, 60_000);
  const started = performance.now();
  const result = await benchCase.run({ quick: scale < 1, scale });
  const caseWallMs = performance.now() - started;
  const sampledPeakRssBytes = rss.stop();
  const gcStats = await gc.stop();
  clearInterval(keepAlive);
  return {
    kind: 'measured',
    result,
    process: {
      peakRssBytes: kernelPeakRssBytes(),
      sampledPeakRssBytes,
      baselineRssBytes,
      ...gcStats,
      caseWallMs,
      processCpuMs: cpuMs(process.cpuUsage()) + finishedChildrenCpuMs(),
    },
  };
}

function cpuMs(usage: NodeJS.CpuUsage): number {
  return (usage.user + usage.system) / 1000;
}

function send(report: ChildReport): void {
  if (process.send === undefined) {
    console.log(JSON.stringify(report, null, 2));
    process.exit(report.kind === 'measured' ? 0 : 1);
  }
  // Exit explicitly: a case that leaves a timer or socket behind must not hang the run.
  process.send(report, () => process.exit(0));
}

main().then(send, (error: unknown) => {
  send({
    kind: 'failed',
    error: error instanceof Error ? (error.stack ?? error.message) : String(error),
  });
});
