import { afterEach, beforeAll, beforeEach, expect, it, vi } from 'vitest';
import { AuditStorageService, AuditStore } from '../../src/audit/index.js';
import { toAuditEvent } from '../../src/audit/logger/audit-event.js';
import { EventBusService } from '../../src/events/index.js';
import type { Database } from '../../src/storage/index.js';
import { FakeClock } from '../../src/shared/fake-clock.js';
import { describeEachDatabase } from '../../src/storage/testing.js';
import { auditRecord, newTenant, testSigningKey } from './audit-fixture.js';

describeEachDatabase('AuditStorageService', (open) => {
  let clock: FakeClock;
  let bus: EventBusService;
  let store: AuditStore;
  let service: AuditStorageService;
  let database: Database;

  // One connection per suite: SQLite is one writer per file, and a second connection in the
  // same process would wait on the first while blocking the thread that must release it.
  beforeAll(async () => {
    database = await open();
  });

  beforeEach(async () => {
    clock = new FakeClock();
    bus = new EventBusService(
      {
        channels: {
          audit: {
            bufferSize: 2000,
            consumers: ['audit-storage-service'],
            retryStrategy: { attempts: 2, backoff: 'fixed', delay: 10 },
          },
        },
        defaultConsumer: 'default',
      },
      { clock },
    );
    store = await AuditStore.open({
      database,
      signingKey: testSigningKey(),
      clock,
      checkpoints: { everyRecords: 1000, everyMs: 60_000 },
    });
    service = new AuditStorageService({ store, clock, checkpointIntervalMs: 60_000 });
    await service.start(bus);
  });

  afterEach(async () => {
    service.stop();
    await bus.close();
  });

  const window = () => ({ from: clock.now() - 3_600_000, to: clock.now() + 3_600_000 });
  const emitRecord = (record: ReturnType<typeof auditRecord>) =>
    bus.emit(
      'audit',
      toAuditEvent(record, `evt-${record.sourceEventId}`, new Date(clock.now()).toISOString()),
    );

  it('stores records from the audit channel once, even when the same record arrives twice', async () => {
    const tenant = newTenant();
    const records = [0, 1, 2].map((i) => auditRecord(tenant, i, clock.now()));
    for (const r of [...records, records[1]]) if (r !== undefined) await emitRecord(r);
    await bus.drain();
    await vi.waitFor(async () => {
      expect((await store.query(tenant, window())).records).toHaveLength(3);
    });
    expect((await store.verify(tenant))[0]).toMatchObject({ ok: true, records: 3 });
  });

  it('dead-letters a malformed record and stores the rest of its batch', async () => {
    const tenant = newTenant();
    await emitRecord(auditRecord(tenant, 0, clock.now()));
    await emitRecord(auditRecord(tenant, 1, clock.now(), { time: 'x'.repeat(100) }));
    await emitRecord(auditRecord(tenant, 2, clock.now()));
    await bus.drain();
    await clock.advanceAsync(100);
    await bus.drain();
    await vi.waitFor(async () => {
      expect((await store.query(tenant, window())).records).toHaveLength(2);
      const dead = await bus.listDeadLetters('audit');
      expect(dead.map((d) => d.reason)).toEqual(['permanent_failure']);
    });
  });

  it('signs a time-based checkpoint for pending records on its timer', async () => {
    const tenant = newTenant();
    await emitRecord(auditRecord(tenant, 0, clock.now()));
    await bus.drain();
    await vi.waitFor(async () => {
      expect((await store.query(tenant, window())).records).toHaveLength(1);
    });
    expect(await store.checkpoints(tenant)).toHaveLength(0);
    await clock.advanceAsync(60_000);
    await vi.waitFor(async () => {
      expect((await store.checkpoints(tenant)).map((c) => c.treeSize)).toEqual([1]);
    });
  });
});
