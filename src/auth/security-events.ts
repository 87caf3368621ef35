import { createEventFactory } from '../events/index.js';
import type { EventEmitter } from '../events/index.js';
import type { Clock } from '../shared/clock.js';
import { getRequestContext } from '../tenancy/index.js';
import { parseUserAgent } from './user-agent.js';

/** The channel every auth event goes to (the spec's `security` channel). */
export const SECURITY_CHANNEL = 'security';
/** `source` of every auth event. */
export const AUTH_EVENT_SOURCE = 'auth-service';

/** Why a login failed (`data.reason` of `auth.login_failed`); never shown to the caller. */
export const LOGIN_FAILURE_REASONS = [
  'unknown_user',
  'bad_password',
  'account_locked',
  'account_disabled',
  'mfa_required',
  'mfa_invalid',
  'rate_limited',
] as const;
export type LoginFailureReason = (typeof LOGIN_FAILURE_REASONS)[number];

/** `data` of account administration events the audit logger maps generically. */
export interface AccountChange {
  /** Who made the change (the request context's user, else `system`). */
  userId: string;
  targetUserId: string;
  resource: 'auth.account';
  resourceId: string;
  outcome: 'success';
}

/**
 * Every security event type and its `data` (docs/auth.md). Ids only: no passwords, tokens,
 * secrets or codes. `resource`/`resourceId`/`outcome` are set where the audit logger's
 * generic mapping needs them.
 */
export interface SecurityEventData {
  'auth.login_succeeded': { userId: string; username: string; sessionId: string; mfa: boolean };
  'auth.login_failed': {
    userId?: string;
    username: string;
    reason: LoginFailureReason;
    failures?: number;
  };
  'auth.logout': { userId: string; sessionId: string };
  'auth.token_issued': { userId: string; sessionId: string; tokenId: string; expiresAt: string };
  'auth.token_refreshed': {
    userId: string;
    sessionId: string;
    tokenId: string;
    resource: 'auth.session';
    resourceId: string;
    outcome: 'success';
  };
  'auth.token_reuse_detected': {
    userId: string;
    sessionId: string;
    resource: 'auth.session';
    resourceId: string;
    outcome: 'failure';
  };
  'auth.token_revoked': { userId: string; sessionId: string; tokenId: string; reason: string };
  'auth.password_changed': { userId: string; targetUserId: string };
  'auth.password_change_failed': { userId: string; targetUserId: string; reason: string };
  'auth.password_reset': { userId: string; targetUserId: string };
  'auth.account_created': AccountChange;
  'auth.account_disabled': AccountChange;
  'auth.account_enabled': AccountChange;
  'auth.account_locked': {
    userId: string;
    targetUserId: string;
    failures: number;
    lockoutCount: number;
    lockedUntil: string;
  };
  'auth.account_unlocked': { userId: string; targetUserId: string };
  'auth.mfa_enrolled': {
    userId: string;
    resource: 'auth.account';
    resourceId: string;
    outcome: 'success';
  };
  'auth.mfa_failed': {
    userId: string;
    reason: 'invalid_code' | 'replayed_code' | 'invalid_recovery_code';
    resource: 'auth.account';
    resourceId: string;
  };
  'auth.mfa_recovery_code_used': {
    userId: string;
    remaining: number;
    resource: 'auth.account';
    resourceId: string;
    outcome: 'success';
  };
  'auth.config_changed':
    | {
        /** Who made the change (the request context's user, else `system`). */
        userId: string;
        change: 'signing_key_rotated';
        previousKeyId: string;
        keyId: string;
        resource: 'auth.signing_key';
        resourceId: string;
        outcome: 'success';
      }
    | {
        userId: string;
        change: 'settings_changed';
        /** The setting paths whose values differ from the previous start (`lockoutThreshold`, `argon2.memoryKiB`). */
        changed: string[];
        resource: 'auth.config';
        resourceId: 'auth';
        outcome: 'success';
      };
}

export type SecurityEventType = keyof SecurityEventData;

/** Listed in docs/auth.md; every one is emitted by the service. */
export const SECURITY_EVENT_TYPES = [
  'auth.login_succeeded',
  'auth.login_failed',
  'auth.logout',
  'auth.token_issued',
  'auth.token_refreshed',
  'auth.token_reuse_detected',
  'auth.token_revoked',
  'auth.password_changed',
  'auth.password_change_failed',
  'auth.password_reset',
  'auth.account_created',
  'auth.account_disabled',
  'auth.account_enabled',
  'auth.account_locked',
  'auth.account_unlocked',
  'auth.mfa_enrolled',
  'auth.mfa_failed',
  'auth.mfa_recovery_code_used',
  'auth.config_changed',
] as const satisfies readonly SecurityEventType[];

const HIGH_PRIORITY: ReadonlySet<SecurityEventType> = new Set([
  'auth.account_locked',
  'auth.token_reuse_detected',
  'auth.config_changed',
]);

/**
 * Emits auth events on the `security` channel, durably (`emitWithGuarantee`), with the
 * tenant, the user, and the request context's ip, user agent, parsed device and
 * correlation id in `metadata`. An emit failure never fails the auth operation: it goes
 * to `onError`.
 */
export class SecurityEvents {
  readonly #bus: EventEmitter;
  readonly #createEvent: ReturnType<typeof createEventFactory>;
  readonly #onError: (error: unknown) => void;

  constructor(bus: EventEmitter, clock: Clock, onError: (error: unknown) => void) {
    this.#bus = bus;
    this.#createEvent = createEventFactory({ clock });
    this.#onError = onError;
  }

  async emit<K extends SecurityEventType>(
    tenantId: string | undefined,
    type: K,
    data: SecurityEventData[K],
  ): Promise<void> {
    const context = getRequestContext();
    const metadata: Record<string, unknown> = {};
    if (tenantId !== undefined) metadata['tenantId'] = tenantId;
    const user = context?.userId ?? (data as { userId?: string }).userId;
    if (user !== undefined) metadata['user'] = user;
    if (context?.ip !== undefined) metadata['ip'] = context.ip;
    if (context?.userAgent !== undefined) metadata['userAgent'] = context.userAgent;
    metadata['device'] = parseUserAgent(context?.userAgent);
    const correlationId = context?.correlationId;
    if (correlationId !== undefined) metadata['correlationId'] = correlationId;
    const event = this.#createEvent({
      type,
      source: AUTH_EVENT_SOURCE,
      data,
      metadata,
      ...(correlationId === undefined ? {} : { correlationId }),
    });
    try {
      await this.#bus.emitWithGuarantee(SECURITY_CHANNEL, event, {
        priority: HIGH_PRIORITY.has(type) ? 'high' : 'normal',
      });
    } catch (error) {
      this.#onError(error);
    }
  }
}
