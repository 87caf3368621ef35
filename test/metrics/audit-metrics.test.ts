import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AuditStore } from '../../src/audit/index.js';
import { signingKeyFrom } from '../../src/audit/integrity/signing-key.js';
import { FakeClock } from '../../src/events/testing.js';
import { createMetrics } from '../../src/metrics/index.js';
import { openDatabase } from '../../src/storage/index.js';
import { bucketsOf, parseExposition, valueOf } from './exposition.js';

const record = (time: string) => ({ time });

describe('audit metrics', () => {
  it('counts stored records and observes each one’s ingest lag', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const observer = metrics.auditObserver();
    const storedAtMs = Date.UTC(2026, 0, 1, 12, 0, 10);
    observer.observeAppend({
      records: [
        record('2026-01-01T12:00:10.000Z'),
        record('2026-01-01T12:00:09.700Z'),
        record('2026-01-01T12:00:04Z'),
      ],
      appended: 3,
      duplicates: 0,
      storedAtMs,
    });

    const m = parseExposition(await metrics.metrics());
    expect(valueOf(m, 'warden_audit_records_stored_total')).toBe(3);
    const buckets = bucketsOf(m, 'warden_audit_ingest_lag_seconds');
    expect(buckets['0.001']).toBe(1);
    expect(buckets['0.25']).toBe(1);
    expect(buckets['0.5']).toBe(2);
    expect(buckets['10']).toBe(3);
    expect(valueOf(m, 'warden_audit_ingest_lag_seconds_sum')).toBeCloseTo(6.3, 9);
  });

  it('takes no lag samples from a batch holding redelivered duplicates', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.auditObserver().observeAppend({
      records: [record('2026-01-01T12:00:00Z'), record('2026-01-01T11:00:00Z')],
      appended: 1,
      duplicates: 1,
      storedAtMs: Date.UTC(2026, 0, 1, 12, 0, 1),
    });
    const m = parseExposition(await metrics.metrics());
    expect(valueOf(m, 'warden_audit_records_stored_total')).toBe(1);
    expect(valueOf(m, 'warden_audit_records_duplicate_total')).toBe(1);
    expect(valueOf(m, 'warden_audit_ingest_lag_seconds_count')).toBe(0);
  });

  it("reports the last verify's result and time from the store's own verify()", async () => {
    const clock = new FakeClock();
    const database = await openDatabase({ driver: 'sqlite', file: ':memory:' });
    try {
      const store = await AuditStore.open({
        database,
        signingKey: signingKeyFrom(generateKeyPairSync('ed25519').privateKey),
        clock,
      });
      const tenantId = `tenant-${randomUUID().slice(0, 8)}`;
      await store.append([
        {
          id: randomUUID(),
          tenantId,
          action: 'auth.login_succeeded',
          actor: { userId: 'u1', ip: null, userAgent: null },
          target: { resource: 'auth.session', resourceId: 's1' },
          outcome: 'success',
          entityId: null,
          correlationId: null,
          source: 'auth-service',
          time: new Date(clock.now()).toISOString(),
          sourceEventId: randomUUID(),
          sourceChannel: 'security',
          payload: {},
        },
      ]);
      const metrics = createMetrics({ defaultMetrics: false });
      let m = parseExposition(await metrics.metrics());
      expect(valueOf(m, 'warden_audit_last_verify_timestamp_seconds')).toBe(0);

      metrics
        .auditObserver()
        .observeVerify({ results: await store.verify(), verifiedAtMs: clock.now() });
      m = parseExposition(await metrics.metrics());
      expect(valueOf(m, 'warden_audit_last_verify_ok')).toBe(1);
      expect(valueOf(m, 'warden_audit_last_verify_timestamp_seconds')).toBe(clock.now() / 1000);
      expect(valueOf(m, 'warden_audit_last_verify_tenants')).toBe(1);
      expect(valueOf(m, 'warden_audit_last_verify_failed_tenants')).toBe(0);

      metrics.auditObserver().observeVerify({
        results: [{ ok: true }, { ok: false }, { ok: false }],
        verifiedAtMs: clock.now() + 5_000,
      });
      m = parseExposition(await metrics.metrics());
      expect(valueOf(m, 'warden_audit_last_verify_ok')).toBe(0);
      expect(valueOf(m, 'warden_audit_last_verify_failed_tenants')).toBe(2);
      expect(valueOf(m, 'warden_audit_last_verify_timestamp_seconds')).toBe(clock.now() / 1000 + 5);
    } finally {
      await database.close();
    }
  });
});
