import { randomUUID } from 'node:crypto';
import type { AuditOutcome, AuditRecord } from '../../src/audit/record.js';
import { Random } from '../lib/random.js';

const ACTIONS = [
  'rbac.permission_check',
  'rbac.role_change',
  'auth.login_succeeded',
  'auth.login_failed',
  'rbac.permission_change',
  'auth.logout',
] as const;
const OUTCOMES: readonly AuditOutcome[] = ['granted', 'denied', 'success', 'failure'];
const WORDS = ['invoice', 'payroll', 'report', 'contract', 'budget', 'roadmap', 'audit', 'ledger'];

/** A seeded generator of floats in [0, 1), so every run stores the same data. */
export function seeded(seed: number): () => number {
  const random = new Random(seed);
  return () => random.next();
}

export const benchTenant = (i: number): string => `tenant-${String(i).padStart(3, '0')}`;

/**
 * One realistic audit record (~450 bytes stored): 200 users per tenant, six event types,
 * four outcomes, a payload with a few words for text search. `timeMs` is the event time.
 */
export function benchRecord(
  tenantId: string,
  n: number,
  timeMs: number,
  random: () => number,
): AuditRecord {
  const user = `user-${String(Math.floor(random() * 200))}`;
  const action = ACTIONS[Math.floor(random() * ACTIONS.length)] ?? 'x.y';
  const word = WORDS[Math.floor(random() * WORDS.length)] ?? 'x';
  return {
    id: randomUUID(),
    tenantId,
    action,
    actor: {
      userId: user,
      ip: `10.0.${String(n % 250)}.${String(n % 200)}`,
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64)',
    },
    target: { resource: 'document', resourceId: `doc-${String(Math.floor(random() * 10_000))}` },
    outcome: OUTCOMES[Math.floor(random() * OUTCOMES.length)] ?? 'unknown',
    entityId: random() < 0.3 ? `entity-${String(Math.floor(random() * 20))}` : null,
    correlationId: `req-${tenantId}-${String(Math.floor(n / 3))}`,
    source: 'rbac-service',
    time: new Date(timeMs).toISOString(),
    sourceEventId: `${tenantId}-${String(n)}`,
    sourceChannel: action.startsWith('auth.') ? 'security' : 'rbac',
    payload: {
      userId: user,
      resource: 'document',
      action: 'read',
      granted: true,
      context: { resourceId: `doc-${String(n)}`, note: `${word} ${word}-${String(n % 97)}` },
    },
  };
}
