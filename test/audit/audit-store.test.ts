import { sql } from 'kysely';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  verifyCheckpointExtends,
  verifyRecordProof,
} from '../../src/audit/integrity/offline-verify.js';
import { verifyCheckpoint } from '../../src/audit/integrity/checkpoint.js';
import { AuditStore } from '../../src/audit/store/audit-store.js';
import { FakeClock } from '../../src/shared/fake-clock.js';
import { StorageError } from '../../src/storage/index.js';
import type { Database } from '../../src/storage/index.js';
import { describeEachDatabase } from '../../src/storage/testing.js';
import { auditRecord, auditRecords, newTenant, testSigningKey } from './audit-fixture.js';

describeEachDatabase('AuditStore', (open, databases) => {
  let database: Database;
  let clock: FakeClock;
  let store: AuditStore;
  let tenant: string;
  const key = testSigningKey();

  beforeEach(async () => {
    database = await open();
    clock = new FakeClock();
    store = await AuditStore.open({
      database,
      signingKey: key,
      clock,
      checkpoints: { everyRecords: 100 },
    });
    tenant = newTenant();
  });

  /** Lets raw SQL past the append-only triggers, as an attacker with database access could. */
  async function asAttacker(statement: ReturnType<typeof sql>): Promise<void> {
    if (databases.dialect === 'postgres') {
      await database.transaction(async (trx) => {
        await sql`ALTER TABLE audit_records DISABLE TRIGGER USER`.execute(trx);
        await statement.execute(trx);
        await sql`ALTER TABLE audit_records ENABLE TRIGGER USER`.execute(trx);
      });
    } else {
      await database.transaction(async (trx) => {
        await sql`UPDATE audit_gate SET retention_open = 1`.execute(trx);
        await sql`DROP TRIGGER audit_records_no_update`.execute(trx);
        await statement.execute(trx);
        await sql`CREATE TRIGGER audit_records_no_update BEFORE UPDATE ON audit_records BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END`.execute(
          trx,
        );
        await sql`UPDATE audit_gate SET retention_open = 0`.execute(trx);
      });
    }
  }

  it('chains each tenant’s records with gapless sequence numbers and verifies them', async () => {
    const other = newTenant();
    const batch = [
      ...auditRecords(tenant, 30, clock.now()),
      ...auditRecords(other, 20, clock.now()),
    ];
    expect(await store.append(batch)).toEqual({ appended: 50, duplicates: 0 });
    const page = await store.query(tenant, {
      limit: 500,
      from: clock.now() - 1,
      to: clock.now() + 3_600_000,
    });
    expect(page.records.map((r) => r.seq).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 30 }, (_, i) => i + 1),
    );
    const results = await store.verify();
    expect(results.filter((r) => r.tenantId === tenant || r.tenantId === other)).toMatchObject([
      { ok: true },
      { ok: true },
    ]);
  });

  it('never duplicates a redelivered source event', async () => {
    const batch = auditRecords(tenant, 10, clock.now());
    await store.append(batch);
    expect(await store.append([...batch, auditRecord(tenant, 10, clock.now())])).toEqual({
      appended: 1,
      duplicates: 10,
    });
    expect(
      await store.append([
        auditRecord(tenant, 11, clock.now()),
        auditRecord(tenant, 11, clock.now()),
      ]),
    ).toEqual({
      appended: 1,
      duplicates: 1,
    });
    const [result] = await store.verify(tenant);
    expect(result).toMatchObject({ ok: true, records: 12 });
  });

  it('refuses UPDATE and DELETE on records in the database itself', async () => {
    await store.append(auditRecords(tenant, 3, clock.now()));
    for (const statement of [
      sql`UPDATE audit_records SET outcome = 'granted' WHERE tenant_id = ${tenant}`,
      sql`DELETE FROM audit_records WHERE tenant_id = ${tenant}`,
    ]) {
      const error: unknown = await statement.execute(database.kysely).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StorageError);
      expect(String((error as Error).cause)).toMatch(/append-only/);
    }
    expect((await store.verify(tenant))[0]).toMatchObject({ ok: true, records: 3 });
  });

  describe('finds tampering, with its sequence number', () => {
    beforeEach(async () => {
      await store.append(auditRecords(tenant, 250, clock.now()));
    });

    it('a modified field', async () => {
      await asAttacker(
        sql`UPDATE audit_records SET outcome = 'granted' WHERE tenant_id = ${tenant} AND seq = 42`,
      );
      expect((await store.verify(tenant))[0]?.finding).toMatchObject({ kind: 'modified', seq: 42 });
    });

    it('a deleted record', async () => {
      await asAttacker(sql`DELETE FROM audit_records WHERE tenant_id = ${tenant} AND seq = 17`);
      expect((await store.verify(tenant))[0]?.finding).toMatchObject({ kind: 'gap', seq: 17 });
    });

    it('two swapped records', async () => {
      await asAttacker(
        sql`UPDATE audit_records SET seq = -1 WHERE tenant_id = ${tenant} AND seq = 7`,
      );
      await asAttacker(
        sql`UPDATE audit_records SET seq = 7 WHERE tenant_id = ${tenant} AND seq = 8`,
      );
      await asAttacker(
        sql`UPDATE audit_records SET seq = 8 WHERE tenant_id = ${tenant} AND seq = -1`,
      );
      const finding = (await store.verify(tenant))[0]?.finding;
      expect(finding?.seq).toBe(7);
      expect(['broken_link', 'out_of_order', 'modified']).toContain(finding?.kind);
    });

    it('a forged record inserted with a correct-looking chain', async () => {
      const top = await sql<{
        hash: string;
        seq: number;
      }>`SELECT hash, seq FROM audit_records WHERE tenant_id = ${tenant} ORDER BY seq DESC LIMIT 1`.execute(
        database.kysely,
      );
      const head = top.rows[0];
      expect(head).toBeDefined();
      const { hashRecord } = await import('../../src/audit/integrity/hashes.js');
      const forged = {
        ...auditRecord(tenant, 999, clock.now(), {
          actor: { userId: null, ip: null, userAgent: null },
          target: { resource: null, resourceId: null },
          entityId: null,
          correlationId: null,
        }),
        seq: Number(head?.seq) + 1,
        prevHash: head?.hash ?? '',
        recordedAt: clock.now(),
      };
      const hashes = hashRecord(forged);
      await asAttacker(
        sql`INSERT INTO audit_records (tenant_id, seq, id, source_event_id, action, outcome, source, time, time_ms, source_channel, payload, prev_hash, hash, leaf_hash, recorded_at)
            VALUES (${tenant}, ${forged.seq}, ${forged.id}, ${forged.sourceEventId}, ${forged.action}, ${forged.outcome}, ${forged.source}, ${forged.time}, ${clock.now()}, ${forged.sourceChannel}, ${JSON.stringify(forged.payload)}, ${forged.prevHash}, ${hashes.hash}, ${Buffer.from(hashes.leafHash).toString('hex')}, ${clock.now()})`,
      );
      expect((await store.verify(tenant))[0]?.finding).toMatchObject({
        kind: 'inserted',
        seq: 251,
      });
    });

    it('a truncated tail behind a signed checkpoint', async () => {
      await asAttacker(sql`DELETE FROM audit_records WHERE tenant_id = ${tenant} AND seq > 150`);
      await sql`UPDATE audit_heads SET seq = 150 WHERE tenant_id = ${tenant}`.execute(
        database.kysely,
      );
      expect((await store.verify(tenant))[0]?.finding).toMatchObject({
        kind: 'truncated',
        seq: 151,
      });
    });

    it('a forged checkpoint', async () => {
      await sql`UPDATE audit_checkpoints SET root_hash = ${'ab'.repeat(32)} WHERE tenant_id = ${tenant} AND tree_size = 200`.execute(
        database.kysely,
      );
      expect((await store.verify(tenant))[0]?.finding).toMatchObject({
        kind: 'checkpoint_invalid',
        seq: 200,
      });
    });
  });

  it('signs checkpoints every N records and proves records and extensions offline', async () => {
    await store.append(auditRecords(tenant, 650, clock.now()));
    const checkpoints = await store.checkpoints(tenant);
    expect(checkpoints.map((c) => c.treeSize)).toEqual([100, 200, 300, 400, 500, 600]);
    for (const c of checkpoints) expect(verifyCheckpoint(c, key.publicKey).kind).toBe('valid');
    for (const seq of [1, 99, 100, 257, 600]) {
      const evidence = await store.proveInclusion(tenant, seq);
      expect(verifyRecordProof(evidence, key.publicKey)).toEqual({ ok: true });
      const forged = { ...evidence, record: { ...evidence.record, outcome: 'granted' as const } };
      if (evidence.record.outcome !== 'granted')
        expect(verifyRecordProof(forged, key.publicKey).ok).toBe(false);
    }
    await expect(store.proveInclusion(tenant, 640)).rejects.toMatchObject({
      code: 'AUDIT_QUERY_INVALID',
    });
    const extension = await store.proveConsistency(tenant, 200, 600);
    expect(
      verifyCheckpointExtends(extension.older, extension.newer, extension.proof, key.publicKey),
    ).toEqual({ ok: true });
  });

  it('checkpoints pending records when the interval passes', async () => {
    await store.append(auditRecords(tenant, 5, clock.now()));
    expect(await store.checkpoints(tenant)).toHaveLength(0);
    expect((await store.checkpointPending()).checkpointed).toBeGreaterThanOrEqual(1);
    expect((await store.checkpoints(tenant)).map((c) => c.treeSize)).toEqual([5]);
  });

  it('retention removes old records at a 256-aligned cut; the rest still verifies and proves', async () => {
    const short = await AuditStore.open({
      database,
      signingKey: key,
      clock,
      checkpoints: { everyRecords: 100 },
      retention: { perTenantDays: { [tenant]: 1 } },
    });
    await short.append(auditRecords(tenant, 600, clock.now()));
    clock.advance(2 * 86_400_000);
    await short.append(auditRecords(tenant, 100, clock.now(), 600));
    expect(await short.applyRetention()).toBe(512);
    const [result] = await short.verify(tenant);
    expect(result).toMatchObject({ ok: true, records: 188 });
    const evidence = await short.proveInclusion(tenant, 513);
    expect(verifyRecordProof(evidence, key.publicKey)).toEqual({ ok: true });
    await short.append(auditRecords(tenant, 10, clock.now(), 700));
    expect((await short.verify(tenant))[0]).toMatchObject({ ok: true, records: 198 });
  });
});
