import type { Database } from '../../storage/index.js';
import { readEpochMs } from '../../storage/index.js';
import type { Clock } from '../../shared/clock.js';
import { signCheckpoint } from '../integrity/checkpoint.js';
import type { Checkpoint as SignedCheckpoint } from '../integrity/checkpoint.js';
import { GENESIS_HASH, hashRecord } from '../integrity/hashes.js';
import { MerkleAccumulator } from '../integrity/merkle.js';
import type { CompletedSubtree } from '../integrity/merkle.js';
import type { AuditSigningKey } from '../integrity/signing-key.js';
import type { AuditRecord } from '../record.js';
import type { AuditDb } from './audit-query.js';
import { insertRows } from './audit-insert.js';
import type { InsertTable } from './audit-insert.js';
import { RECORDS_TABLE, recordToValues } from './audit-rows.js';

/**
 * Subtrees of 2^6 = 64 leaves and up are stored (about one node row per 32 records), so an
 * inclusion proof reads one block of at most 64 leaf hashes and hashes 63 nodes from them:
 * at 2^8 that was 255 node hashes, about 0.5 ms of the proof under load. Stores written
 * with 8 lack levels 6 and 7 for their older records; the reader rebuilds a missing node
 * from its children, so their proofs still work.
 */
export const STORED_FROM_LEVEL = 6;
const LOOKUP_CHUNK = 500;

export interface CheckpointPolicy {
  /** Sign a checkpoint after this many new records of a tenant (default 1,000). */
  readonly everyRecords: number;
  /** … or when this long has passed since the last one and there are new records (default 60 s). */
  readonly everyMs: number;
}

export interface AppendResult {
  readonly appended: number;
  /** Records whose source event was already stored (redelivery): skipped, not duplicated. */
  readonly duplicates: number;
}

export interface PendingCheckpoints {
  readonly checkpointed: number;
  /** Tenants whose head could not be read (damaged): run `verify` on them. */
  readonly failed: readonly string[];
}

/** One tenant's chain head and Merkle frontier while a batch is appended. */
interface Head {
  readonly tenantId: string;
  seq: number;
  hash: string;
  tree: MerkleAccumulator;
  pending: number;
  lastCheckpointAt: number;
  firstSeq: number;
}

/** A signed checkpoint and the tree's peaks at it (kept so verification can resume there). */
interface Checkpoint {
  readonly signed: SignedCheckpoint;
  readonly frontier: string;
}

/** Values of an `audit_records` row in `RECORD_COLUMNS` order, or of a tree node in `NODE_COLUMNS` order. */
type RowValues = unknown[];
const NODES_TABLE: InsertTable = {
  name: 'audit_tree_nodes',
  columns: ['tenant_id', 'level', 'idx', 'hash'],
  pgTypes: ['text', 'integer', 'bigint', 'text'],
};

/**
 * Appends audit records to each tenant's hash chain and Merkle tree, idempotently by source
 * event id, signing checkpoints as the policy says. One transaction per batch, and a fixed
 * handful of statements per batch whatever its tenants (heads, duplicates, records, tree
 * nodes, checkpoints): a batch is stored whole or not at all, so a redelivered batch finds
 * either nothing or everything.
 */
export class AuditAppender {
  readonly #database: Database;
  readonly #clock: Clock;
  readonly #key: AuditSigningKey;
  readonly #policy: CheckpointPolicy;

  constructor(database: Database, clock: Clock, key: AuditSigningKey, policy: CheckpointPolicy) {
    this.#database = database;
    this.#clock = clock;
    this.#key = key;
    this.#policy = policy;
  }

