import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** How tests reach the throwaway cluster: a superuser with a password, over TCP on 127.0.0.1. */
export interface PostgresServerInfo {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** `postgres://user:password@127.0.0.1:port/postgres` */
  readonly url: string;
}

/** A running throwaway cluster; `stop()` kills it and removes its directory. */
export interface PostgresCluster extends PostgresServerInfo {
  readonly dir: string;
  stop(): Promise<void>;
  /** The same, synchronously, for a process `exit` handler. Idempotent with `stop()`. */
  stopSync(): void;
}

const SUPERUSER = 'warden';

/** Debian's PostgreSQL binaries (newest major first), or `WARDEN_PG_BIN` when set. */
export function findPostgresBin(): string | undefined {
  const fromEnv = process.env['WARDEN_PG_BIN'];
  if (fromEnv !== undefined && existsSync(join(fromEnv, 'initdb'))) return fromEnv;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const majors = readdirSync(root)
    .filter((name) => /^\d+$/.test(name))
    .sort((a, b) => Number(b) - Number(a));
  for (const major of majors) {
    const bin = join(root, major, 'bin');
    if (existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'pg_ctl'))) return bin;
  }
  return undefined;
}

interface RunAs {
  readonly uid: number;
  readonly gid: number;
}

/** initdb refuses to run as root: run the cluster as `postgres` (or `nobody`) then. */
function unprivilegedUser(): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of ['postgres', 'nobody']) {
    try {
      const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
      return { uid, gid };
    } catch {
      // try the next user
    }
  }
  throw new Error('running as root and neither the postgres nor the nobody user exists');
}

function freePort(): Promise<number> {
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

function run(command: string, args: readonly string[], runAs: RunAs | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      ...(runAs ?? {}),
      cwd: tmpdir(), // readable by the unprivileged user, unlike root's working directory
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', LANG: 'C', LC_ALL: 'C' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0) resolve(output);
      else reject(new Error(`${command} ${args.join(' ')} exited with ${code}:\n${output}`));
    });
  });
}

function tail(file: string): string {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').slice(-20).join('\n') : '';
}

function settings(dir: string, port: number): string {
  // Throwaway data: durability off, enough connections for parallel test files.
  return [
    `-p ${port}`,
    '-c listen_addresses=127.0.0.1',
    `-c unix_socket_directories=${dir}`,
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    '-c max_connections=300',
    '-c shared_buffers=32MB',
  ].join(' ');
}

/**
 * Starts a throwaway PostgreSQL cluster in a temporary directory, listening on 127.0.0.1 on
 * a free port, owned by an unprivileged user when this process is root. Local socket
 * connections are trusted; TCP uses scram-sha-256 with a random superuser password (so a
 * wrong password is refused, as in production).
 */
export async function startPostgresCluster(): Promise<PostgresCluster> {
  const bin = findPostgresBin();
  if (bin === undefined) {
    throw new Error(
      "PostgreSQL binaries not found (/usr/lib/postgresql/*/bin/initdb): install Debian's postgresql package (.ci/run does) or set WARDEN_PG_BIN",
    );
  }
  const runAs = unprivilegedUser();
  const dir = mkdtempSync(join(tmpdir(), 'warden-pg-'));
  const password = randomBytes(18).toString('base64url');
  const data = join(dir, 'data');
  const log = join(dir, 'server.log');
  try {
    writeFileSync(join(dir, 'password'), password, { mode: 0o600 });
    if (runAs !== undefined) {
      chownSync(dir, runAs.uid, runAs.gid);
      chownSync(join(dir, 'password'), runAs.uid, runAs.gid);
    }
    chmodSync(dir, 0o700);
    await run(
      join(bin, 'initdb'),
      [
        '-D',
        data,
        '-U',
        SUPERUSER,
        `--pwfile=${join(dir, 'password')}`,
        '--auth-local=trust',
      ].concat(['--auth-host=scram-sha-256', '-E', 'UTF8', '--locale=C', '--no-sync']),
      runAs,
    );
    const port = await startServer(bin, dir, data, log, runAs);
    const host = '127.0.0.1';
    return {
      dir,
      host,
      port,
      user: SUPERUSER,
      password,
      url: `postgres://${SUPERUSER}:${password}@${host}:${port}/postgres`,
      stop: () => stopCluster(bin, dir, data, runAs),
      stopSync: () => {
        if (!existsSync(dir)) return;
        spawnSync(join(bin, 'pg_ctl'), ['stop', '-m', 'immediate', '-D', data], {
          ...(runAs ?? {}),
          cwd: tmpdir(),
          stdio: 'ignore',
        });
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

async function startServer(
  bin: string,
  dir: string,
  data: string,
  log: string,
  runAs: RunAs | undefined,
): Promise<number> {
  // Another process may take the free port before the server binds it: try a few.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    try {
      await run(
        join(bin, 'pg_ctl'),
        ['start', '-w', '-t', '30', '-D', data, '-l', log, '-o', settings(dir, port)],
        runAs,
      );
      return port;
    } catch (error) {
      lastError = new Error(`${(error as Error).message}\n${tail(log)}`);
    }
  }
  throw lastError;
}

async function stopCluster(
  bin: string,
  dir: string,
  data: string,
  runAs: RunAs | undefined,
): Promise<void> {
  if (!existsSync(dir)) return;
  try {
    await run(join(bin, 'pg_ctl'), ['stop', '-m', 'immediate', '-D', data], runAs);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
