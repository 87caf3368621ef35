import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { AuthService } from '../../src/auth/index.js';
import type { AuthConfig, TokenSet } from '../../src/auth/index.js';
import { EventBusService } from '../../src/events/index.js';
import type { DomainEvent, EventBusConfig } from '../../src/events/index.js';
import { FakeClock } from '../../src/shared/fake-clock.js';
import type { Database } from '../../src/storage/index.js';
import { runWithContext } from '../../src/tenancy/index.js';
import type { RequestContext } from '../../src/tenancy/index.js';

/** The spec's security channel, with only a test consumer. */
export const busConfig: EventBusConfig = {
  channels: {
    security: {
      bufferSize: 1000,
      consumers: ['auth-test'],
      retryStrategy: { attempts: 3, backoff: 'exponential', initialDelay: 100, maxDelay: 5000 },
    },
  },
  defaultConsumer: 'auth-test',
};

export const FIREFOX_ANDROID =
  'Mozilla/5.0 (Android 14; Mobile; rv:126.0) Gecko/126.0 Firefox/126.0';

export const newTenant = (): string => `tenant-${randomUUID().slice(0, 8)}`;
export const newName = (): string => `user-${randomUUID().slice(0, 8)}`;

/**
 * A bus, auth services on a database, a fake clock, every `security` event seen, and every
 * secret a test used (passwords, tokens, TOTP secrets and codes, recovery codes): `scan()`
 * fails when any of them appears in any event.
 */
export class AuthHarness {
  readonly clock: FakeClock;
  readonly bus: EventBusService;
  readonly events: DomainEvent<unknown>[] = [];
  readonly secrets = new Set<string>();
  readonly #dirs: string[] = [];

  constructor(clock = new FakeClock()) {
    this.clock = clock;
    this.bus = new EventBusService(busConfig, { clock });
    this.bus.subscribe<DomainEvent<unknown>>('security', (event) => {
      this.events.push(event);
      return Promise.resolve();
    });
  }

  /** A fresh data directory (removed at close). */
  dataDir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'warden-auth-'));
    this.#dirs.push(dir);
    return dir;
  }

  async service(database: Database, config: Partial<AuthConfig> = {}): Promise<AuthService> {
    const service = new AuthService(
      { dataDir: config.dataDir ?? this.dataDir(), ...config },
      { database, bus: this.bus, clock: this.clock },
    );
    await service.init();
    return service;
  }

  /** A policy-passing password, remembered as a secret. */
  password(): string {
    return this.secret(`Pw-${randomBytes(12).toString('base64url')}`);
  }

  secret<T extends string>(value: T): T {
    this.secrets.add(value);
    return value;
  }

  /** Remembers the tokens of a login or refresh. */
  tokens(set: TokenSet): TokenSet {
    this.secret(set.accessToken);
    this.secret(set.refreshToken);
    // The signature part alone must not leak either.
    this.secret(set.accessToken.split('.')[2] ?? set.accessToken);
    return set;
  }

  /** A user with a fresh password, and that password. */
  async user(
    auth: AuthService,
    tenantId: string,
    extra: { email?: string } = {},
  ): Promise<{ userId: string; username: string; password: string }> {
    const username = newName();
    const password = this.password();
    const user = await auth.createUser({ tenantId, username, password, ...extra });
    return { userId: user.userId, username, password };
  }

  /** Events of a type seen so far, after the bus delivered everything emitted. */
  async seen(type?: string): Promise<DomainEvent<unknown>[]> {
    await this.bus.drain();
    return type === undefined ? this.events : this.events.filter((e) => e.type === type);
  }

  /** The `data` of the events of a type seen so far. */
  async data(type: string): Promise<Record<string, unknown>[]> {
    return (await this.seen(type)).map((e) => e.data as Record<string, unknown>);
  }

  /** Fails when any remembered secret appears in any event. */
  async scan(): Promise<void> {
    const text = (await this.seen()).map((event) => JSON.stringify(event));
    const leaks = [...this.secrets].filter((secret) => text.some((t) => t.includes(secret)));
    expect(leaks).toEqual([]);
  }

  async close(): Promise<void> {
    await this.scan();
    await this.bus.close();
    for (const dir of this.#dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs `fn` as a request from a client (ip, user agent, correlation id). */
export function asClient<T>(
  tenantId: string,
  fn: () => Promise<T>,
  extra: Partial<RequestContext> = {},
): Promise<T> {
  return runWithContext(
    {
      tenantId,
      ip: '203.0.113.7',
      userAgent: FIREFOX_ANDROID,
      correlationId: randomUUID(),
      ...extra,
    },
    fn,
  );
}

/** The error a promise rejects with (fails when it resolves). */
export async function rejection(
  promise: Promise<unknown>,
): Promise<{ code: string; message: string; details: Record<string, unknown> }> {
  try {
    await promise;
  } catch (error) {
    return error as { code: string; message: string; details: Record<string, unknown> };
  }
  throw new Error('expected a rejection');
}
