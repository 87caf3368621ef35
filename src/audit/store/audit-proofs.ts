import type { Selectable } from 'kysely';
import { prepareQuery, readEpochMs } from '../../storage/index.js';
import type { PreparedQuery } from '../../storage/index.js';
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
import type { AuditTables } from './audit-tables.js';
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

interface NodeRequest {
  readonly level: number;
  readonly index: number;
  readonly waiting: { resolve: (hash: Buffer | undefined) => void; reject: (e: unknown) => void }[];
}

/**
 * Stored-node reads asked for in one synchronous turn go out as one query: a proof asks for
 * its log2(n) - 8 high siblings all at once, so it costs one round trip instead of one each
 * (each is a network round trip on PostgreSQL).
 */
function batchedNodeReader(
  db: AuditDb,
  tenantId: string,
): (level: number, index: number) => Promise<Buffer | undefined> {
  let pending = new Map<string, NodeRequest>();
  const flush = async (batch: Map<string, NodeRequest>): Promise<void> => {
    const requests = [...batch.values()];
    try {
      const rows = await db
        .selectFrom('audit_tree_nodes')
        .select(['level', 'idx', 'hash'])
        .where('tenant_id', '=', tenantId)
        .where((eb) =>
          eb(
            eb.refTuple('level', 'idx'),
            'in',
            requests.map((r) => eb.tuple(r.level, r.index)),
          ),
        )
        .execute();
      const found = new Map(
        rows.map((r) => [`${String(r.level)}:${String(readEpochMs(r.idx))}`, r.hash]),
      );
      for (const [key, request] of batch) {
        const hash = found.get(key);
        const value = hash === undefined ? undefined : Buffer.from(hash, 'hex');
        for (const w of request.waiting) w.resolve(value);
      }
    } catch (error) {
      for (const request of requests) for (const w of request.waiting) w.reject(error);
    }
  };
  return (level, index) =>
    new Promise((resolve, reject) => {
      if (pending.size === 0) {
        queueMicrotask(() => {
          const batch = pending;
          pending = new Map();
          void flush(batch);
        });
      }
      const key = `${String(level)}:${String(index)}`;
      let request = pending.get(key);
      if (request === undefined) {
        request = { level, index, waiting: [] };
        pending.set(key, request);
      }
      request.waiting.push({ resolve, reject });
    });
}

/** Reads a tenant's tree from stored nodes (levels >= 6) and the leaf hashes kept with records. */
export function tenantTreeReader(db: AuditDb, tenantId: string): SubtreeReader {
  const readNode = batchedNodeReader(db, tenantId);
  return createSubtreeReader({
    storedFromLevel: STORED_FROM_LEVEL,
    async leafHashes(from, toExclusive) {
      const rows = await queriesOf(db).leafHashes.execute(db, { tenantId, from, toExclusive });
      return rows.map((r) => Buffer.from(r.leaf_hash, 'hex'));
    },
    storedNode: readNode,
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
  const queries = queriesOf(db);
  const [row, checkpointRow] = await Promise.all([
    queries.record.executeTakeFirst(db, { tenantId, seq }),
    treeSize === undefined
      ? queries.coveringCheckpoint.executeTakeFirst(db, { tenantId, seq })
      : queries.checkpointAt.executeTakeFirst(db, { tenantId, treeSize }),
  ]);
  const checkpoint = checkpointRow === undefined ? undefined : checkpointOf(checkpointRow);
  if (row === undefined)
    throw new AuditError('AUDIT_QUERY_INVALID', `no record ${String(seq)} in this tenant's log`, {
      seq,
    });
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

type RecordRow = Selectable<AuditTables['audit_records']>;
type CheckpointRow = Selectable<AuditTables['audit_checkpoints']>;

/** A proof's fixed reads, compiled once per database (a proof is a few small reads). */
interface ProofQueries {
  readonly record: PreparedQuery<{ tenantId: string; seq: number }, RecordRow>;
  readonly coveringCheckpoint: PreparedQuery<{ tenantId: string; seq: number }, CheckpointRow>;
  readonly checkpointAt: PreparedQuery<{ tenantId: string; treeSize: number }, CheckpointRow>;
  readonly leafHashes: PreparedQuery<
    { tenantId: string; from: number; toExclusive: number },
    { leaf_hash: string }
  >;
}

const prepared = new WeakMap<AuditDb, ProofQueries>();

function queriesOf(db: AuditDb): ProofQueries {
  let queries = prepared.get(db);
  if (queries === undefined) {
    queries = {
      record: prepareQuery((p) =>
        db
          .selectFrom('audit_records')
          .selectAll()
          .where('tenant_id', '=', p('tenantId'))
          .where('seq', '=', p('seq')),
      ),
      // The first checkpoint covering `seq`: one indexed row, not the tenant's list.
      coveringCheckpoint: prepareQuery((p) =>
        db
          .selectFrom('audit_checkpoints')
          .selectAll()
          .where('tenant_id', '=', p('tenantId'))
          .where('tree_size', '>=', p('seq'))
          .orderBy('tree_size')
          .limit(1),
      ),
      checkpointAt: prepareQuery((p) =>
        db
          .selectFrom('audit_checkpoints')
          .selectAll()
          .where('tenant_id', '=', p('tenantId'))
          .where('tree_size', '=', p('treeSize')),
      ),
      leafHashes: prepareQuery((p) =>
        db
          .selectFrom('audit_records')
          .select('leaf_hash')
          .where('tenant_id', '=', p('tenantId'))
          .where('seq', '>', p('from'))
          .where('seq', '<=', p('toExclusive'))
          .orderBy('seq'),
      ),
    };
    prepared.set(db, queries);
  }
  return queries;
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
