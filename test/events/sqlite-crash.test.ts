import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { EMITTED_LEDGER, processedLedger, readLedger, TENANTS } from './fixtures/crash-ledger.js';

/*
 * Kills a process running a bus on a SQLite log with SIGKILL at random moments, restarts
 * it, lets it finish, and checks from crash-safe ledgers that every event whose emit
 * resolved was processed by every named consumer at least once, in order per key.
 *
 * 100,000 events (the number): a full run takes about 4 s on 2 cores, so the whole
 * test, with its restarts, stays well under a minute.
 */

const CHILD = fileURLToPath(new URL('./fixtures/sqlite-crash-child.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TOTAL = 100_000;
const KILLS = 6;
const SEED = 0x5eed_2025;

const dirs: string[] = [];

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** mulberry32: a small seeded generator, so the kill points are the same on every run. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

interface Setup {
  readonly dir: string;
  readonly channel: string;
  readonly consumers: readonly string[];
  readonly total: number;
  readonly env: NodeJS.ProcessEnv;
}

interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
}

interface Run {
  kill(): void;
  readonly exited: Promise<Exit>;
  hasExited(): boolean;
}

function startChild(setup: Setup): Run {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', CHILD, setup.dir, setup.channel, String(setup.total), ...setup.consumers],
    { cwd: ROOT, env: setup.env, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  let done = false;
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<Exit>((resolve) => {
    child.on('exit', (code, signal) => {
      done = true;
      resolve({ code, signal, stderr });
    });
  });
  return {
    kill: () => child.kill('SIGKILL'),
    exited,
    hasExited: () => done,
  };
}

const sizeOf = (path: string) => (existsSync(path) ? statSync(path).size : 0);

function ledgerBytes(setup: Setup): { emitted: number; processed: number[] } {
  return {
    emitted: sizeOf(join(setup.dir, EMITTED_LEDGER)),
    processed: setup.consumers.map((c) => sizeOf(join(setup.dir, processedLedger(c)))),
  };
}

function progress(setup: Setup): number {
  const bytes = ledgerBytes(setup);
  return bytes.emitted + bytes.processed.reduce((a, b) => a + b, 0);
}

/** Polls a cheap condition (file sizes) every few ms, for at most `timeoutMs`. */
async function waitFor(predicate: () => boolean, what: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** Starts the child, waits for `ready`, kills it; returns false if it exited first. */
async function killWhen(setup: Setup, ready: () => boolean): Promise<boolean> {
  const run = startChild(setup);
  await waitFor(() => run.hasExited() || ready(), 'progress before a kill');
  if (run.hasExited()) {
    const exit = await run.exited;
    if (exit.code !== 0) throw new Error(`child failed (${exit.code}): ${exit.stderr}`);
    return false;
  }
  run.kill();
  return (await run.exited).signal === 'SIGKILL';
}

async function runToCompletion(setup: Setup): Promise<void> {
  const exit = await startChild(setup).exited;
  if (exit.code !== 0)
    throw new Error(`child failed (${exit.code} ${exit.signal}): ${exit.stderr}`);
}

interface Verdict {
  readonly resolved: number;
  /** Emits that resolved in one run and were emitted and resolved again after a restart. */
  readonly resolvedAgain: number;
  readonly missing: Record<string, number>;
  readonly duplicates: Record<string, number>;
  readonly outOfOrder: Record<string, number>;
}

function verify(setup: Setup): Verdict {
  const emitted = readLedger(join(setup.dir, EMITTED_LEDGER));
  const missing: Record<string, number> = {};
  const duplicates: Record<string, number> = {};
  const outOfOrder: Record<string, number> = {};
  for (const consumer of setup.consumers) {
    const processed = readLedger(join(setup.dir, processedLedger(consumer)));
    missing[consumer] = [...emitted.set].filter((n) => !processed.set.has(n)).length;
    duplicates[consumer] = processed.order.length - processed.set.size;
    // First deliveries of a key must come in emit order (n increases within a tenant).
    const last = new Array<number>(TENANTS).fill(-1);
    const seen = new Set<number>();
    let wrong = 0;
    for (const n of processed.order) {
      if (seen.has(n)) continue;
      seen.add(n);
      if (n < (last[n % TENANTS] as number)) wrong++;
      last[n % TENANTS] = n;
    }
    outOfOrder[consumer] = wrong;
  }
  return {
    resolved: emitted.set.size,
    resolvedAgain: emitted.order.length - emitted.set.size,
    missing,
    duplicates,
    outOfOrder,
  };
}

function newSetup(total: number, env: NodeJS.ProcessEnv = process.env): Setup {
  const dir = mkdtempSync(join(tmpdir(), 'warden-crash-'));
  dirs.push(dir);
  const name = (prefix: string) => `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
  return {
    dir,
    channel: name('ch'),
    consumers: [name('serial'), name('parallel'), name('audit')],
    total,
    env,
  };
}

describe('SqliteEventLog under SIGKILL', () => {
  it('processes every event whose emit resolved, at least once and in order per key, across kills', async () => {
    const setup = newSetup(TOTAL);
    const random = seededRandom(SEED);
    // Bytes the ledgers hold after one clean run: 4 ledgers of one `n,n\n` line per event.
    let fullRun = 0;
    for (let n = 0; n < TOTAL; n++) fullRun += 4 * (2 * String(n).length + 2);
    const started = Date.now();
    let kills = 0;
    const killedAt: number[] = []; // resolved emits when each kill landed
    for (let i = 0; i < KILLS; i++) {
      const target = progress(setup) + ((0.1 + 0.8 * random()) * fullRun) / (KILLS + 1);
      if (await killWhen(setup, () => progress(setup) >= target)) {
        kills++;
        killedAt.push(readLedger(join(setup.dir, EMITTED_LEDGER)).set.size);
      }
    }
    await runToCompletion(setup);
    const verdict = verify(setup);
    console.log(
      `crash test: ${TOTAL} events, ${kills} kills (after ${killedAt.join(', ')} resolved emits), ` +
        `${verdict.resolvedAgain} emits resolved twice, duplicate deliveries ` +
        `${JSON.stringify(verdict.duplicates)}, ${Date.now() - started} ms`,
    );

    expect(kills).toBeGreaterThanOrEqual(5);
    expect(verdict.resolved).toBe(TOTAL);
    expect(verdict.missing).toEqual(Object.fromEntries(setup.consumers.map((c) => [c, 0])));
    expect(verdict.outOfOrder).toEqual(Object.fromEntries(setup.consumers.map((c) => [c, 0])));
  }, 120_000);

  it('has the power to see a loss: the memory log loses resolved events under the same kill', async () => {
    const setup = newSetup(20_000, { ...process.env, WARDEN_CRASH_LOG: 'memory' });
    // Kill while some consumer is at least ~2,000 resolved events behind.
    const behind = () => {
      const bytes = ledgerBytes(setup);
      return bytes.emitted - Math.min(...bytes.processed) >= 2_000 * 12;
    };

    const killed = await killWhen(setup, behind);
    await runToCompletion(setup);
    const verdict = verify(setup);

    expect(killed).toBe(true);
    expect(Math.max(...Object.values(verdict.missing))).toBeGreaterThan(0);
  }, 60_000);
});
