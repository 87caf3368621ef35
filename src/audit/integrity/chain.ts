/**
 * Streaming verification of a tenant's hash chain: each record's `seq` follows the previous
 * one, its `prevHash` is the previous record's `hash`, and its `hash` is the chain hash of
 * its own content.
 */
import { canonicalRecordJson, canonicalRowJson } from './canonical.js';
import type { CanonicalAuditRecord, CanonicalAuditRow } from './canonical.js';
import { GENESIS_HASH, isHexHash, leafHashHex, unsafeChainHash } from './hashes.js';

/**
 * A record as the verifier reads it, `hash` included: with its payload parsed (`payload`), or
 * as a row holding the payload's canonical JSON text (`payloadJson`), which is faster.
 */
export type ChainRecord =
  | (CanonicalAuditRecord & { readonly hash: string })
  | (CanonicalAuditRow & { readonly hash: string });

type ChainLink = Pick<CanonicalAuditRecord, 'seq' | 'prevHash' | 'id'> & { readonly hash: string };

/** What can be wrong with a record, in the order the verifier checks. */
export const CHAIN_FINDING_KINDS = [
  /** `seq` is past the next one: records are missing before it (deleted). */
  'gap',
  /** `seq` is at or before the previous one: reordered, duplicated or re-inserted. */
  'out_of_order',
  /** `prevHash` is not the previous record's `hash`: deleted, inserted or reordered. */
  'broken_link',
  /** `hash` does not match the record's content: the record was modified. */
  'modified',
] as const;
export type ChainFindingKind = (typeof CHAIN_FINDING_KINDS)[number];

/** The first problem found at one record. */
export interface ChainFinding {
  readonly kind: ChainFindingKind;
  /** The `seq` the offending record carries. */
  readonly seq: number;
  /** The `seq` the verifier expected there (previous + 1). */
  readonly expectedSeq: number;
  /** The offending record's `id`. */
  readonly recordId: string;
}

/** A point in a chain: a record's `seq` and `hash` (genesis: seq 0, {@link GENESIS_HASH}). */
export interface ChainPosition {
  readonly seq: number;
  readonly hash: string;
}

/** Where a tenant's chain starts. */
export const GENESIS_POSITION: ChainPosition = Object.freeze({ seq: 0, hash: GENESIS_HASH });

/**
 * Checks records of one tenant pushed in `seq` order, one at a time, in O(1) memory (the
 * store pushes page after page). After a finding it carries on from the offending record,
 * so later pushes report later, independent problems.
 *
 * @example
 * const verifier = new ChainVerifier(); // from genesis
 * for (const record of page) { const finding = verifier.push(record); if (finding) return finding; }
 */
export class ChainVerifier {
  #expectedSeq: number;
  #prevHash: string;
  #count = 0;
  #firstFinding: ChainFinding | null = null;

  /**
   * @param start the last record already trusted (default: genesis).
   * @throws TypeError when `start` is not a non-negative safe integer and a hex hash.
   */
  constructor(start: ChainPosition = GENESIS_POSITION) {
    if (!Number.isSafeInteger(start.seq) || start.seq < 0 || !isHexHash(start.hash))
      throw new TypeError('a chain position is a non-negative integer seq and a hex hash');
    this.#expectedSeq = start.seq + 1;
    this.#prevHash = start.hash;
  }

  /** Checks the next record; returns what is wrong with it, or null when it is intact. */
  push(record: ChainRecord): ChainFinding | null {
    const finding = this.#linkFinding(record) ?? this.#contentFinding(record);
    this.#count++;
    if (finding === null) {
      this.#expectedSeq++;
      this.#prevHash = record.hash;
      return null;
    }
    this.#firstFinding ??= finding;
    this.#resyncAfter(record);
    return finding;
  }

  /** Carries on from an offending record, so that a later finding is independent of it. */
  #resyncAfter(record: ChainLink): void {
    this.#expectedSeq = Number.isSafeInteger(record.seq) ? record.seq + 1 : this.#expectedSeq + 1;
    // A malformed hash cannot be linked to; the next record then shows a broken link.
    this.#prevHash = isHexHash(record.hash) ? record.hash : GENESIS_HASH;
  }

  /** Records pushed so far. */
  get count(): number {
    return this.#count;
  }

  /** The first finding of all pushes, or null while every record was intact. */
  get firstFinding(): ChainFinding | null {
    return this.#firstFinding;
  }

  /** The position after the last pushed record (where the next push is checked from). */
  get head(): ChainPosition {
    return { seq: this.#expectedSeq - 1, hash: this.#prevHash };
  }

  /** The sequence and link checks, or null when both hold. */
  #linkFinding(record: ChainLink): ChainFinding | null {
    const expectedSeq = this.#expectedSeq;
    const seq = record.seq;
    if (seq !== expectedSeq) {
      const kind = seq > expectedSeq ? 'gap' : 'out_of_order';
      return { kind, seq, expectedSeq, recordId: record.id };
    }
    if (record.prevHash !== this.#prevHash)
      return { kind: 'broken_link', seq, expectedSeq, recordId: record.id };
    return null;
  }

  /** The content check, once the link holds (so prevHash is the previous, valid, hash). */
  #contentFinding(record: ChainRecord): ChainFinding | null {
    const canonical =
      'payloadJson' in record ? canonicalRowJson(record) : canonicalRecordJson(record);
    if (unsafeChainHash(this.#prevHash, leafHashHex(canonical)) === record.hash) return null;
    return { kind: 'modified', seq: record.seq, expectedSeq: record.seq, recordId: record.id };
  }
}

/** The outcome of verifying a run of records. */
export type ChainVerification =
  | { readonly kind: 'intact'; readonly count: number; readonly head: ChainPosition }
  | { readonly kind: 'broken'; readonly count: number; readonly finding: ChainFinding };

/**
 * Verifies records of one tenant in `seq` order from `start` (default genesis) and stops at
 * the first finding. `count` is the number of records read, the offending one included.
 */
export function verifyChain(
  records: Iterable<ChainRecord>,
  start: ChainPosition = GENESIS_POSITION,
): ChainVerification {
  const verifier = new ChainVerifier(start);
  for (const record of records) {
    const finding = verifier.push(record);
    if (finding !== null) return { kind: 'broken', count: verifier.count, finding };
  }
  return { kind: 'intact', count: verifier.count, head: verifier.head };
}

/** {@link verifyChain} over an async source (a store reading page after page). */
export async function verifyChainAsync(
  records: AsyncIterable<ChainRecord> | Iterable<ChainRecord>,
  start: ChainPosition = GENESIS_POSITION,
): Promise<ChainVerification> {
  const verifier = new ChainVerifier(start);
  for await (const record of records) {
    const finding = verifier.push(record);
    if (finding !== null) return { kind: 'broken', count: verifier.count, finding };
  }
  return { kind: 'intact', count: verifier.count, head: verifier.head };
}
