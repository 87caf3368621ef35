import { readdirSync, readFileSync } from 'node:fs';
import { startNatsServer } from '../../src/events/log/nats/nats-test-server.js';
import type { NatsTestServer } from '../../src/events/log/nats/nats-test-server.js';

/** CPU time and memory high-water mark of the nats-server process, read from /proc before it stops. */
export interface ServerUsage {
  readonly serverCpuMs: number;
  readonly serverPeakRssBytes: number;
}

/** USER_HZ: /proc counts CPU time in 1/100 s. */
const MS_PER_TICK = 10;

/**
 * Runs `body` against a fresh nats-server (JetStream, file store in a temp dir, 127.0.0.1 on a
 * free port) and stops it afterwards, also when `body` throws: the server is a separate
 * process that would outlive the case's child otherwise. The server's CPU time also reaches
 * the harness's `processCpuMs` (a finished child); its memory does not, hence `ServerUsage`.
 */
export async function withNatsServer<T>(
  body: (url: string) => Promise<T>,
): Promise<{ result: T; usage: ServerUsage | undefined }> {
  const server: NatsTestServer = await startNatsServer();
  try {
    const result = await body(server.url);
    return { result, usage: serverUsage(server.port) };
  } finally {
    await server.dispose();
  }
}

function serverUsage(port: number): ServerUsage | undefined {
  const pid = findServerPid(port);
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name: utime is field 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const hwmKib = Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? Number.NaN);
    return {
      serverCpuMs: (Number(fields[11]) + Number(fields[12])) * MS_PER_TICK,
      serverPeakRssBytes: hwmKib * 1024,
    };
  } catch {
    return undefined;
  }
}

/** The nats-server child listening on `port` (Linux only; undefined elsewhere). */
function findServerPid(port: number): number | undefined {
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const args = readCmdline(entry);
      const portAt = args.indexOf('-p');
      if (args[0]?.endsWith('nats-server') === true && args[portAt + 1] === String(port))
        return Number(entry);
    }
  } catch {
    // no /proc
  }
  return undefined;
}

function readCmdline(pid: string): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return []; // the process ended while we looked
  }
}
