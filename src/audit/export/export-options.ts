import type { StoredAuditRecord } from '../record.js';

/** A Merkle inclusion proof of one record, as `src/audit/integrity/` makes it. */
export interface ExportInclusionProof {
  /** 0-based leaf index of the record in its tenant's tree (`seq - 1`). */
  readonly leafIndex: number;
  /** Sibling hashes (hex) from the leaf up to the root the checkpoint signs. */
  readonly proof: readonly string[];
}

/** Proofs to interleave with an export, all against one checkpoint. */
export interface ExportProofs {
  /** The proof of `record` against `checkpoint`, or null when it has none (not yet covered). */
  readonly proofs: (record: StoredAuditRecord) => Promise<ExportInclusionProof | null>;
  /** The signed checkpoint the proofs lead to (a JSON value, written as is after the records). */
  readonly checkpoint: unknown;
}

export interface ExportOptions {
  /** Interleave inclusion proofs and end with the checkpoint (docs/audit.md, "Proofs in exports"). */
  readonly proofs?: ExportProofs;
}

/** Records to export: any (async) iterable, read one record at a time. */
export type AuditRecordSource = AsyncIterable<StoredAuditRecord> | Iterable<StoredAuditRecord>;

/** Output chunks are joined up to about this many characters (fewer, larger writes). */
export const EXPORT_CHUNK_CHARS = 16 * 1024;

/** The proof as written in an export (`warden_proof`): null when the record has none. */
export function proofJson(
  proof: ExportInclusionProof | null,
): { leafIndex: number; proof: string[] } | null {
  return proof === null ? null : { leafIndex: proof.leafIndex, proof: [...proof.proof] };
}

/**
 * Joins small string pieces into chunks of about `EXPORT_CHUNK_CHARS`: at most one chunk is
 * held at a time, so memory stays bounded whatever the export's length.
 */
export async function* coalesce(pieces: AsyncIterable<string>): AsyncGenerator<string> {
  let buffer = '';
  for await (const piece of pieces) {
    buffer += piece;
    if (buffer.length >= EXPORT_CHUNK_CHARS) {
      yield buffer;
      buffer = '';
    }
  }
  if (buffer.length > 0) yield buffer;
}
