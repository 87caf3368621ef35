import { createHmac, timingSafeEqual } from 'node:crypto';
import { PermanentFailure, RetryAfter, isValidName } from '../events/index.js';
import type { Clock } from '../shared/clock.js';
import { systemClock } from '../shared/clock.js';
import type { RaisedAlert } from './alert-engine.js';
import { ALERT_ERROR_CODES, AlertError, issuesError } from './errors.js';
import type { AlertIssue } from './errors.js';

/**
 * Somewhere alerts go. Each notifier runs as its own named consumer on the alert delivery
 * channel, so the bus retries it with that channel's backoff and dead-letters it at the end.
 * `notify` follows the consumer contract: return = delivered; throw `PermanentFailure` =
 * dead-letter now; throw `RetryAfter(ms)` = retry then; any other error = retry per policy.
 */
export interface AlertNotifier {
  /** Consumer-name safe (letters, digits, `-`, `_`); the consumer is `alert-notifier-<name>`. */
  readonly name: string;
  notify(alert: RaisedAlert): Promise<void>;
}

/** The header carrying `sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`. */
export const SIGNATURE_HEADER = 'x-warden-signature';
/** The header carrying the signing time, epoch milliseconds; part of the signed input. */
export const TIMESTAMP_HEADER = 'x-warden-timestamp';

export interface WebhookNotifierConfig {
  /** Default `webhook`. */
  readonly name?: string;
  /** `http:` or `https:` URL receiving `POST` JSON `{ "type": "alert.raised", "alert": … }`. */
  readonly url: string;
  /** HMAC key, at least 16 characters. Kept private: never in events, alerts or errors. */
  readonly secret: string;
  /** Per request; default 5 000 ms. */
  readonly timeoutMs?: number;
  readonly clock?: Clock;
  /** Default the global `fetch`. */
  readonly fetch?: typeof fetch;
}

/** The signature a receiver should expect for `body` signed at `timestamp`. */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * Checks a webhook request as a receiver should: the signature in constant time, and the
 * timestamp within `toleranceMs` (default 5 min) of `nowMs`, which stops replays.
 */
export function verifyWebhookSignature(input: {
  readonly secret: string;
  readonly body: string;
  readonly timestamp: string | undefined;
  readonly signature: string | undefined;
  readonly nowMs: number;
  readonly toleranceMs?: number;
}): boolean {
  const { timestamp, signature } = input;
  if (timestamp === undefined || signature === undefined || !/^\d{1,16}$/.test(timestamp))
    return false;
  if (Math.abs(input.nowMs - Number(timestamp)) > (input.toleranceMs ?? 300_000)) return false;
  const expected = Buffer.from(webhookSignature(input.secret, timestamp, input.body));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * POSTs each alert as signed JSON. 2xx = delivered; 408, 429 (honouring `Retry-After`
 * seconds) and 5xx or network errors = retried by the bus; any other 4xx = `PermanentFailure`
 * (dead-lettered at once). Errors name the notifier and status, never the URL or secret.
 * @throws AlertError `ALERT_CONFIG_INVALID` listing every bad field.
 */
export function createWebhookNotifier(config: WebhookNotifierConfig): AlertNotifier {
  return new WebhookNotifier(config);
}

class WebhookNotifier implements AlertNotifier {
  readonly name: string;
  readonly #url: string;
  readonly #secret: string;
  readonly #timeoutMs: number;
  readonly #clock: Clock;
  readonly #fetch: typeof fetch;

  constructor(config: WebhookNotifierConfig) {
    checkWebhookConfig(config);
    this.name = config.name ?? 'webhook';
    this.#url = config.url;
    this.#secret = config.secret;
    this.#timeoutMs = config.timeoutMs ?? 5_000;
    this.#clock = config.clock ?? systemClock;
    this.#fetch = config.fetch ?? fetch;
  }

  async notify(alert: RaisedAlert): Promise<void> {
    const body = JSON.stringify({ type: 'alert.raised', alert });
    const timestamp = String(this.#clock.now());
    const response = await this.#post(body, timestamp);
    await response.body?.cancel();
    const { status } = response;
    if (status >= 200 && status < 300) return;
    const what = `webhook notifier '${this.name}' got HTTP ${status}`;
    if (status === 429)
      throw new RetryAfter(retryAfterMs(response.headers.get('retry-after')), what);
    if (status >= 400 && status < 500 && status !== 408) throw new PermanentFailure(what);
    throw new AlertError(ALERT_ERROR_CODES.ALERT_NOTIFIER_FAILED, what, {
      details: { notifier: this.name, status },
    });
  }

  async #post(body: string, timestamp: string): Promise<Response> {
    const controller = new AbortController();
    const timer = this.#clock.setTimeout(() => {
      controller.abort();
    }, this.#timeoutMs);
    try {
      return await this.#fetch(this.#url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [TIMESTAMP_HEADER]: timestamp,
          [SIGNATURE_HEADER]: webhookSignature(this.#secret, timestamp, body),
        },
        body,
        redirect: 'error',
        signal: controller.signal,
      });
    } catch (error) {
      // The cause may quote the URL (credentials, tokens in the query): keep only its kind.
      const kind = error instanceof Error ? error.name : 'Error';
      throw new AlertError(
        ALERT_ERROR_CODES.ALERT_NOTIFIER_FAILED,
        `webhook notifier '${this.name}' could not deliver (${kind})`,
        { details: { notifier: this.name } },
      );
    } finally {
      this.#clock.clearTimeout(timer);
    }
  }
}

function retryAfterMs(header: string | null): number {
  const seconds = header === null ? Number.NaN : Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? Math.min(seconds, 3_600) * 1_000 : 0;
}

function checkWebhookConfig(config: WebhookNotifierConfig): void {
  const issues: AlertIssue[] = [];
  let url: URL | undefined;
  try {
    url = new URL(config.url);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:'))
    issues.push({ path: 'url', reason: 'must be an http: or https: URL' });
  if (typeof config.secret !== 'string' || config.secret.length < 16)
    issues.push({ path: 'secret', reason: 'must be a string of at least 16 characters' });
  if (config.name !== undefined && !isNotifierName(config.name))
    issues.push({ path: 'name', reason: 'must be 1 to 40 letters, digits, "-" or "_"' });
  const timeout = config.timeoutMs;
  if (timeout !== undefined && (!Number.isInteger(timeout) || timeout < 1 || timeout > 120_000))
    issues.push({ path: 'timeoutMs', reason: 'must be an integer from 1 to 120000' });
  if (issues.length > 0)
    throw issuesError(ALERT_ERROR_CODES.ALERT_CONFIG_INVALID, 'invalid webhook notifier', issues);
}

/** True for a notifier name that makes a valid consumer name. */
export function isNotifierName(name: string): boolean {
  return name.length <= 40 && isValidName(name);
}

/**
 * Writes one JSON line per alert to `sink` (ids, rule, severity, title, group, counts; no
 * secrets, no event payloads).
 */
export function createLogNotifier(sink: (line: string) => void, name = 'log'): AlertNotifier {
  return {
    name,
    notify(alert) {
      sink(
        JSON.stringify({
          level: 'warn',
          msg: 'alert raised',
          alertId: alert.id,
          tenantId: alert.tenantId,
          ruleId: alert.ruleId,
          severity: alert.severity,
          title: alert.title,
          group: alert.group,
          count: alert.count,
          raisedAt: new Date(alert.raisedAt).toISOString(),
        }),
      );
      return Promise.resolve();
    },
  };
}
