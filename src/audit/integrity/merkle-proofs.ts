/**
 * RFC 9162 inclusion proofs (2.1.3.1) and consistency proofs (2.1.4.1), built over a
 * {@link SubtreeReader} so that a store answers them from the tree nodes it persisted.
 */
import { AuditIntegrityError } from './errors.js';
import { assertTreeSize, EMPTY_TREE_ROOT, foldPeaks, splitPoint } from './merkle.js';

// Kept importable from here, where it was first defined.
export { createSubtreeReader } from './subtree-reader.js';
export type { SubtreeSource } from './subtree-reader.js';

/**
 * Reads the hash of a perfect subtree: leaves `[index·2^level, (index+1)·2^level)`. A store
 * implements it with `createSubtreeReader`.
 */
export interface SubtreeReader {
  subtree(level: number, index: number): Promise<Uint8Array>;
}

/**
 * MTH of leaves `[from, to)`, where `from` is a multiple of the smallest power of two
 * >= `to - from` (true of every range RFC 9162's recursion visits): the fold of the range's
 * perfect subtrees, read concurrently.
 */
async function rangeRoot(from: number, to: number, reader: SubtreeReader): Promise<Uint8Array> {
  if (to === from) return EMPTY_TREE_ROOT;
  const reads: Promise<Uint8Array>[] = [];
  let start = from;
  while (start < to) {
    let width = 1;
    while (width * 2 <= to - start) width *= 2;
    reads.push(reader.subtree(Math.log2(width), start / width));
    start += width;
  }
  return foldPeaks(await Promise.all(reads));
}

/** The root of the tree's first `size` leaves. */
export async function rootAt(size: number, reader: SubtreeReader): Promise<Uint8Array> {
  assertTreeSize(size, 'size');
  return rangeRoot(0, size, reader);
}

/**
 * The RFC 9162 inclusion proof (audit path) of leaf `index` in the tree of `size` leaves:
 * sibling hashes from the leaf up. About log2(size) subtree reads, made concurrently.
 *
 * @throws AuditIntegrityError `AUDIT_PROOF_INVALID` unless 0 <= index < size.
 */
export async function inclusionProof(
  index: number,
  size: number,
  reader: SubtreeReader,
): Promise<Uint8Array[]> {
  assertTreeSize(index, 'index');
  assertTreeSize(size, 'size');
  if (index >= size)
    throw new AuditIntegrityError('AUDIT_PROOF_INVALID', 'the leaf index must be below the size', {
      details: { index, size },
    });
  const path: Promise<Uint8Array>[] = [];
  let from = 0;
  let to = size;
  while (to - from > 1) {
    const k = splitPoint(to - from);
    if (index < from + k) {
      path.push(rangeRoot(from + k, to, reader));
      to = from + k;
    } else {
      path.push(reader.subtree(Math.log2(k), from / k));
      from += k;
    }
  }
  return (await Promise.all(path)).reverse();
}

/**
 * The RFC 9162 consistency proof that the tree of `oldSize` leaves is a prefix of the tree
 * of `newSize` leaves. Empty when `oldSize` is 0 or equal to `newSize`.
 *
 * @throws AuditIntegrityError `AUDIT_PROOF_INVALID` unless 0 <= oldSize <= newSize.
 */
export async function consistencyProof(
  oldSize: number,
  newSize: number,
  reader: SubtreeReader,
): Promise<Uint8Array[]> {
  assertTreeSize(oldSize, 'oldSize');
  assertTreeSize(newSize, 'newSize');
  if (oldSize > newSize)
    throw new AuditIntegrityError('AUDIT_PROOF_INVALID', 'the old size must not exceed the new', {
      details: { oldSize, newSize },
    });
  if (oldSize === 0 || oldSize === newSize) return [];
  const proof: Promise<Uint8Array>[] = [];
  let from = 0;
  let to = newSize;
  let wholeOldTree = true;
  // SUBPROOF(m, D[from:to], b) of RFC 9162 2.1.4.1, unrolled; `oldSize` is m in absolute terms.
  while (oldSize !== to) {
    const k = splitPoint(to - from);
    if (oldSize <= from + k) {
      proof.push(rangeRoot(from + k, to, reader));
      to = from + k;
    } else {
      proof.push(reader.subtree(Math.log2(k), from / k));
      from += k;
      wholeOldTree = false;
    }
  }
  if (!wholeOldTree) proof.push(rangeRoot(from, to, reader));
  return (await Promise.all(proof)).reverse();
}