  async append(records: readonly AuditRecord[]): Promise<AppendResult> {
    if (records.length === 0) return { appended: 0, duplicates: 0 };
    return this.#database.transaction(async (trx) => {
      const db = trx as unknown as AuditDb;
      const tenants = [...new Set(records.map((r) => r.tenantId))];
      const heads = await this.#readHeads(db, tenants);
      const fresh = await withoutStored(db, records);
      const nodes: RowValues[] = [];
      const rows: RowValues[] = [];
      const checkpoints: Checkpoint[] = [];
      const now = this.#clock.now();
      for (const record of fresh) {
        const head = heads.get(record.tenantId) ?? this.#newHead(record.tenantId, heads);
        rows.push(this.#chain(head, record, now, nodes));
        // Checkpoints fall on exact multiples of the policy, whatever the batch sizes were.
        if (head.pending >= this.#policy.everyRecords) checkpoints.push(this.#sign(head));
      }
      for (const head of heads.values()) {
        if (head.pending > 0 && now - head.lastCheckpointAt >= this.#policy.everyMs) {
          checkpoints.push(this.#sign(head));
        }
      }
      const dialect = this.#database.dialect;
      await insertRows(db, dialect, RECORDS_TABLE, rows);
      await insertRows(db, dialect, NODES_TABLE, nodes);
      await insertCheckpoints(db, checkpoints, 'periodic');
      await writeHeads(db, [...heads.values()]);
      return { appended: fresh.length, duplicates: records.length - fresh.length };
    });
  }

  /** Signs a checkpoint for every tenant with records since its last one (the timer's job). */
  async checkpointPending(): Promise<PendingCheckpoints> {
    const db = this.#database.kysely as AuditDb;
    const pending = await db
      .selectFrom('audit_heads')
      .select('tenant_id')
      .where('pending', '>', 0)
      .execute();
    const result = { checkpointed: 0, failed: [] as string[] };
    // One transaction per tenant: a tenant whose head is damaged must not stop the others.
    for (const { tenant_id } of pending) {
      try {
        await this.#database.transaction(async (trx) => {
          const tx = trx as unknown as AuditDb;
          const head = (await this.#readHeads(tx, [tenant_id])).get(tenant_id);
          if (head === undefined || head.pending === 0) return;
          await insertCheckpoints(tx, [this.#sign(head)], 'periodic');
          await writeHeads(tx, [head]);
        });
        result.checkpointed++;
      } catch {
        result.failed.push(tenant_id); // `verify` names what is wrong with it
      }
    }
    return result;
  }

  #chain(head: Head, record: AuditRecord, now: number, nodes: RowValues[]): RowValues {
    const unhashed = { ...record, seq: head.seq + 1, prevHash: head.hash, recordedAt: now };
    const hashes = hashRecord(unhashed);
    head.tree.append(hashes.leafHash);
    for (const subtree of drainSubtrees(head.tree)) {
      nodes.push([
        head.tenantId,
        subtree.level,
        subtree.index,
        Buffer.from(subtree.hash).toString('hex'),
      ]);
    }
    head.seq = unhashed.seq;
    head.hash = hashes.hash;
    head.pending++;
    return recordToValues(
      { ...unhashed, hash: hashes.hash },
      {
        leafHashHex: Buffer.from(hashes.leafHash).toString('hex'),
        payloadJson: hashes.payloadJson,
      },
    );
  }

  #newHead(tenantId: string, heads: Map<string, Head>): Head {
    const head: Head = {
      tenantId,
      seq: 0,
      hash: GENESIS_HASH,
      tree: newTree(),
      pending: 0,
      lastCheckpointAt: this.#clock.now(),
      firstSeq: 1,
    };
    heads.set(tenantId, head);
    return head;
  }

  async #readHeads(db: AuditDb, tenants: readonly string[]): Promise<Map<string, Head>> {
    const heads = new Map<string, Head>();
    for (let i = 0; i < tenants.length; i += LOOKUP_CHUNK) {
      let query = db
        .selectFrom('audit_heads')
        .selectAll()
        .where('tenant_id', 'in', tenants.slice(i, i + LOOKUP_CHUNK));
      // Serialise appenders of one tenant across instances (SQLite has one writer anyway).
      if (this.#database.dialect === 'postgres') query = query.orderBy('tenant_id').forUpdate();
      for (const row of await query.execute()) {
        const seq = readEpochMs(row.seq);
        const peaks = (JSON.parse(row.frontier) as string[]).map((hex) => Buffer.from(hex, 'hex'));
        heads.set(row.tenant_id, {
          tenantId: row.tenant_id,
          seq,
          hash: row.hash,
          tree: newTree(seq, peaks),
          pending: readEpochMs(row.pending),
          lastCheckpointAt: readEpochMs(row.last_checkpoint_at),
          firstSeq: readEpochMs(row.first_seq),
        });
      }
    }
    return heads;
  }

