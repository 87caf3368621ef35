import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import {
  createWebhookNotifier,
  defaultAlertRules,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  verifyWebhookSignature,
} from '../../src/alerts/index.js';
import type { AlertRule } from '../../src/alerts/index.js';
import type { BusObservation } from '../../src/events/index.js';
import { describeEachDatabase } from '../../src/storage/testing.js';
import { newName, newTenant, thresholdRule } from './alert-fixture.js';
import { ServiceHarness } from './service-harness.js';

const SECRET = `whsec-${newName()}-${newName()}`;

interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly verified: boolean;
}

/** A receiver on 127.0.0.1 that verifies each request's signature and answers from a script. */
class Receiver {
  readonly received: Received[] = [];
  readonly #server: Server;
  readonly #answers: { status: number; headers?: Record<string, string> }[];
  readonly #now: () => number;

  constructor(answers: { status: number; headers?: Record<string, string> }[], now: () => number) {
    this.#answers = answers;
    this.#now = now;
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const header = (name: string): string | undefined => {
          const value = req.headers[name];
          return typeof value === 'string' ? value : undefined;
        };
        const verified = verifyWebhookSignature({
          secret: SECRET,
          body,
          timestamp: header(TIMESTAMP_HEADER),
          signature: header(SIGNATURE_HEADER),
          nowMs: this.#now(),
        });
        this.received.push({ headers: req.headers, body, verified });
        const answer = this.#answers.shift() ?? { status: 200 };
        res.writeHead(verified ? answer.status : 401, answer.headers).end();
      });
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/hooks/warden?token=${SECRET}`;
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) =>
      this.#server.close(() => {
        resolve();
      }),
    );
  }
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const rule: AlertRule = thresholdRule({
  id: 'test.login',
  threshold: 1,
  groupBy: [],
  match: { type: 'auth.login_failed' },
});
const delivered = (o: BusObservation): boolean => o.kind === 'delivered' && o.channel === 'alerts';
const retried = (o: BusObservation): boolean =>
  o.kind === 'retry_scheduled' && o.channel === 'alerts';
const deadLettered = (o: BusObservation): boolean =>
  o.kind === 'dead_lettered' && o.channel === 'alerts';

describeEachDatabase(
  'webhook notifier',
  (open) => {
    async function setup(answers: { status: number; headers?: Record<string, string> }[]) {
      const h = new ServiceHarness();
      const receiver = new Receiver(answers, () => h.clock.now());
      const url = await receiver.listen();
      cleanups.push(
        () => h.close(),
        () => receiver.close(),
      );
      const webhook = createWebhookNotifier({ url, secret: SECRET, clock: h.clock });
      await h.start(await open(), { rules: [rule, ...defaultAlertRules()], notifiers: [webhook] });
      const tenantId = newTenant();
      await h.emit('security', 'auth.login_failed', { username: newName() }, { tenantId });
      return { h, receiver, tenantId };
    }

    it('POSTs the alert as JSON signed with HMAC-SHA256 over the timestamp and body', async () => {
      const { h, receiver, tenantId } = await setup([]);
      await h.next(delivered);
      expect(receiver.received).toHaveLength(1);
      const [request] = receiver.received;
      expect(request?.verified).toBe(true);
      expect(request?.headers['content-type']).toBe('application/json');
      expect(request?.headers[TIMESTAMP_HEADER]).toBe(String(h.clock.now()));
      expect(request?.headers[SIGNATURE_HEADER]).toMatch(/^sha256=[0-9a-f]{64}$/);
      const body = JSON.parse(request?.body ?? '{}') as {
        type: string;
        alert: Record<string, unknown>;
      };
      expect(body.type).toBe('alert.raised');
      expect(body.alert).toMatchObject({ tenantId, ruleId: 'test.login' });
      expect(request?.body).not.toContain(SECRET);
    });

    it('a receiver rejects a replayed request once its timestamp is stale, and a tampered body', async () => {
      const { h, receiver } = await setup([]);
      await h.next(delivered);
      const request = receiver.received[0] as Received;
      const input = {
        secret: SECRET,
        body: request.body,
        timestamp: request.headers[TIMESTAMP_HEADER] as string,
        signature: request.headers[SIGNATURE_HEADER] as string,
      };
      expect(verifyWebhookSignature({ ...input, nowMs: h.clock.now() })).toBe(true);
      expect(verifyWebhookSignature({ ...input, nowMs: h.clock.now() + 300_001 })).toBe(false);
      expect(
        verifyWebhookSignature({ ...input, body: `${input.body} `, nowMs: h.clock.now() }),
      ).toBe(false);
      const forged = String(h.clock.now() + 1);
      expect(verifyWebhookSignature({ ...input, timestamp: forged, nowMs: h.clock.now() })).toBe(
        false,
      );
    });

    it('retries a failing receiver with the channel backoff until it answers', async () => {
      const { h, receiver } = await setup([{ status: 503 }, { status: 408 }]);
      const first = await h.next(retried);
      expect(first).toMatchObject({ delayMs: 100 });
      await h.clock.advanceAsync(100);
      const second = await h.next(retried, h.observations.indexOf(first) + 1);
      expect(second).toMatchObject({ delayMs: 200 });
      await h.clock.advanceAsync(200);
      await h.next(delivered);
      expect(receiver.received.map((r) => r.verified)).toEqual([true, true, true]);
    });

    it('honours Retry-After on 429', async () => {
      const { h, receiver } = await setup([{ status: 429, headers: { 'retry-after': '7' } }]);
      expect(await h.next(retried)).toMatchObject({ delayMs: 7_000 });
      await h.clock.advanceAsync(7_000);
      await h.next(delivered);
      expect(receiver.received).toHaveLength(2);
    });

    it('dead-letters after the last attempt, without the URL or secret, and does not alert the webhook about itself', async () => {
      const { h, receiver } = await setup([{ status: 500 }, { status: 500 }, { status: 500 }]);
      const first = await h.next(retried);
      await h.clock.advanceAsync(100);
      await h.next(retried, h.observations.indexOf(first) + 1);
      await h.clock.advanceAsync(200);
      expect(await h.next(deadLettered)).toMatchObject({ reason: 'attempts_exhausted' });
      const [letter] = await h.bus.listDeadLetters('alerts');
      expect(letter).toMatchObject({ consumer: 'alert-notifier-webhook', attempts: 3 });
      expect(letter?.lastError).toContain('HTTP 500');
      expect(letter?.lastError).not.toContain(SECRET);
      expect(letter?.lastError).not.toContain('127.0.0.1');
      await h.next(
        (o) => o.kind === 'delivered' && o.channel === 'system' && o.consumer === 'alert-service',
      );
      await h.bus.drain();
      const systemAlerts = await h.service.list('system');
      expect(systemAlerts.alerts.map((a) => a.group)).toEqual([
        { 'data.channel': 'alerts', 'data.consumer': 'alert-notifier-webhook' },
      ]);
      expect(receiver.received).toHaveLength(3);
    });

    it('dead-letters at once on a 4xx other than 408 and 429', async () => {
      const { h, receiver } = await setup([{ status: 400 }]);
      expect(await h.next(deadLettered)).toMatchObject({ reason: 'permanent_failure' });
      expect(receiver.received).toHaveLength(1);
    });
  },
  { dialects: ['sqlite'] },
);

it('refuses a webhook config without an http(s) URL or with a short secret, naming neither value', () => {
  const secret = 'short';
  let error: unknown;
  try {
    createWebhookNotifier({ url: 'ftp://user:pw@example.test/', secret });
  } catch (e) {
    error = e;
  }
  expect(error).toMatchObject({ code: 'ALERT_CONFIG_INVALID' });
  const text = JSON.stringify(error) + String(error);
  expect(text).toContain('url');
  expect(text).not.toContain('pw@');
  expect(text).not.toContain(`${secret}"`);
});
