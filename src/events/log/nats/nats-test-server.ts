import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A nats-server with JetStream on 127.0.0.1, for tests and benchmarks (not part of the package). */
export interface NatsTestServer {
  readonly url: string;
  readonly port: number;
  /** Kills the server (SIGKILL with `hard`) and starts it again on the same port and store. */
  restart(options?: { hard?: boolean }): Promise<void>;
  /** Stops the server, keeping its store, until `start()`. */
  stop(options?: { hard?: boolean }): Promise<void>;
  start(): Promise<void>;
  /** Stops the server and removes its store. */
  dispose(): Promise<void>;
}

/** The nats-server binary: `$NATS_SERVER`, else Debian's, else whatever is on PATH. */
export function natsServerBinary(): string {
  const fromEnv = process.env['NATS_SERVER'];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  return existsSync('/usr/sbin/nats-server') ? '/usr/sbin/nats-server' : 'nats-server';
}

export async function startNatsServer(): Promise<NatsTestServer> {
  const port = await freePort();
  const storeDir = mkdtempSync(join(tmpdir(), 'warden-nats-'));
  let child: ChildProcess | undefined;

  const start = async () => {
    const proc = spawn(
      natsServerBinary(),
      ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir],
      {
        stdio: ['ignore', 'ignore', 'pipe'] as const,
      },
    );
    child = proc;
    await new Promise<void>((resolve, reject) => {
      let output = '';
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Server is ready')) {
          proc.stderr.off('data', onData);
          proc.stderr.resume();
          resolve();
        }
      };
      proc.stderr.on('data', onData);
      proc.once('error', reject);
      proc.once('exit', (code) => {
        reject(
          new Error(`nats-server exited with ${String(code)} before it was ready:\n${output}`),
        );
      });
    });
  };

  const stop = async (options: { hard?: boolean } = {}) => {
    const proc = child;
    child = undefined;
    if (proc === undefined || proc.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => {
      proc.once('exit', () => {
        resolve();
      });
    });
    proc.kill(options.hard === true ? 'SIGKILL' : 'SIGTERM');
    await exited;
  };

  await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    start,
    stop,
    restart: async (options) => {
      await stop(options);
      await start();
    },
    dispose: async () => {
      await stop();
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => {
        resolve(port);
      });
    });
  });
}
