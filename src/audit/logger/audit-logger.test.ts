import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { EventBusService, createEventFactory, eventBusConfig } from '../../events/index.js';
import type { BaseEvent, EventBusConfig } from '../../events/index.js';
import { FakeClock } from '../../events/testing.js';
import type { AuditRecord } from '../record.js';
import { AUDIT_CHANNEL, AUDIT_RECORD_EVENT_TYPE, AuditLogger, auditRecordOf } from './index.js';
import type { TruncatedPayload } from './index.js';

const tenant = () => `tenant-${randomUUID().slice(0, 8)}`;
const clock = new FakeClock();
const createEvent = createEventFactory({ clock });

let bus: EventBusService | undefined;
let logger: AuditLogger | undefined;
afterEach(async () => {
  logger?.stop();
  await bus?.close();
  bus = undefined;
  logger = undefined;
});

async function startLogger(
  config: EventBusConfig = eventBusConfig,
  channels?: readonly string[],
): Promise<{ bus: EventBusService; audit: BaseEvent[] }> {
  bus = new EventBusService(config, { clock });
  const audit: BaseEvent[] = [];
  bus.subscribe(AUDIT_CHANNEL, (event) => {
    audit.push(event);
    return Promise.resolve();
  });
  logger = new AuditLogger({ clock, ...(channels === undefined ? {} : { channels }) });
  await logger.start(bus);
  return { bus, audit };
}

function records(events: readonly BaseEvent[]): AuditRecord[] {
  return events.map((event) => {
    const record = auditRecordOf(event);
    if (record === null) throw new Error(`not an audit record: ${event.type}`);
    return record;
  });
}

