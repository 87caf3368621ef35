import { readEpochMs } from '../../storage/index.js';
import type { Checkpoint } from '../integrity/checkpoint.js';
import {
  consistencyProof,
  createSubtreeReader,
  inclusionProof,
} from '../integrity/merkle-proofs.js';
import type { SubtreeReader } from '../integrity/merkle-proofs.js';
import { AuditError } from '../errors.js';
import type { StoredAuditRecord } from '../record.js';
import type { AuditDb } from './audit-query.js';
import { rowToRecord } from './audit-rows.js';
import { STORED_FROM_LEVEL } from './audit-appender.js';
import { checkpointOf, loadCheckpoints } from './audit-verifier.js';

/** A record with what proves it is in the log: verifiable offline with the public key. */
export interface InclusionEvidence {
  readonly record: StoredAuditRecord;
  /** The record's leaf index (`seq - 1`). */
  readonly leafIndex: number;
  /** RFC 9162 audit path, hex, leaf to root. */
  readonly proof: readonly string[];
  /** The signed checkpoint whose `rootHash` the proof leads to. */
  readonly checkpoint: Checkpoint;
}

export interface ConsistencyEvidence {
  readonly older: Checkpoint;
  readonly newer: Checkpoint;
  readonly proof: readonly string[];
}

const hex = (hashes: readonly Uint8Array[]): string[] =>
  hashes.map((h) => Buffer.from(h).toString('hex'));

/** A stored perfect subtree of the tenant's tree, if the store kept it (levels >= 8). */
export async function storedNode(
  db: AuditDb,
  tenantId: string,
  level: number,
  index: number,
): Promise<Buffer | undefined> {
  const row = await db
    .selectFrom('audit_tree_nodes')
    .select('hash')
    .where('tenant_id', '=', tenantId)
    .where('level', '=', level)
    .where('idx', '=', index)
    .executeTakeFirst();
  return row === undefined ? undefined : Buffer.from(row.hash, 'hex');
}

/** Reads a tenant's tree from stored nodes (levels >= 8) and the leaf hashes kept with records. */
export function tenantTreeReader(db: AuditDb, tenantId: string): SubtreeReader {
  return createSubtreeReader({
    storedFromLevel: STORED_FROM_LEVEL,
    async leafHashes(from, toExclusive) {
      const rows = await db
        .selectFrom('audit_records')
        .select('leaf_hash')
        .where('tenant_id', '=', tenantId)
        .where('seq', '>', from)
        .where('seq', '<=', toExclusive)
        .orderBy('seq')
        .execute();
      return rows.map((r) => Buffer.from(r.leaf_hash, 'hex'));
    },
    storedNode: (level, index) => storedNode(db, tenantId, level, index),
  });
}

/**
 * Proves the record at `seq` is in the tenant's log, against the first signed checkpoint
 * that covers it (or the one of `treeSize`).
 * @throws AuditError `AUDIT_QUERY_INVALID` when no such record or covering checkpoint exists.
 */
export async function proveInclusion(
  db: AuditDb,
  tenantId: string,
  seq: number,
  treeSize?: number,
): Promise<InclusionEvidence> {
  const row = await db
    .selectFrom('audit_records')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('seq', '=', seq)
    .executeTakeFirst();
  if (row === undefined)
    throw new AuditError('AUDIT_QUERY_INVALID', `no record ${String(seq)} in this tenant's log`, {
      seq,
    });
  const checkpoint = await coveringCheckpoint(db, tenantId, seq, treeSize);
  if (checkpoint === undefined || checkpoint.treeSize < seq) {
    throw new AuditError(
      'AUDIT_QUERY_INVALID',
      `no signed checkpoint covers record ${String(seq)} yet`,
      { seq },
    );
  }
  const proof = await inclusionProof(seq - 1, checkpoint.treeSize, tenantTreeReader(db, tenantId));
  return {
    record: rowToRecord(row),
    leafIndex: readEpochMs(row.seq) - 1,
    proof: hex(proof),
    checkpoint,
  };
}

/** The first checkpoint covering `seq` (or the one of `treeSize`): one indexed row, not the list. */
async function coveringCheckpoint(
  db: AuditDb,
  tenantId: string,
  seq: number,
  treeSize: number | undefined,
): Promise<Checkpoint | undefined> {
  const row = await db
    .selectFrom('audit_checkpoints')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('tree_size', treeSize === undefined ? '>=' : '=', treeSize ?? seq)
    .orderBy('tree_size')
    .limit(1)
    .executeTakeFirst();
  return row === undefined ? undefined : checkpointOf(row);
}

/** Proves the checkpoint of `newSize` extends the one of `oldSize` (both must exist). */
export async function proveConsistency(
  db: AuditDb,
  tenantId: string,
  oldSize: number,
  newSize: number,
): Promise<ConsistencyEvidence> {
  const checkpoints = await loadCheckpoints(db, tenantId);
  const older = checkpoints.find((c) => c.treeSize === oldSize);
  const newer = checkpoints.find((c) => c.treeSize === newSize);
  if (older === undefined || newer === undefined || oldSize > newSize) {
    throw new AuditError(
      'AUDIT_QUERY_INVALID',
      'both tree sizes must be signed checkpoints, older first',
      { oldSize, newSize },
    );
  }
  const proof = await consistencyProof(oldSize, newSize, tenantTreeReader(db, tenantId));
  return { older, newer, proof: hex(proof) };
}
