import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { EventBusService, createEventFactory, eventBusConfig } from '../../events/index.js';
import { FakeClock, settle } from '../../events/testing.js';
import { AUDIT_CHANNEL, AuditLogger, normaliseEvent, toAuditEvent } from '../logger/index.js';
import type { AuditRecord } from '../record.js';
import { AuditLiveFeed } from './index.js';
import type { AuditLiveFeedConfig, AuditLiveInfo } from './index.js';

const tenant = () => `tenant-${randomUUID().slice(0, 8)}`;
const clock = new FakeClock();
const createEvent = createEventFactory({ clock });
const newId = () => randomUUID();

let bus: EventBusService | undefined;
afterEach(async () => {
  await bus?.close();
  bus = undefined;
});

async function startFeed(config: AuditLiveFeedConfig = {}) {
  const created = new EventBusService(eventBusConfig, { clock });
  bus = created;
  const feed = new AuditLiveFeed(config);
  await feed.start(created);
  return { bus: created, feed };
}

function recordOf(tenantId: string, action = 'auth.login_failed', data: unknown = {}): AuditRecord {
  const event = createEvent({ type: action, source: 'auth', data, metadata: { tenantId } });
  return normaliseEvent(event, 'security', newId);
}

async function publish(bus: EventBusService, ...records: AuditRecord[]): Promise<void> {
  for (const record of records)
    await bus.emit(AUDIT_CHANNEL, toAuditEvent(record, newId(), '2025-05-22T10:00:00Z'));
  await bus.drain();
  await settle();
}

function listen() {
  const seen: AuditRecord[] = [];
  const listener = (record: AuditRecord) => {
    seen.push(record);
  };
  return { seen, listener };
}

