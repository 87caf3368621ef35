import type { Insertable } from 'kysely';
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
import { recordToRow } from './audit-rows.js';
import type { AuditTables } from './audit-tables.js';

/** Subtrees of 2^8 = 256 leaves and up are stored; proofs read at most 256 leaf hashes. */
export const STORED_FROM_LEVEL = 8;
const INSERT_CHUNK = 400;

export interface CheckpointPolicy {
  /** Sign a checkpoint after this many new records of a tenant (default 1,000). */
  readonly everyRecords: number;
  /** … or when this long has passed since the last one and there are new records (default 60 s). */
  readonly everyMs: number;
}

export interface PendingCheckpoints {
  readonly checkpointed: number;
  /** Tenants whose head could not be read (damaged): run `verify` on them. */
  readonly failed: readonly string[];
}

export interface AppendResult {
  readonly appended: number;
  /** Records whose source event was already stored (redelivery): skipped, not duplicated. */
  readonly duplicates: number;
}

interface Head {
  seq: number;
  hash: string;
  tree: MerkleAccumulator;
  nodes: CompletedSubtree[];
  pending: number;
  lastCheckpointAt: number;
  exists: boolean;
}

/**
 * Appends audit records to each tenant's hash chain and Merkle tree, idempotently by source
 * event id, signing checkpoints as the policy says. One transaction per batch: a batch is
 * stored whole or not at all, so a redelivered batch finds either nothing or everything.
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
    const byTenant = new Map<string, AuditRecord[]>();
    for (const record of records) {
      const list = byTenant.get(record.tenantId);
      if (list === undefined) byTenant.set(record.tenantId, [record]);
      else list.push(record);
    }
    return this.#database.transaction(async (trx) => {
      const db = trx as unknown as AuditDb;
      let appended = 0;
      for (const [tenantId, list] of byTenant)
        appended += await this.#appendTenant(db, tenantId, list);
      return { appended, duplicates: records.length - appended };
    });
  }

  /** Signs a checkpoint for every tenant with records since its last one (the timer's job). */
  async checkpointPending(): Promise<PendingCheckpoints> {
    const db = this.#database.kysely as AuditDb;
    const tenants = await db
      .selectFrom('audit_heads')
      .select('tenant_id')
      .where('pending', '>', 0)
      .execute();
    const result = { checkpointed: 0, failed: [] as string[] };
    // One transaction per tenant: a tenant whose head is damaged must not stop the others.
    for (const { tenant_id } of tenants) {
      try {
        await this.#database.transaction(async (trx) => {
          const tx = trx as unknown as AuditDb;
          const head = await this.#readHead(tx, tenant_id);
          if (head.pending === 0) return;
          const checkpoint = this.#sign(tenant_id, head);
          await insertCheckpoint(tx, checkpoint.signed, 'periodic', checkpoint.frontier);
          await this.#writeHead(tx, tenant_id, head);
        });
        result.checkpointed++;
      } catch {
        result.failed.push(tenant_id); // `verify` names what is wrong with it
      }
    }
    return result;
  }

  async #appendTenant(
    db: AuditDb,
    tenantId: string,
    records: readonly AuditRecord[],
  ): Promise<number> {
    const head = await this.#readHead(db, tenantId);
    const fresh = await this.#withoutStored(db, tenantId, records);
    if (fresh.length === 0) return 0;
    const now = this.#clock.now();
    const rows: Insertable<AuditTables['audit_records']>[] = [];
    const checkpoints: Checkpoint[] = [];
    for (const record of fresh) {
      const unhashed = { ...record, seq: head.seq + 1, prevHash: head.hash, recordedAt: now };
      const hashes = hashRecord(unhashed);
      head.tree.append(hashes.leafHash);
      head.seq = unhashed.seq;
      head.hash = hashes.hash;
      head.pending++;
      rows.push(
        recordToRow(
          { ...unhashed, hash: hashes.hash },
          Buffer.from(hashes.leafHash).toString('hex'),
        ),
      );
      // Checkpoints fall on exact multiples of the policy, whatever the batch sizes were.
      if (head.pending >= this.#policy.everyRecords) checkpoints.push(this.#sign(tenantId, head));
    }
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
      await db
        .insertInto('audit_records')
        .values(rows.slice(i, i + INSERT_CHUNK))
        .execute();
    }
    await this.#writeNodes(db, tenantId, head.nodes);
    if (head.pending > 0 && now - head.lastCheckpointAt >= this.#policy.everyMs) {
      checkpoints.push(this.#sign(tenantId, head));
    }
    for (const checkpoint of checkpoints)
      await insertCheckpoint(db, checkpoint.signed, 'periodic', checkpoint.frontier);
    await this.#writeHead(db, tenantId, head);
    return fresh.length;
  }

  /** Drops records whose source event is already stored, and repeats within the batch. */
  async #withoutStored(
    db: AuditDb,
    tenantId: string,
    records: readonly AuditRecord[],
  ): Promise<AuditRecord[]> {
    const seen = new Set<string>();
    for (let i = 0; i < records.length; i += INSERT_CHUNK) {
      const ids = records.slice(i, i + INSERT_CHUNK).map((r) => r.sourceEventId);
      const stored = await db
        .selectFrom('audit_records')
        .select('source_event_id')
        .where('tenant_id', '=', tenantId)
        .where('source_event_id', 'in', ids)
        .execute();
      for (const row of stored) seen.add(row.source_event_id);
    }
    return records.filter((r) => {
      if (seen.has(r.sourceEventId)) return false;
      seen.add(r.sourceEventId);
      return true;
    });
  }

  async #readHead(db: AuditDb, tenantId: string): Promise<Head> {
    let query = db.selectFrom('audit_heads').selectAll().where('tenant_id', '=', tenantId);
    // Serialise appenders of one tenant across instances (SQLite has one writer anyway).
    if (this.#database.dialect === 'postgres') query = query.forUpdate();
    const row = await query.executeTakeFirst();
    const nodes: CompletedSubtree[] = [];
    const options = {
      minLevel: STORED_FROM_LEVEL,
      onSubtree: (s: CompletedSubtree) => nodes.push(s),
    };
    if (row === undefined) {
      return {
        seq: 0,
        hash: GENESIS_HASH,
        tree: new MerkleAccumulator(options),
        nodes,
        pending: 0,
        lastCheckpointAt: this.#clock.now(),
        exists: false,
      };
    }
    const seq = readEpochMs(row.seq);
    const peaks = (JSON.parse(row.frontier) as string[]).map((hex) => Buffer.from(hex, 'hex'));
    return {
      seq,
      hash: row.hash,
      tree: MerkleAccumulator.restore(seq, peaks, options),
      nodes,
      pending: readEpochMs(row.pending),
      lastCheckpointAt: readEpochMs(row.last_checkpoint_at),
      exists: true,
    };
  }

  async #writeHead(db: AuditDb, tenantId: string, head: Head): Promise<void> {
    const values = {
      seq: head.seq,
      hash: head.hash,
      frontier: frontierJson(head.tree),
      pending: head.pending,
      last_checkpoint_at: head.lastCheckpointAt,
    };
    if (head.exists) {
      await db.updateTable('audit_heads').set(values).where('tenant_id', '=', tenantId).execute();
    } else {
      await db
        .insertInto('audit_heads')
        .values({ tenant_id: tenantId, first_seq: 1, ...values })
        .execute();
      head.exists = true;
    }
  }

  async #writeNodes(db: AuditDb, tenantId: string, nodes: CompletedSubtree[]): Promise<void> {
    if (nodes.length === 0) return;
    const rows = nodes.map((n) => ({
      tenant_id: tenantId,
      level: n.level,
      idx: n.index,
      hash: Buffer.from(n.hash).toString('hex'),
    }));
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
      await db
        .insertInto('audit_tree_nodes')
        .values(rows.slice(i, i + INSERT_CHUNK))
        .execute();
    }
    nodes.length = 0;
  }

  /** Signs a checkpoint of the tenant's tree as it stands and resets the pending count. */
  #sign(tenantId: string, head: Head): Checkpoint {
    const now = this.#clock.now();
    const signed = signCheckpoint(
      {
        tenantId,
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

/** A signed checkpoint and the tree's peaks at it (kept so verification can resume there). */
interface Checkpoint {
  readonly signed: SignedCheckpoint;
  readonly frontier: string;
}

function frontierJson(tree: MerkleAccumulator): string {
  return JSON.stringify(tree.peaks.map((p) => Buffer.from(p).toString('hex')));
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
