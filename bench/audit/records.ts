/**
 * Seeded, realistic audit records for the integrity benchmark: the same records on every run
 * and machine. Each carries a ~400-byte JSON payload (an RBAC decision or an auth failure with
 * request context), so a record's canonical JSON is about 1 KB.
 */
import { GENESIS_HASH, hashRecord } from '../../dist/audit/integrity/index.js';
import type { CanonicalAuditRecord } from '../../dist/audit/integrity/index.js';
import type { StoredAuditRecord } from '../../dist/audit/record.js';
import { Random } from '../lib/random.js';

const ACTIONS = ['rbac.permission_check', 'auth.login_failed', 'auth.login', 'rbac.role_change'];
const RESOURCES = ['document', 'invoice', 'project', 'report', 'customer'];
const AGENTS = [
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Version/17.5 Safari/605.1.15',
  'warden-sdk/0.1 node/20.20.2',
];

function payloadFor(random: Random, action: string, seq: number): unknown {
  const resource = random.pick(RESOURCES);
  return {
    permission: `${resource}:${random.pick(['read', 'write', 'delete', 'share'])}`,
    decision: { allowed: random.next() < 0.9, cached: random.next() < 0.7, evaluatedRoles: 3 },
    matchedAssignment: { roleId: `role-${random.int(40)}`, entityId: `entity-${random.int(200)}` },
    roleChain: ['org-admin', 'project-editor', 'viewer'].slice(0, 1 + random.int(3)),
    request: {
      method: random.pick(['GET', 'POST', 'PUT', 'DELETE']),
      path: `/api/v1/${resource}s/${random.hex(12)}/attachments`,
      query: `page=${random.int(50)}&limit=50&sort=-updatedAt`,
      requestId: random.hex(16),
    },
    reason: action === 'auth.login_failed' ? 'bad_password' : null,
    attempt: seq % 5,
    latencyMs: Math.round(random.next() * 1000) / 100,
  };
}

/** The record body (everything but `hash`) of `seq` in a tenant's chain. */
export function recordBody(
  random: Random,
  tenantId: string,
  seq: number,
  prevHash: string,
): CanonicalAuditRecord {
  const ms = Date.UTC(2026, 10, 1) + seq * 37;
  const action = random.pick(ACTIONS);
  return {
    id: random.uuid7(ms),
    tenantId,
    action,
    actor: {
      userId: `user-${random.int(5000)}`,
      ip: `10.${random.int(256)}.${random.int(256)}.${random.int(256)}`,
      userAgent: random.pick(AGENTS),
    },
    target: { resource: random.pick(RESOURCES), resourceId: random.hex(24) },
    outcome: random.pick(['granted', 'denied', 'failure', 'success'] as const),
    entityId: random.next() < 0.5 ? null : `entity-${random.int(200)}`,
    correlationId: random.uuid7(ms),
    source: action.startsWith('auth') ? 'auth-service' : 'rbac-service',
    time: new Date(ms).toISOString(),
    sourceEventId: random.uuid7(ms),
    sourceChannel: action.startsWith('auth') ? 'security' : 'rbac',
    payload: payloadFor(random, action, seq),
    seq,
    prevHash,
    recordedAt: ms + 3,
  };
}

/** The stored record: built as one literal, as a store maps a driver's row. */
function withHash(b: CanonicalAuditRecord, hash: string): StoredAuditRecord {
  return {
    id: b.id,
    tenantId: b.tenantId,
    action: b.action,
    actor: b.actor,
    target: b.target,
    outcome: b.outcome,
    entityId: b.entityId,
    correlationId: b.correlationId,
    source: b.source,
    time: b.time,
    sourceEventId: b.sourceEventId,
    sourceChannel: b.sourceChannel,
    payload: b.payload,
    seq: b.seq,
    prevHash: b.prevHash,
    hash,
    recordedAt: b.recordedAt,
  };
}

/**
 * A tenant's chain, made page by page so a million records never sit in memory at once (as a
 * store reads them). `hashMs` is the time spent in `hashRecord` alone: the append cost.
 */
export class ChainGenerator {
  readonly #random: Random;
  readonly #tenantId: string;
  #prevHash = GENESIS_HASH;
  #seq = 0;
  hashMs = 0;

  constructor(seed = 42) {
    this.#random = new Random(seed);
    this.#tenantId = `tenant-${this.#random.hex(8)}`;
  }

  /** The next `count` records of the chain, hashed as the store appends them. */
  nextPage(count: number): StoredAuditRecord[] {
    const page: StoredAuditRecord[] = [];
    for (let i = 0; i < count; i++) {
      const body = recordBody(this.#random, this.#tenantId, ++this.#seq, this.#prevHash);
      const started = performance.now();
      const hash = hashRecord(body).hash;
      this.hashMs += performance.now() - started;
      page.push(withHash(body, hash));
      this.#prevHash = hash;
    }
    return page;
  }
}
