import type { Registry } from 'prom-client';
import type { BaseEvent, BatchSubscribeOptions, Subscription } from '../events/index.js';
import { CellCounter } from './cell-counter.js';
import type { CounterCell } from './cell-counter.js';

/** The spec's consumer name on the `security` channel. */
export const METRICS_SERVICE_CONSUMER = 'metrics-service';
/** Where auth events arrive. */
export const SECURITY_CHANNEL = 'security';

/**
 * Why a login failed (`data.reason` of `auth.login_failed`): the auth service's
 * `LOGIN_FAILURE_REASONS`, repeated so metrics need not load auth (a test keeps them equal).
 * Anything else counts as `other`.
 */
export const LOGIN_FAILURE_REASON_LABELS = [
  'unknown_user',
  'bad_password',
  'account_locked',
  'account_disabled',
  'mfa_required',
  'mfa_invalid',
  'rate_limited',
] as const;

/** What `subscribeSecurityMetrics` needs of a bus: `EventBusService` fits. */
export interface SecurityEventSource {
  subscribeBatch<T extends BaseEvent>(
    channel: string,
    handler: (events: T[]) => Promise<void>,
    options?: BatchSubscribeOptions<T>,
  ): Subscription;
}

const RESOLVED = Promise.resolve();

/**
 * Counts auth outcomes from `security` events, as the named consumer `metrics-service`.
 * Other event types are acknowledged untouched; payloads are untrusted and only a known
 * `data.reason` becomes a label.
 */
export class SecurityMetrics {
  readonly #loginSuccess: CounterCell;
  readonly #loginFailure: CounterCell;
  readonly #failureReasons = new Map<string, CounterCell>();
  readonly #otherReason: CounterCell;
  readonly #lockouts: CounterCell;
  readonly #mfaFailures: CounterCell;

  constructor(registry: Registry) {
    const logins = new CellCounter(
      registry,
      'warden_auth_logins_total',
      'Login attempts, by outcome (success or failure).',
      ['outcome'],
    );
    this.#loginSuccess = logins.cell('success');
    this.#loginFailure = logins.cell('failure');
    const failures = new CellCounter(
      registry,
      'warden_auth_login_failures_total',
      'Failed logins, by reason.',
      ['reason'],
    );
    for (const reason of LOGIN_FAILURE_REASON_LABELS) {
      this.#failureReasons.set(reason, failures.cell(reason));
    }
    this.#otherReason = failures.cell('other');
    this.#lockouts = new CellCounter(
      registry,
      'warden_auth_lockouts_total',
      'Accounts locked after repeated failures.',
    ).cell();
    this.#mfaFailures = new CellCounter(
      registry,
      'warden_auth_mfa_failures_total',
      'Wrong, replayed or unknown MFA codes.',
    ).cell();
  }

  /** Subscribes to `security` as `metrics-service`; the subscription is returned for `unsubscribe`. */
  subscribe(bus: SecurityEventSource): Subscription {
    return bus.subscribeBatch(
      SECURITY_CHANNEL,
      (events) => {
        for (const event of events) this.count(event);
        return RESOLVED;
      },
      { consumer: METRICS_SERVICE_CONSUMER, batchSize: 256 },
    );
  }

  /** Counts one event (exposed for tests and for callers that already consume `security`). */
  count(event: BaseEvent): void {
    switch (event.type) {
      case 'auth.login_succeeded':
        this.#loginSuccess.value++;
        return;
      case 'auth.login_failed':
        this.#loginFailure.value++;
        (
          this.#failureReasons.get(reasonOf((event as { readonly data?: unknown }).data)) ??
          this.#otherReason
        ).value++;
        return;
      case 'auth.account_locked':
        this.#lockouts.value++;
        return;
      case 'auth.mfa_failed':
        this.#mfaFailures.value++;
        return;
      default:
        return;
    }
  }
}

function reasonOf(data: unknown): string {
  if (typeof data !== 'object' || data === null) return '';
  const reason = (data as { reason?: unknown }).reason;
  return typeof reason === 'string' ? reason : '';
}
