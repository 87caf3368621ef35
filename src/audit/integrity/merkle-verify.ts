/**
 * The RFC 9162 proof verifiers (2.1.3.2 inclusion, 2.1.4.2 consistency): pure functions
 * that need nothing but the hashes, for verifying offline.
 */
import { HASH_SIZE_BYTES, nodeHash } from './hashes.js';
import { isTreeSize } from './merkle.js';

function isHash(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array && value.length === HASH_SIZE_BYTES;
}

function areHashes(values: unknown): values is readonly Uint8Array[] {
  return Array.isArray(values) && values.every(isHash);
}

/** Byte equality (hashes here are public: no constant-time comparison needed). */
export function equalHashes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

// Sizes can exceed 2^32, so halving uses division rather than `>>`.
const half = (n: number): number => Math.floor(n / 2);
const isOdd = (n: number): boolean => n % 2 === 1;

function isPowerOfTwo(n: number): boolean {
  let m = n;
  while (m > 1 && !isOdd(m)) m /= 2;
  return m === 1;
}

/**
 * Whether `proof` shows the leaf `leafHash` at `index` in the tree of `size` leaves whose
 * root is `root` (RFC 9162 2.1.3.2). Malformed input (sizes out of range, hashes not 32
 * bytes) is simply not a proof: it returns false and never throws.
 */
export function verifyInclusion(
  leafHash: Uint8Array,
  index: number,
  size: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  if (!isTreeSize(index) || !isTreeSize(size) || index >= size) return false;
  if (!isHash(leafHash) || !isHash(root) || !areHashes(proof)) return false;
  let fn = index;
  let sn = size - 1;
  let r = leafHash;
  for (const p of proof) {
    if (sn === 0) return false;
    if (isOdd(fn) || fn === sn) {
      r = nodeHash(p, r);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && equalHashes(r, root);
}

/**
 * Whether `proof` shows the tree of `oldSize` leaves with root `oldRoot` to be a prefix of
 * the tree of `newSize` leaves with root `newRoot` (RFC 9162 2.1.4.2). Equal sizes need an
 * empty proof and equal roots; an old size of 0 is a prefix of every tree (empty proof).
 * Malformed input returns false; it never throws.
 */
export function verifyConsistency(
  oldSize: number,
  newSize: number,
  oldRoot: Uint8Array,
  newRoot: Uint8Array,
  proof: readonly Uint8Array[],
): boolean {
  if (!isTreeSize(oldSize) || !isTreeSize(newSize) || oldSize > newSize) return false;
  if (!isHash(oldRoot) || !isHash(newRoot) || !areHashes(proof)) return false;
  if (oldSize === 0) return proof.length === 0;
  if (oldSize === newSize) return proof.length === 0 && equalHashes(oldRoot, newRoot);
  if (proof.length === 0) return false;
  return consistencyPathHolds(oldSize, newSize, oldRoot, newRoot, proof);
}

/** Steps 2 to 7 of RFC 9162 2.1.4.2, for 0 < oldSize < newSize and a non-empty proof. */
function consistencyPathHolds(
  oldSize: number,
  newSize: number,
  oldRoot: Uint8Array,
  newRoot: Uint8Array,
  proof: readonly Uint8Array[],
): boolean {
  const path = isPowerOfTwo(oldSize) ? [oldRoot, ...proof] : proof;
  let fn = oldSize - 1;
  let sn = newSize - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0] as Uint8Array;
  let sr = fr;
  for (let i = 1; i < path.length; i++) {
    const c = path[i] as Uint8Array;
    if (sn === 0) return false;
    if (isOdd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && equalHashes(fr, oldRoot) && equalHashes(sr, newRoot);
}
