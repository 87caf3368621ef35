import type { Clock, TimerHandle } from '../shared/clock.js';
import { RbacError } from './errors.js';
import { TenantPolicy } from './policy/index.js';
import type { TenantPolicyData } from './policy/index.js';

/** Loads a tenant's rows from the store; null when the tenant does not exist. */
export type TenantLoader = (tenantId: string) => Promise<TenantPolicyData | null>;

interface Waiter {
  readonly revision: number;
  readonly resolve: (policy: TenantPolicy) => void;
}

/** While a store read still shows an older revision than announced, read again this often. */
const RELOAD_RETRY_MS = 25;
const RELOAD_RETRIES = 40;

/**
 * The per-tenant policies of one instance: loaded on first use, replaced when a write or
 * an event from another instance says the store moved on. Checks read `peek` without
 * awaiting anything on the warm path.
 */
export class TenantPolicies {
  readonly #load: TenantLoader;
  readonly #clock: Clock;
  readonly #policies = new Map<string, TenantPolicy>();
  readonly #missing = new Set<string>();
  readonly #loading = new Map<string, Promise<TenantPolicy>>();
  readonly #wanted = new Map<string, number>();
  readonly #waiters = new Map<string, Waiter[]>();
  readonly #retryTimers = new Map<string, TimerHandle>();
  #closed = false;

  constructor(load: TenantLoader, clock: Clock) {
    this.#load = load;
    this.#clock = clock;
  }

  /** The loaded policy of a tenant, if any (the warm path). */
  peek(tenantId: string): TenantPolicy | undefined {
    return this.#policies.get(tenantId);
  }

  /** Whether the last load found no such tenant. */
  isMissing(tenantId: string): boolean {
    return this.#missing.has(tenantId);
  }

  /** The tenant's policy, loading it first if needed. A missing tenant gets an empty policy. */
  get(tenantId: string): Promise<TenantPolicy> {
    const policy = this.#policies.get(tenantId);
    return policy === undefined ? this.#reload(tenantId, 0) : Promise.resolve(policy);
  }

  /** Installs a policy a write produced (or advanced in place), unless a newer one is here. */
  install(policy: TenantPolicy): void {
    const current = this.#policies.get(policy.tenantId);
    if (current !== undefined && current !== policy && current.revision >= policy.revision) return;
    this.#policies.set(policy.tenantId, policy);
    this.#missing.delete(policy.tenantId);
    this.#settle(policy);
  }

  /** Another instance (or this one) committed `revision`: reload if this copy is older. */
  announce(tenantId: string, revision: number): void {
    const current = this.#policies.get(tenantId);
    if (current === undefined || current.revision >= revision) return;
    if (revision > (this.#wanted.get(tenantId) ?? 0)) this.#wanted.set(tenantId, revision);
    void this.#reload(tenantId, 0).catch(() => undefined); // a failed read is retried on the next event or check
  }

  /**
   * Resolves with a policy at `revision` or newer, reading the store if this copy is older.
   * @throws RbacError `RBAC_STALE_REVISION` when it is not there within `timeoutMs`.
   */
  async atLeast(tenantId: string, revision: number, timeoutMs: number): Promise<TenantPolicy> {
    const current = await this.get(tenantId);
    if (current.revision >= revision) return current;
    if (revision > (this.#wanted.get(tenantId) ?? 0)) this.#wanted.set(tenantId, revision);
    const arrived = new Promise<TenantPolicy>((resolve) => {
      const list = this.#waiters.get(tenantId) ?? [];
      list.push({ revision, resolve });
      this.#waiters.set(tenantId, list);
    });
    void this.#reload(tenantId, 0).catch(() => undefined);
    let timer: TimerHandle | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = this.#clock.setTimeout(() => {
        reject(
          new RbacError(
            'RBAC_STALE_REVISION',
            `revision ${String(revision)} of the tenant's policy did not arrive within ${String(timeoutMs)} ms`,
            { details: { revision, timeoutMs } },
          ),
        );
      }, timeoutMs);
    });
    try {
      return await Promise.race([arrived, timedOut]);
    } finally {
      if (timer !== undefined) this.#clock.clearTimeout(timer);
    }
  }

  /** Drops every cached policy (they are read again on next use). */
  clear(): void {
    this.#policies.clear();
    this.#missing.clear();
  }

  close(): void {
    this.#closed = true;
    for (const timer of this.#retryTimers.values()) this.#clock.clearTimeout(timer);
    this.#retryTimers.clear();
  }

  #reload(tenantId: string, attempt: number): Promise<TenantPolicy> {
    const inFlight = this.#loading.get(tenantId);
    if (inFlight !== undefined) return inFlight;
    const loading = this.#read(tenantId, attempt).finally(() => this.#loading.delete(tenantId));
    this.#loading.set(tenantId, loading);
    return loading;
  }

  async #read(tenantId: string, attempt: number): Promise<TenantPolicy> {
    const data = await this.#load(tenantId);
    const policy = TenantPolicy.fromData(data ?? emptyTenant(tenantId));
    const current = this.#policies.get(tenantId);
    if (current === undefined || current.revision < policy.revision) {
      this.#policies.set(tenantId, policy);
      if (data === null) this.#missing.add(tenantId);
      else this.#missing.delete(tenantId);
      this.#settle(policy);
    }
    const wanted = this.#wanted.get(tenantId) ?? 0;
    // An event can arrive before its writer's commit is visible: read again shortly.
    if (policy.revision < wanted && attempt < RELOAD_RETRIES)
      this.#retryLater(tenantId, attempt + 1);
    return this.#policies.get(tenantId) ?? policy;
  }

  #retryLater(tenantId: string, attempt: number): void {
    if (this.#closed || this.#retryTimers.has(tenantId)) return;
    const timer = this.#clock.setTimeout(() => {
      this.#retryTimers.delete(tenantId);
      void this.#reload(tenantId, attempt).catch(() => undefined);
    }, RELOAD_RETRY_MS);
    this.#retryTimers.set(tenantId, timer);
  }

  #settle(policy: TenantPolicy): void {
    const wanted = this.#wanted.get(policy.tenantId);
    if (wanted !== undefined && policy.revision >= wanted) this.#wanted.delete(policy.tenantId);
    const list = this.#waiters.get(policy.tenantId);
    if (list === undefined) return;
    const still = list.filter((w) => {
      if (policy.revision < w.revision) return true;
      w.resolve(policy);
      return false;
    });
    if (still.length === 0) this.#waiters.delete(policy.tenantId);
    else this.#waiters.set(policy.tenantId, still);
  }
}

function emptyTenant(tenantId: string): TenantPolicyData {
  return { tenantId, revision: 0, users: [], roles: [], entities: [], assignments: [] };
}
