/** An auth service on a temporary SQLite file with logged-in users, for the auth benchmark. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthService } from '../../dist/auth/index.js';
import type { AuthConfig, TokenSet } from '../../dist/auth/index.js';
import { EventBusService, openDatabase } from '../../dist/index.js';
import type { Database } from '../../dist/index.js';

export interface AuthFixture {
  readonly auth: AuthService;
  readonly tokens: readonly TokenSet[];
  readonly users: readonly { readonly login: string; readonly password: string }[];
  readonly tenantId: string;
  close(): Promise<void>;
}

/**
 * `users` users in one tenant, each logged in once (default argon2 cost unless overridden),
 * then refreshed `refreshes` times: every refresh gives another valid access token for the
 * same session without an argon2 verification, so many tokens cost little to set up.
 */
export async function authFixture(
  users: number,
  config: Partial<AuthConfig> = {},
  refreshes = 0,
): Promise<AuthFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'warden-auth-bench-'));
  const database: Database = await openDatabase({ driver: 'sqlite', file: join(dir, 'auth.db') });
  const bus = new EventBusService({
    channels: {
      security: {
        bufferSize: 1000,
        consumers: ['audit-logger'],
        retryStrategy: { attempts: 3, backoff: 'exponential', initialDelay: 100, maxDelay: 5000 },
      },
    },
    defaultConsumer: 'audit-logger',
  });
  bus.subscribe('security', () => Promise.resolve());
  // The benchmark logs in from one process: no per-IP throttle (there is no IP anyway).
  const auth = new AuthService({ dataDir: dir, ipMaxAttempts: 0, ...config }, { database, bus });
  await auth.init();
  const tenantId = 'bench-tenant';
  const created: { login: string; password: string }[] = [];
  const tokens: TokenSet[] = [];
  for (let i = 0; i < users; i++) {
    const login = `user-${String(i)}`;
    const password = `Bench-${randomBytes(12).toString('base64url')}`;
    await auth.createUser({ tenantId, username: login, password });
    created.push({ login, password });
    let set = await auth.login({ tenantId, login, password });
    tokens.push(set);
    for (let r = 0; r < refreshes; r++) {
      set = await auth.refresh({ tenantId, refreshToken: set.refreshToken });
      tokens.push(set);
    }
  }
  return {
    auth,
    tokens,
    users: created,
    tenantId,
    async close() {
      await bus.drain();
      await bus.close();
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs `step` (awaited, one at a time) for at least `minMs`; per wall and per CPU second. */
export async function rateOf(
  minMs: number,
  step: (i: number) => Promise<unknown>,
): Promise<{ count: number; perSec: number; perCpuSec: number }> {
  let count = 0;
  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  do {
    for (let i = 0; i < 1000; i++) await step(count + i);
    count += 1000;
  } while (performance.now() - start < minMs);
  const elapsed = performance.now() - start;
  const cpu = process.cpuUsage(cpuBefore);
  return {
    count,
    perSec: (count / elapsed) * 1000,
    perCpuSec: (count / ((cpu.user + cpu.system) / 1000)) * 1000,
  };
}