  /** Signs a checkpoint of the tenant's tree as it stands and resets the pending count. */
  #sign(head: Head): Checkpoint {
    const now = this.#clock.now();
    const signed = signCheckpoint(
      {
        tenantId: head.tenantId,
        treeSize: head.seq,
        rootHash: Buffer.from(head.tree.root()).toString('hex'),
        lastSeq: head.seq,
        lastHash: head.hash,
        time: new Date(now).toISOString(),
      },
      this.#key,
    );
    head.pending = 0;
    head.lastCheckpointAt = now;
    return { signed, frontier: frontierJson(head.tree) };
  }
}

/** Completed subtrees are collected on the tree itself and drained after each append. */
const completed = new WeakMap<MerkleAccumulator, CompletedSubtree[]>();

function newTree(size = 0, peaks: readonly Uint8Array[] = []): MerkleAccumulator {
  const found: CompletedSubtree[] = [];
  const options = {
    minLevel: STORED_FROM_LEVEL,
    onSubtree: (s: CompletedSubtree) => found.push(s),
  };
  const tree =
    size === 0 ? new MerkleAccumulator(options) : MerkleAccumulator.restore(size, peaks, options);
  completed.set(tree, found);
  return tree;
}

function drainSubtrees(tree: MerkleAccumulator): CompletedSubtree[] {
  const found = completed.get(tree);
  if (found === undefined || found.length === 0) return [];
  return found.splice(0, found.length);
}

/** Drops records whose source event is already stored, and repeats within the batch. */
async function withoutStored(db: AuditDb, records: readonly AuditRecord[]): Promise<AuditRecord[]> {
  const key = (tenantId: string, sourceEventId: string) => `${tenantId}\u0000${sourceEventId}`;
  const seen = new Set<string>();
  for (let i = 0; i < records.length; i += LOOKUP_CHUNK) {
    const chunk = records.slice(i, i + LOOKUP_CHUNK);
    const stored = await db
      .selectFrom('audit_records')
      .select(['tenant_id', 'source_event_id'])
      .where((eb) =>
        eb(
          eb.refTuple('tenant_id', 'source_event_id'),
          'in',
          chunk.map((r) => eb.tuple(r.tenantId, r.sourceEventId)),
        ),
      )
      .execute();
    for (const row of stored) seen.add(key(row.tenant_id, row.source_event_id));
  }
  return records.filter((r) => {
    const k = key(r.tenantId, r.sourceEventId);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

async function writeHeads(db: AuditDb, heads: readonly Head[]): Promise<void> {
  if (heads.length === 0) return;
  await db
    .insertInto('audit_heads')
    .values(
      heads.map((h) => ({
        tenant_id: h.tenantId,
        seq: h.seq,
        hash: h.hash,
        frontier: frontierJson(h.tree),
        first_seq: h.firstSeq,
        pending: h.pending,
        last_checkpoint_at: h.lastCheckpointAt,
      })),
    )
    .onConflict((oc) =>
      oc.column('tenant_id').doUpdateSet((eb) => ({
        seq: eb.ref('excluded.seq'),
        hash: eb.ref('excluded.hash'),
        frontier: eb.ref('excluded.frontier'),
        pending: eb.ref('excluded.pending'),
        last_checkpoint_at: eb.ref('excluded.last_checkpoint_at'),
      })),
    )
    .execute();
}

function frontierJson(tree: MerkleAccumulator): string {
  return JSON.stringify(tree.peaks.map((p) => Buffer.from(p).toString('hex')));
}

async function insertCheckpoints(
  db: AuditDb,
  checkpoints: readonly Checkpoint[],
  kind: string,
): Promise<void> {
  for (const c of checkpoints) await insertCheckpoint(db, c.signed, kind, c.frontier);
}

/** Stores a checkpoint; a second one at the same tree size (nothing new since) is skipped. */
export async function insertCheckpoint(
  db: AuditDb,
  checkpoint: SignedCheckpoint,
  kind: string,
  frontier: string,
): Promise<void> {
  await db
    .insertInto('audit_checkpoints')
    .values({
      tenant_id: checkpoint.tenantId,
      tree_size: checkpoint.treeSize,
      root_hash: checkpoint.rootHash,
      last_seq: checkpoint.lastSeq,
      last_hash: checkpoint.lastHash,
      time: checkpoint.time,
      key_id: checkpoint.keyId,
      signature: checkpoint.signature,
      kind,
      frontier,
    })
    .onConflict((oc) => oc.columns(['tenant_id', 'tree_size']).doNothing())
    .execute();
}