describe('AuditLogger', () => {
  it('records the events of security, rbac and system on the audit channel', async () => {
    const { bus, audit } = await startLogger();
    const tenantId = tenant();
    const login = createEvent({
      type: 'auth.login_succeeded',
      source: 'auth',
      data: { userId: 'alice' },
      metadata: { tenantId, entityId: 'hq' },
      correlationId: 'corr-7',
    });
    const check = createEvent({
      type: 'rbac.permission_check',
      source: 'rbac-service',
      data: { userId: 'alice', resource: 'doc', action: 'read', granted: false },
      metadata: { tenantId },
    });
    const breaker = createEvent({
      type: 'system.circuit_breaker.opened',
      source: 'event-bus',
      data: { channel: 'security', consumer: 'alert-service' },
    });
    await bus.emit('security', login);
    await bus.emit('rbac', check);
    await bus.emit('system', breaker);
    await bus.drain();

    expect(audit.map((event) => event.type)).toEqual(Array(3).fill(AUDIT_RECORD_EVENT_TYPE));
    expect(audit[0]).toMatchObject({
      source: 'audit-logger',
      correlationId: 'corr-7',
      metadata: { tenantId, correlationId: 'corr-7', entityId: 'hq' },
    });
    const [first, second, third] = records(audit);
    expect(first).toMatchObject({
      sourceEventId: login.id,
      sourceChannel: 'security',
      outcome: 'success',
    });
    expect(second).toMatchObject({
      sourceEventId: check.id,
      sourceChannel: 'rbac',
      outcome: 'denied',
    });
    expect(third).toMatchObject({
      sourceEventId: breaker.id,
      sourceChannel: 'system',
      tenantId: '_platform',
    });
  });

  it('records an unknown event type generically', async () => {
    const { bus, audit } = await startLogger();
    const tenantId = tenant();
    await bus.emit(
      'security',
      createEvent({
        type: 'waf.request_blocked',
        source: 'waf',
        data: { rule: 'sqli' },
        metadata: { tenantId, user: 'mallory' },
      }),
    );
    await bus.drain();
    expect(records(audit)).toMatchObject([
      {
        tenantId,
        action: 'waf.request_blocked',
        actor: { userId: 'mallory' },
        outcome: 'unknown',
        payload: { rule: 'sqli' },
      },
    ]);
  });

  it('keeps recording after malformed payloads', async () => {
    const { bus, audit } = await startLogger();
    const tenantId = tenant();
    const payloads: unknown[] = [
      'a string',
      [1, [2]],
      { userId: { nested: true }, granted: 7, context: [] },
      { ok: 1 },
    ];
    for (const data of payloads)
      await bus.emit(
        'rbac',
        createEvent({ type: 'rbac.permission_check', source: 'x', data, metadata: { tenantId } }),
      );
    await bus.drain();
    expect(records(audit).map((record) => record.payload)).toEqual(payloads);
    expect(await bus.countDeadLetters('rbac')).toBe(0);
  });

  it('emits one audit event for a source event delivered twice', async () => {
    const { bus, audit } = await startLogger();
    const event = createEvent({
      type: 'auth.logout',
      source: 'auth',
      data: {},
      metadata: { tenantId: tenant() },
    });
    await bus.emit('security', event);
    await bus.emit('security', event);
    await bus.drain();
    expect(records(audit).map((record) => record.sourceEventId)).toEqual([event.id]);
  });

  it('replaces a payload too large for the bus and keeps the record', async () => {
    const config = { ...eventBusConfig, maxEventSizeBytes: 4096 };
    const { bus, audit } = await startLogger(config);
    const tenantId = tenant();
    const data = { userId: 'alice', blob: 'x'.repeat(3_700) };
    await bus.emit(
      'security',
      createEvent({ type: 'auth.login_failed', source: 'auth', data, metadata: { tenantId } }),
    );
    await bus.drain();
    const [record] = records(audit);
    expect(record).toMatchObject({
      tenantId,
      action: 'auth.login_failed',
      actor: { userId: 'alice' },
      outcome: 'failure',
    });
    expect(record?.payload).toEqual({
      truncated: true,
      sizeBytes: JSON.stringify(data).length,
    } satisfies TruncatedPayload);
  });

  it('records events that waited for it while it was stopped, as the named consumer', async () => {
    const { bus, audit } = await startLogger();
    logger?.stop();
    const tenantId = tenant();
    await bus.emit(
      'rbac',
      createEvent({
        type: 'rbac.role_change',
        source: 'rbac-service',
        data: { changedBy: 'root', roleId: 'r' },
        metadata: { tenantId },
      }),
    );
    await bus.drain();
    expect(audit).toHaveLength(0);
    await logger?.start(bus);
    await bus.drain();
    expect(records(audit)).toMatchObject([
      { tenantId, action: 'rbac.role_change', actor: { userId: 'root' } },
    ]);
  });

  it('records a channel created on first use, whose events wait for audit-logger (defaultConsumer)', async () => {
    const extra = `ch-${randomUUID().slice(0, 8)}`;
    bus = new EventBusService(eventBusConfig, { clock });
    const tenantId = tenant();
    // Emitted before any subscriber: the channel retains it for its default consumer.
    await bus.emit(
      extra,
      createEvent({ type: 'app.exported', source: 'app', data: {}, metadata: { tenantId } }),
    );
    const audit: BaseEvent[] = [];
    bus.subscribe(AUDIT_CHANNEL, (event) => {
      audit.push(event);
      return Promise.resolve();
    });
    logger = new AuditLogger({ clock, channels: ['security', 'rbac', 'system', extra] });
    await logger.start(bus);
    await bus.drain();
    expect(records(audit)).toMatchObject([
      { tenantId, action: 'app.exported', sourceChannel: extra },
    ]);
  });

  it('does not start twice, and refuses a second audit-logger on the same bus', async () => {
    const { bus } = await startLogger();
    await logger?.start(bus);
    expect(logger?.running).toBe(true);
    const second = new AuditLogger({ clock });
    await expect(second.start(bus)).rejects.toMatchObject({ code: 'BUS_CONSUMER_TAKEN' });
    expect(second.running).toBe(false);
  });
});
