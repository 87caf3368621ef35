import type { Kysely } from 'kysely';
import { authStore } from './auth-store.js';
import type { AuthTables } from './auth-tables.js';

interface Entry {
  readonly checkedAt: number;
  readonly live: boolean;
  readonly expiresAt: number;
}

/**
 * Whether a session is live (not revoked, not past its absolute lifetime), read from the
 * database at most once per `intervalMs` per session. Revocations made by this process
 * are seen at once; those of another process within `intervalMs`.
 */
export class SessionState {
  readonly #db: Kysely<AuthTables>;
  readonly #intervalMs: number;
  readonly #entries = new Map<string, Entry>();
  readonly #maxEntries: number;

  constructor(db: Kysely<AuthTables>, intervalMs: number, maxEntries = 100_000) {
    this.#db = db;
    this.#intervalMs = intervalMs;
    this.#maxEntries = maxEntries;
  }

  async isLive(tenantId: string, sessionId: string, nowMs: number): Promise<boolean> {
    const key = `${tenantId}\u0000${sessionId}`;
    let entry = this.#entries.get(key);
    if (entry === undefined || nowMs - entry.checkedAt >= this.#intervalMs) {
      const session = await authStore.session(this.#db, tenantId, sessionId);
      entry = {
        checkedAt: nowMs,
        live: session !== undefined && session.revokedAt === undefined,
        expiresAt: session?.expiresAt ?? 0,
      };
      if (this.#entries.size >= this.#maxEntries) this.#entries.clear();
      this.#entries.set(key, entry);
    }
    return entry.live && entry.expiresAt > nowMs;
  }

  /** Marks sessions revoked at once (this process revoked them). */
  revoked(tenantId: string, sessionIds: readonly string[], nowMs: number): void {
    for (const id of sessionIds)
      this.#entries.set(`${tenantId}\u0000${id}`, { checkedAt: nowMs, live: false, expiresAt: 0 });
  }
}