describe('AuditLiveFeed', () => {
  it("shows a watch only its own tenant's records", async () => {
    const { bus, feed } = await startFeed();
    const [a, b] = [tenant(), tenant()];
    const forA = listen();
    const forB = listen();
    feed.watch({ tenantId: a }, forA.listener);
    feed.watch({ tenantId: b }, forB.listener);
    const records = [recordOf(a), recordOf(b), recordOf(a)];
    await publish(bus, ...records);
    expect(forA.seen.map((r) => r.id)).toEqual([records[0]?.id, records[2]?.id]);
    expect(forB.seen.map((r) => r.id)).toEqual([records[1]?.id]);
  });

  it('applies the watch filter', async () => {
    const { bus, feed } = await startFeed();
    const tenantId = tenant();
    const { seen, listener } = listen();
    feed.watch({ tenantId, filter: { types: ['rbac.'], text: 'needle' } }, listener);
    await publish(
      bus,
      recordOf(tenantId, 'rbac.role_change', { note: 'needle' }),
      recordOf(tenantId, 'rbac.role_change', { note: 'hay' }),
      recordOf(tenantId, 'auth.logout', { note: 'needle' }),
    );
    expect(seen.map((r) => [r.action, r.payload])).toEqual([
      ['rbac.role_change', { note: 'needle' }],
    ]);
  });

  it('drops the oldest records of a slow listener, counts them, and holds up neither the bus nor other watches', async () => {
    const { bus, feed } = await startFeed({ queueSize: 3 });
    const tenantId = tenant();
    let release: () => void = () => undefined;
    const slow: [string, number][] = [];
    feed.watch({ tenantId }, (record: AuditRecord, info: AuditLiveInfo) => {
      slow.push([record.id, info.dropped]);
      return slow.length === 1 ? new Promise<void>((resolve) => (release = resolve)) : undefined;
    });
    const fast = listen();
    feed.watch({ tenantId }, fast.listener);
    const records = Array.from({ length: 6 }, () => recordOf(tenantId));
    await publish(bus, records[0]!); // the slow listener is now busy with it
    await publish(bus, ...records.slice(1)); // resolves: the bus never waits for a listener
    expect(fast.seen).toHaveLength(6);
    release();
    await settle();
    const ids = records.map((r) => r.id);
    expect(slow).toEqual([
      [ids[0], 0],
      [ids[3], 2],
      [ids[4], 2],
      [ids[5], 2],
    ]);
  });

  it('goes on after a listener throws, and reports the error', async () => {
    const errors: unknown[] = [];
    const { bus, feed } = await startFeed({ onListenerError: (error) => errors.push(error) });
    const tenantId = tenant();
    const seen: string[] = [];
    feed.watch({ tenantId }, (record) => {
      seen.push(record.id);
      if (seen.length === 1) throw new Error('listener failed');
    });
    const records = [recordOf(tenantId), recordOf(tenantId)];
    await publish(bus, ...records);
    expect(seen).toEqual(records.map((r) => r.id));
    expect(errors).toMatchObject([{ message: 'listener failed' }]);
    expect(await bus.countDeadLetters(AUDIT_CHANNEL)).toBe(0);
  });

  it('stops calling a listener once its watch ends', async () => {
    const { bus, feed } = await startFeed();
    const tenantId = tenant();
    const { seen, listener } = listen();
    const unwatch = feed.watch({ tenantId }, listener);
    expect(feed.watchCount).toBe(1);
    await publish(bus, recordOf(tenantId));
    unwatch();
    unwatch();
    await publish(bus, recordOf(tenantId));
    expect(seen).toHaveLength(1);
    expect(feed.watchCount).toBe(0);
  });

  it('ignores events on the audit channel that are not well-formed records of their tenant', async () => {
    const { bus, feed } = await startFeed();
    const tenantId = tenant();
    const { seen, listener } = listen();
    feed.watch({ tenantId }, listener);
    const record = recordOf(tenantId);
    const forged = {
      ...toAuditEvent(record, newId(), '2025-05-22T10:00:00Z'),
      metadata: { tenantId: tenant() },
    };
    await bus.emit(AUDIT_CHANNEL, forged);
    await bus.emit(
      AUDIT_CHANNEL,
      createEvent({ type: 'audit.record', source: 'x', data: { id: 1 }, metadata: { tenantId } }),
    );
    await bus.emit(
      AUDIT_CHANNEL,
      createEvent({ type: 'audit.other', source: 'x', data: record, metadata: { tenantId } }),
    );
    await bus.drain();
    await settle();
    expect(seen).toEqual([]);
    expect(await bus.countDeadLetters(AUDIT_CHANNEL)).toBe(0);
  });

  it('lets every instance see every record when subscribed anonymously', async () => {
    const { bus } = await startFeed({ consumer: null });
    const tenantId = tenant();
    const feeds = [new AuditLiveFeed({ consumer: null }), new AuditLiveFeed({ consumer: null })];
    const listeners = feeds.map(() => listen());
    for (const [i, feed] of feeds.entries()) {
      await feed.start(bus);
      feed.watch({ tenantId }, listeners[i]!.listener);
    }
    const records = [recordOf(tenantId), recordOf(tenantId)];
    await publish(bus, ...records);
    for (const { seen } of listeners)
      expect(seen.map((r) => r.id)).toEqual(records.map((r) => r.id));
  });

  it('refuses a queue size that is not a positive integer', () => {
    for (const queueSize of [0, -1, 1.5])
      expect(() => new AuditLiveFeed({ queueSize })).toThrow(
        expect.objectContaining({ code: 'AUDIT_CONFIG_INVALID' }),
      );
  });

  it('refuses a watch without a tenant', async () => {
    const { feed } = await startFeed();
    expect(() => feed.watch({ tenantId: '' }, () => undefined)).toThrow(
      expect.objectContaining({ code: 'TENANCY_CONTEXT_INVALID' }),
    );
  });

  it('shows records the audit logger made from security events', async () => {
    const { bus, feed } = await startFeed();
    const logger = new AuditLogger({ clock });
    await logger.start(bus);
    const tenantId = tenant();
    const { seen, listener } = listen();
    feed.watch({ tenantId, filter: { outcome: 'failure' } }, listener);
    await bus.emit(
      'security',
      createEvent({
        type: 'auth.login_failed',
        source: 'auth',
        data: { userId: 'eve' },
        metadata: { tenantId },
      }),
    );
    await bus.emit(
      'security',
      createEvent({
        type: 'auth.logout',
        source: 'auth',
        data: { userId: 'eve' },
        metadata: { tenantId },
      }),
    );
    await bus.drain();
    await settle();
    expect(seen).toMatchObject([
      { tenantId, action: 'auth.login_failed', actor: { userId: 'eve' } },
    ]);
    logger.stop();
  });
});
