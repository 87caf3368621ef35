import { sql } from 'kysely';
import type { Database } from '../../storage/index.js';
import { readEpochMs } from '../../storage/index.js';
import type { Clock } from '../../shared/clock.js';
import { signCheckpoint } from '../integrity/checkpoint.js';
import { foldPeaks, peakCoordinates } from '../integrity/merkle.js';
import type { AuditSigningKey } from '../integrity/signing-key.js';
import type { AuditDb } from './audit-query.js';
import { insertCheckpoint } from './audit-appender.js';
import { storedNode } from './audit-proofs.js';

/**
 * 256 = 2^8, the stride stores written before the stride became 6: a multiple of both, so
 * every subtree a cut removes is stored (or made of stored nodes) in old and new stores.
 */
const ALIGN = 256;

/**
 * Removes a tenant's records stored before `cutoffMs`, the only way rows leave
 * `audit_records`. The cut is rounded down to a multiple of 256 records, so every Merkle
 * subtree it removes is a stored node and proofs for the records kept still work; a signed
 * `retention` checkpoint at the cut (with the tree's peaks) lets `verify` start there.
 * Resolves with the number of records removed.
 */
export async function applyRetention(
  database: Database,
  key: AuditSigningKey,
  clock: Clock,
  tenantId: string,
  cutoffMs: number,
): Promise<number> {
  return database.transaction(async (trx) => {
    const db = trx as unknown as AuditDb;
    const head = await db
      .selectFrom('audit_heads')
      .select(['first_seq', 'seq'])
      .where('tenant_id', '=', tenantId)
      .executeTakeFirst();
    if (head === undefined) return 0;
    const firstSeq = readEpochMs(head.first_seq);
    const newest = await db
      .selectFrom('audit_records')
      .select((eb) => eb.fn.max('seq').as('seq'))
      .where('tenant_id', '=', tenantId)
      .where('recorded_at', '<', cutoffMs)
      .executeTakeFirst();
    const newestOld = newest?.seq == null ? 0 : readEpochMs(newest.seq);
    const cut = Math.floor(Math.min(newestOld, readEpochMs(head.seq)) / ALIGN) * ALIGN;
    if (cut < firstSeq) return 0;
    const last = await db
      .selectFrom('audit_records')
      .select('hash')
      .where('tenant_id', '=', tenantId)
      .where('seq', '=', cut)
      .executeTakeFirstOrThrow();
    const peaks = await Promise.all(
      peakCoordinates(cut).map(async ({ level, index }) => {
        const node = await storedNode(db, tenantId, level, index);
        if (node === undefined)
          throw new Error(`audit tree node ${String(level)}/${String(index)} is missing`);
        return node;
      }),
    );
    const checkpoint = signCheckpoint(
      {
        tenantId,
        treeSize: cut,
        rootHash: Buffer.from(foldPeaks(peaks)).toString('hex'),
        lastSeq: cut,
        lastHash: last.hash,
        time: new Date(clock.now()).toISOString(),
      },
      key,
    );
    const frontier = JSON.stringify(peaks.map((p) => p.toString('hex')));
    await insertCheckpoint(db, checkpoint, 'retention', frontier);
    await openGate(db, database.dialect);
    const removed = await db
      .deleteFrom('audit_records')
      .where('tenant_id', '=', tenantId)
      .where('seq', '<=', cut)
      .executeTakeFirst();
    await closeGate(db, database.dialect);
    await db
      .updateTable('audit_heads')
      .set({ first_seq: cut + 1 })
      .where('tenant_id', '=', tenantId)
      .execute();
    return Number(removed.numDeletedRows);
  });
}

/** Lets this transaction's deletes past the append-only trigger. */
async function openGate(db: AuditDb, dialect: Database['dialect']): Promise<void> {
  if (dialect === 'postgres')
    await sql`SELECT set_config('warden.audit_retention', 'on', true)`.execute(db);
  else await db.updateTable('audit_gate').set({ retention_open: 1 }).where('id', '=', 1).execute();
}

async function closeGate(db: AuditDb, dialect: Database['dialect']): Promise<void> {
  if (dialect === 'postgres')
    await sql`SELECT set_config('warden.audit_retention', 'off', true)`.execute(db);
  else await db.updateTable('audit_gate').set({ retention_open: 0 }).where('id', '=', 1).execute();
}
