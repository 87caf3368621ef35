import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyRecordProof } from '../../src/audit/integrity/offline-verify.js';
import { AuditAppender } from '../../src/audit/store/audit-appender.js';
import { auditMigrations } from '../../src/audit/store/audit-migrations.js';
import { AuditStore } from '../../src/audit/store/audit-store.js';
import { FakeClock } from '../../src/shared/fake-clock.js';
import { openDatabase } from '../../src/storage/index.js';
import type { Database } from '../../src/storage/index.js';
import { auditRecords, newTenant, testSigningKey } from './audit-fixture.js';

describe('audit store migration 2 (SQLite: records rebuilt WITHOUT ROWID)', () => {
  let dir: string | undefined;
  let database: Database | undefined;

  afterEach(async () => {
    await database?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the records, chains, checkpoints and append-only triggers of a version 1 store', async () => {
    dir = mkdtempSync(join(tmpdir(), 'warden-audit-migration-'));
    database = await openDatabase({ driver: 'sqlite', file: join(dir, 'audit.sqlite') });
    const [first] = auditMigrations.migrations;
    if (first === undefined) throw new Error('no first migration');
    await database.migrate({ module: 'audit', migrations: [first] });
    const clock = new FakeClock();
    const key = testSigningKey();
    const tenants = [newTenant(), newTenant()];
    const appender = new AuditAppender(database, clock, key, { everyRecords: 50, everyMs: 60_000 });
    for (const tenant of tenants) await appender.append(auditRecords(tenant, 120, clock.now()));

    const store = await AuditStore.open({ database, signingKey: key, clock });

    for (const tenant of tenants) {
      const [verified] = await store.verify(tenant);
      expect(verified).toMatchObject({ ok: true, records: 120, checkpoints: 2 });
    }
    const more = auditRecords(tenants[0] ?? '', 10, clock.now(), 120);
    expect(await store.append(more)).toEqual({ appended: 10, duplicates: 0 });
    expect((await store.verify(tenants[0])).at(0)).toMatchObject({ ok: true, records: 130 });
    for (const statement of [
      sql`UPDATE audit_records SET outcome = 'granted'`,
      sql`DELETE FROM audit_records`,
    ]) {
      const error: unknown = await statement.execute(database.kysely).catch((e: unknown) => e);
      expect(String((error as Error).cause)).toMatch(/append-only/);
    }
  });

  it('proves records of a store written when only subtrees of 256 leaves and up were stored', async () => {
    dir = mkdtempSync(join(tmpdir(), 'warden-audit-migration-'));
    database = await openDatabase({ driver: 'sqlite', file: join(dir, 'audit.sqlite') });
    const clock = new FakeClock();
    const key = testSigningKey();
    const store = await AuditStore.open({
      database,
      signingKey: key,
      clock,
      checkpoints: { everyRecords: 700 },
    });
    const tenant = newTenant();
    await store.append(auditRecords(tenant, 700, clock.now()));
    // What such a store lacks: the nodes below level 8.
    await sql`DELETE FROM audit_tree_nodes WHERE level < 8`.execute(database.kysely);

    for (const seq of [1, 64, 65, 300, 511, 512, 640, 700]) {
      const evidence = await store.proveInclusion(tenant, seq);
      expect(verifyRecordProof(evidence, key.publicKey)).toEqual({ ok: true });
    }
  });
});
