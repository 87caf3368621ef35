/**
 * The audit store's tables. `audit_records` is append-only (database triggers); rows leave
 * only through retention. Times are epoch ms BIGINT (read with `readEpochMs`), hashes hex.
 */
export interface AuditTables {
  audit_records: {
    tenant_id: string;
    seq: number | string;
    id: string;
    source_event_id: string;
    action: string;
    actor_user: string | null;
    actor_ip: string | null;
    actor_user_agent: string | null;
    target_resource: string | null;
    target_resource_id: string | null;
    outcome: string;
    entity_id: string | null;
    correlation_id: string | null;
    source: string;
    time: string;
    time_ms: number | string;
    source_channel: string;
    payload: string;
    prev_hash: string;
    hash: string;
    leaf_hash: string;
    recorded_at: number | string;
  };
  /** Per tenant: the chain head, the Merkle frontier, and where retention cut. */
  audit_heads: {
    tenant_id: string;
    seq: number | string;
    hash: string;
    frontier: string;
    first_seq: number | string;
    pending: number | string;
    last_checkpoint_at: number | string;
  };
  /** Perfect Merkle subtrees of 2^6 leaves and up (2^8 in stores written before), so proofs read at most 64 leaves. */
  audit_tree_nodes: { tenant_id: string; level: number; idx: number | string; hash: string };
  audit_checkpoints: {
    tenant_id: string;
    tree_size: number | string;
    root_hash: string;
    last_seq: number | string;
    last_hash: string;
    time: string;
    key_id: string;
    signature: string;
    kind: string;
    frontier: string;
  };
  /** SQLite only: the retention job opens it inside its transaction to let deletes through. */
  audit_gate: { id: number; retention_open: number };
}
