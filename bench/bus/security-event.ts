import { createEvent } from '../../dist/index.js';
import type { DomainEvent } from '../../dist/index.js';

/** The channel and named consumers of the spec's default config. */
export const CHANNEL = 'security';
export const CONSUMERS = ['audit-logger', 'metrics-service', 'alert-service'] as const;

export interface LoginFailed {
  /** Position in the run; the sink uses it to find the emit time and to check exactly-once. */
  readonly seq: number;
  readonly userId: string;
  readonly reason: 'invalid_password' | 'unknown_user' | 'mfa_rejected';
  readonly attempt: number;
}

export type SecurityEvent = DomainEvent<LoginFailed>;

const REASONS = ['invalid_password', 'unknown_user', 'mfa_rejected'] as const;

/**
 * A realistic `auth.login_failed` event of about 300 bytes of JSON (342 with a 6-digit seq),
 * built the way an application would (createEvent: UUIDv7 id, RFC 3339 time) so both buses
 * pay the same producer cost.
 */
export function securityEvent(seq: number): SecurityEvent {
  const user = seq % 5000;
  return createEvent({
    type: 'auth.login_failed',
    source: 'auth-service',
    data: {
      seq,
      userId: `user-${user}`,
      reason: REASONS[seq % REASONS.length] ?? 'invalid_password',
      attempt: 1 + (seq % 5),
    },
    metadata: {
      tenantId: `tenant-${seq % 16}`,
      ip: `203.0.113.${seq % 250}`,
      userAgent: 'Mozilla/5.0 (X11; Linux) Firefox/132.0',
    },
  });
}

/** Size of a typical event as UTF-8 JSON, reported alongside the results. */
export function eventSizeBytes(): number {
  return Buffer.byteLength(JSON.stringify(securityEvent(123_456)));
}
