/**
 * RFC 9162 (Certificate Transparency 2.0) Merkle Tree Hash over a tenant's records, built
 * incrementally. Leaf hashes are `SHA-256(0x00 ‖ record)`, nodes `SHA-256(0x01 ‖ l ‖ r)`;
 * a tree of n leaves splits at k, the largest power of two below n.
 */
import { AuditIntegrityError } from './errors.js';
import { HASH_SIZE_BYTES, nodeHash, sha256 } from './hashes.js';

/** MTH of the empty tree: SHA-256 of the empty string (RFC 9162 2.1.1). */
export const EMPTY_TREE_ROOT: Uint8Array = sha256('');

/** A perfect subtree: leaves `[index·2^level, (index+1)·2^level)`. Level 0 is a leaf. */
export interface SubtreeCoordinates {
  readonly level: number;
  readonly index: number;
}

/** A completed perfect subtree and its hash, as {@link MerkleAccumulator} reports it. */
export interface CompletedSubtree extends SubtreeCoordinates {
  readonly hash: Uint8Array;
}

export interface MerkleAccumulatorOptions {
  /** Called for every perfect subtree the appends complete, bottom up. */
  readonly onSubtree?: (subtree: CompletedSubtree) => void;
  /** Only subtrees of this level and above are reported (default 0: every leaf too). */
  readonly minLevel?: number;
}

/** Whether `size` is a tree size Warden can address (a safe non-negative integer). */
export function isTreeSize(size: unknown): size is number {
  return typeof size === 'number' && Number.isSafeInteger(size) && size >= 0;
}

/** The largest power of two strictly below `n` (n >= 2): RFC 9162's split point k. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * The perfect subtrees whose hashes, folded right to left, give the root of a tree of
 * `size` leaves (its "peaks"), left to right: one per set bit of `size`, largest first.
 */
export function peakCoordinates(size: number): SubtreeCoordinates[] {
  assertTreeSize(size, 'size');
  const peaks: SubtreeCoordinates[] = [];
  let start = 0;
  for (let level = Math.floor(Math.log2(Math.max(size, 1))) + 1; level >= 0; level--) {
    const width = 2 ** level;
    if (size - start >= width) {
      peaks.push({ level, index: start / width });
      start += width;
    }
  }
  return peaks;
}

/** Folds peak hashes (left to right) into the tree's root: node(p0, node(p1, … pn)). */
export function foldPeaks(peaks: readonly Uint8Array[]): Uint8Array {
  let root = peaks[peaks.length - 1];
  if (root === undefined) return EMPTY_TREE_ROOT;
  for (let i = peaks.length - 2; i >= 0; i--) root = nodeHash(peaks[i] as Uint8Array, root);
  return root;
}

/**
 * Appends leaf hashes one at a time and knows the tree's root at every size, in O(log n)
 * memory (one hash per set bit of the size). Each append reports the perfect subtrees it
 * completes, so a store can persist the upper levels of the tree (those at or above a
 * stride) and answer proofs from them plus the leaf hashes it keeps with its records.
 *
 * @example
 * const tree = new MerkleAccumulator({ minLevel: 8, onSubtree: (s) => nodes.push(s) });
 * tree.append(leafHash(canonicalRecordJson(record)));
 * tree.root(); // signed in the next checkpoint
 */
export class MerkleAccumulator {
  readonly #peaks: Uint8Array[];
  readonly #onSubtree: ((subtree: CompletedSubtree) => void) | undefined;
  readonly #minLevel: number;
  #size: number;

  constructor(options: MerkleAccumulatorOptions = {}) {
    this.#peaks = [];
    this.#size = 0;
    this.#onSubtree = options.onSubtree;
    this.#minLevel = options.minLevel ?? 0;
  }

  /**
   * An accumulator holding a tree of `size` leaves, from its peak hashes (left to right, as
   * {@link peakCoordinates} lists them): how a store resumes after a restart.
   *
   * @throws AuditIntegrityError `AUDIT_PROOF_INVALID` when the peaks do not fit `size`.
   */
  static restore(
    size: number,
    peaks: readonly Uint8Array[],
    options: MerkleAccumulatorOptions = {},
  ): MerkleAccumulator {
    assertTreeSize(size, 'size');
    const expected = peakCoordinates(size).length;
    if (peaks.length !== expected || peaks.some((p) => p.length !== HASH_SIZE_BYTES))
      throw new AuditIntegrityError(
        'AUDIT_PROOF_INVALID',
        `a tree of ${size} leaves has ${expected} peaks of ${HASH_SIZE_BYTES} bytes`,
        { details: { size, peaks: peaks.length } },
      );
    const accumulator = new MerkleAccumulator(options);
    accumulator.#size = size;
    for (const peak of peaks) accumulator.#peaks.push(Uint8Array.from(peak));
    return accumulator;
  }

  /** Leaves appended so far. */
  get size(): number {
    return this.#size;
  }

  /** Copies of the current peak hashes, left to right (what {@link restore} takes). */
  get peaks(): Uint8Array[] {
    return this.#peaks.map((peak) => Uint8Array.from(peak));
  }

  /** Appends the next leaf hash (32 bytes) and reports the subtrees it completes. */
  append(leaf: Uint8Array): void {
    if (leaf.length !== HASH_SIZE_BYTES) throw new RangeError('a leaf hash is 32 bytes');
    let hash: Uint8Array = Uint8Array.from(leaf);
    let level = 0;
    let index = this.#size;
    this.#report(level, index, hash);
    while (index % 2 === 1) {
      hash = nodeHash(this.#peaks.pop() as Uint8Array, hash);
      level++;
      index = (index - 1) / 2;
      this.#report(level, index, hash);
    }
    this.#peaks.push(hash);
    this.#size++;
  }

  /** The Merkle Tree Hash of the leaves appended so far ({@link EMPTY_TREE_ROOT} for none). */
  root(): Uint8Array {
    return foldPeaks(this.#peaks);
  }

  #report(level: number, index: number, hash: Uint8Array): void {
    if (this.#onSubtree !== undefined && level >= this.#minLevel)
      this.#onSubtree({ level, index, hash });
  }
}

/** The RFC 9162 Merkle Tree Hash of a list of leaf hashes, in O(log n) extra memory. */
export function merkleTreeHash(leafHashes: Iterable<Uint8Array>): Uint8Array {
  const accumulator = new MerkleAccumulator();
  for (const leaf of leafHashes) accumulator.append(leaf);
  return accumulator.root();
}

/** @throws AuditIntegrityError `AUDIT_PROOF_INVALID` unless `value` is a tree size. */
export function assertTreeSize(value: unknown, name: string): asserts value is number {
  if (!isTreeSize(value))
    throw new AuditIntegrityError(
      'AUDIT_PROOF_INVALID',
      `${name} must be a non-negative safe integer`,
      { details: { [name]: typeof value === 'number' ? value : typeof value } },
    );
}
