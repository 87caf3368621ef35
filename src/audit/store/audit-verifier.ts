import type { KeyObject } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { AuditTables } from './audit-tables.js';
import { readEpochMs } from '../../storage/index.js';
import { verifyCheckpoint } from '../integrity/checkpoint.js';
import type { Checkpoint } from '../integrity/checkpoint.js';
import { ChainVerifier, GENESIS_POSITION } from '../integrity/chain.js';
import type { ChainFindingKind, ChainPosition } from '../integrity/chain.js';
import { unsafeChainHash } from '../integrity/hashes.js';
import { MerkleAccumulator } from '../integrity/merkle.js';
import type { AuditDb } from './audit-query.js';
import { rowToChainRow } from './audit-rows.js';

/** What `verify` can find wrong, beyond the chain's own findings. */
export type VerifyFindingKind =
  | ChainFindingKind
  /** The stored leaf hash does not belong to the record (proofs would lie). */
  | 'leaf_mismatch'
  /** A checkpoint's signature, key or shape does not verify. */
  | 'checkpoint_invalid'
  /** The records up to a signed checkpoint do not hash to its root or chain head. */
  | 'checkpoint_mismatch'
  /** A signed checkpoint covers records that are no longer there: the tail was cut. */
  | 'truncated'
  /** Records past the store's own head: appended behind the store's back. */
  | 'inserted';

export interface VerifyFinding {
  readonly kind: VerifyFindingKind;
  /** The first sequence number affected. */
  readonly seq: number;
  readonly detail: string;
}

export interface TenantVerification {
  readonly tenantId: string;
  readonly ok: boolean;
  /** Records read. */
  readonly records: number;
  /** Signed checkpoints checked. */
  readonly checkpoints: number;
  readonly finding: VerifyFinding | null;
}

const PAGE = 5_000;

/**
 * Walks one tenant's records in sequence order, page by page: the hash chain, each stored
 * leaf hash, and the Merkle root and chain head at every signed checkpoint. Stops at the
 * first finding and names its sequence number.
 */
export async function verifyTenant(
  db: AuditDb,
  tenantId: string,
  publicKey: KeyObject,
): Promise<TenantVerification> {
  const checkpoints = await loadCheckpoints(db, tenantId);
  const start = await startOf(db, tenantId);
  if (start === null) {
    return {
      tenantId,
      ok: false,
      records: 0,
      checkpoints: 0,
      finding: {
        kind: 'checkpoint_invalid',
        seq: 0,
        detail: 'the checkpoint retention left at its cut is missing',
      },
    };
  }
  const chain = new ChainVerifier(start.position);
  const tree = start.tree;
  let pendingCheckpoint = 0;
  let read = 0;
  let checked = 0;
  const result = (finding: VerifyFinding | null): TenantVerification => ({
    tenantId,
    ok: finding === null,
    records: read,
    checkpoints: checked,
    finding,
  });
  for (const cp of checkpoints) {
    const verdict = verifyCheckpoint(cp, publicKey);
    if (verdict.kind === 'invalid') {
      return result({ kind: 'checkpoint_invalid', seq: cp.lastSeq, detail: verdict.reason });
    }
  }
  while (
    pendingCheckpoint < checkpoints.length &&
    (checkpoints[pendingCheckpoint]?.treeSize ?? 0) <= tree.size
  ) {
    pendingCheckpoint++; // checkpoints at or before the retention cut were checked when they were made
  }
  // The next page is asked for before this one is hashed: on PostgreSQL the server reads it
  // while this process hashes (the two share the machine's CPUs rather than taking turns).
  let next = readPage(db, tenantId, start.position.seq);
  for (;;) {
    const rows = await next;
    const lastRow = rows.at(-1);
    next =
      lastRow === undefined
        ? Promise.resolve([])
        : readPage(db, tenantId, readEpochMs(lastRow.seq));
    next.catch(() => undefined); // a walk that stops at a finding never awaits it
    for (const row of rows) {
      const record = rowToChainRow(row);
      read++;
      const previous = chain.head.hash;
      const finding = chain.push(record);
      if (finding !== null) {
        return result({
          kind: finding.kind,
          seq: finding.expectedSeq,
          detail: `record ${finding.recordId} at seq ${String(finding.seq)}`,
        });
      }
      if (unsafeChainHash(previous, row.leaf_hash) !== record.hash) {
        return result({
          kind: 'leaf_mismatch',
          seq: record.seq,
          detail: 'the stored leaf hash is not this record’s',
        });
      }
      tree.append(Buffer.from(row.leaf_hash, 'hex'));
      const cp = checkpoints[pendingCheckpoint];
      if (cp !== undefined && cp.treeSize === tree.size) {
        pendingCheckpoint++;
        checked++;
        if (
          Buffer.from(tree.root()).toString('hex') !== cp.rootHash ||
          cp.lastHash !== record.hash
        ) {
          return result({
            kind: 'checkpoint_mismatch',
            seq: cp.lastSeq,
            detail: `checkpoint at tree size ${String(cp.treeSize)}`,
          });
        }
      }
    }
    if (lastRow === undefined) break;
  }
  if (chain.head.seq > start.headSeq) {
    return result({
      kind: 'inserted',
      seq: start.headSeq + 1,
      detail: `records past the store's head (${String(start.headSeq)})`,
    });
  }
  const uncovered = checkpoints[pendingCheckpoint];
  if (uncovered !== undefined) {
    return result({
      kind: 'truncated',
      seq: chain.head.seq + 1,
      detail: `a checkpoint covers ${String(uncovered.treeSize)} records; ${String(chain.head.seq)} remain`,
    });
  }
  return result(null);
}

