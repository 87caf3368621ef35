import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { signingKeyFrom } from '../../src/audit/integrity/signing-key.js';
import type { AuditSigningKey } from '../../src/audit/integrity/signing-key.js';
import type { AuditOutcome, AuditRecord } from '../../src/audit/record.js';

export const newTenant = (): string => `tenant-${randomUUID().slice(0, 8)}`;

export function testSigningKey(): AuditSigningKey {
  return signingKeyFrom(generateKeyPairSync('ed25519').privateKey);
}

const OUTCOMES: AuditOutcome[] = ['granted', 'denied', 'success', 'failure'];
const ACTIONS = [
  'rbac.permission_check',
  'rbac.role_change',
  'auth.login_succeeded',
  'auth.login_failed',
];

/** The i-th record of a tenant: actions, actors and outcomes cycle; time advances 1 s per record. */
export function auditRecord(
  tenantId: string,
  i: number,
  baseMs: number,
  overrides: Partial<AuditRecord> = {},
): AuditRecord {
  return {
    id: randomUUID(),
    tenantId,
    action: ACTIONS[i % ACTIONS.length] ?? 'x.y',
    actor: { userId: `user-${String(i % 5)}`, ip: '10.0.0.1', userAgent: null },
    target: { resource: i % 2 === 0 ? 'doc' : 'rbac.role', resourceId: `r-${String(i)}` },
    outcome: OUTCOMES[i % OUTCOMES.length] ?? 'unknown',
    entityId: i % 3 === 0 ? 'emea' : null,
    correlationId: `corr-${String(Math.floor(i / 4))}`,
    source: 'test',
    time: new Date(baseMs + i * 1_000).toISOString(),
    sourceEventId: `${tenantId}-event-${String(i)}`,
    sourceChannel: 'rbac',
    payload: { index: i, note: i % 10 === 0 ? 'Needle in the haystack' : 'hay' },
    ...overrides,
  };
}

export function auditRecords(
  tenantId: string,
  count: number,
  baseMs: number,
  from = 0,
): AuditRecord[] {
  return Array.from({ length: count }, (_, k) => auditRecord(tenantId, from + k, baseMs));
}