/** One page of the tenant's records after `after`, in `seq` order. */
function readPage(db: AuditDb, tenantId: string, after: number) {
  return db
    .selectFrom('audit_records')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('seq', '>', after)
    .orderBy('seq')
    .limit(PAGE)
    .execute();
}

/** Where the walk starts: genesis, or the signed checkpoint retention left at its cut. */
async function startOf(
  db: AuditDb,
  tenantId: string,
): Promise<{ position: ChainPosition; tree: MerkleAccumulator; headSeq: number } | null> {
  const head = await db
    .selectFrom('audit_heads')
    .select(['first_seq', 'seq'])
    .where('tenant_id', '=', tenantId)
    .executeTakeFirst();
  const firstSeq = head === undefined ? 1 : readEpochMs(head.first_seq);
  const headSeq = head === undefined ? 0 : readEpochMs(head.seq);
  if (firstSeq <= 1) return { position: GENESIS_POSITION, tree: new MerkleAccumulator(), headSeq };
  const cut = await db
    .selectFrom('audit_checkpoints')
    .select(['last_hash', 'frontier'])
    .where('tenant_id', '=', tenantId)
    .where('tree_size', '=', firstSeq - 1)
    .executeTakeFirst();
  if (cut === undefined) return null;
  const peaks = (JSON.parse(cut.frontier) as string[]).map((hex) => Buffer.from(hex, 'hex'));
  return {
    position: { seq: firstSeq - 1, hash: cut.last_hash },
    tree: MerkleAccumulator.restore(firstSeq - 1, peaks),
    headSeq,
  };
}

/** The tenant's checkpoints, oldest first, as signed objects. */
export async function loadCheckpoints(db: AuditDb, tenantId: string): Promise<Checkpoint[]> {
  const rows = await db
    .selectFrom('audit_checkpoints')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .orderBy('tree_size')
    .execute();
  return rows.map(checkpointOf);
}

/** A stored checkpoint row as the signed object. */
export function checkpointOf(r: Selectable<AuditTables['audit_checkpoints']>): Checkpoint {
  return {
    tenantId: r.tenant_id,
    treeSize: readEpochMs(r.tree_size),
    rootHash: r.root_hash,
    lastSeq: readEpochMs(r.last_seq),
    lastHash: r.last_hash,
    time: r.time,
    keyId: r.key_id,
    signature: r.signature,
  };
}
