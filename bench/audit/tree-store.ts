/**
 * An in-memory stand-in for the audit store's Merkle tree: every leaf hash kept (as the store
 * keeps one with each record) and the nodes the accumulator completes from a stride level
 * up (as the store persists them), answered through `createSubtreeReader`.
 */
import { hash } from 'node:crypto';
import { createSubtreeReader, MerkleAccumulator } from '../../dist/audit/integrity/index.js';
import type { SubtreeReader } from '../../dist/audit/integrity/index.js';

export interface TreeStore {
  readonly size: number;
  readonly stride: number;
  readonly root: Uint8Array;
  readonly storedNodes: number;
  readonly reader: SubtreeReader;
  leaf(index: number): Uint8Array;
  /** Seconds spent appending every leaf to the accumulator (node hashing included). */
  readonly buildSeconds: number;
}

const HASH = 32;
/** Node keys: level in the high bits, index below (indexes stay under 2^40 here). */
const nodeKey = (level: number, index: number) => level * 2 ** 40 + index;

/** Leaf hashes of a seeded tree: leaf i is SHA-256 of its decimal index (fast to make). */
function makeLeaves(size: number): Buffer {
  const leaves = Buffer.allocUnsafe(size * HASH);
  for (let i = 0; i < size; i++) leaves.write(hash('sha256', String(i), 'hex'), i * HASH, 'hex');
  return leaves;
}

/** Builds a tree of `size` leaves whose nodes from level `stride` up are "persisted". */
export function buildTreeStore(size: number, stride: number): TreeStore {
  const leaves = makeLeaves(size);
  const leaf = (index: number) => leaves.subarray(index * HASH, (index + 1) * HASH);
  const nodes = new Map<number, Uint8Array>();
  const accumulator = new MerkleAccumulator({
    minLevel: stride,
    onSubtree: (s) => nodes.set(nodeKey(s.level, s.index), s.hash),
  });
  const started = performance.now();
  for (let i = 0; i < size; i++) accumulator.append(leaf(i));
  const buildSeconds = (performance.now() - started) / 1000;
  const reader = createSubtreeReader({
    storedFromLevel: stride,
    leafHashes(from, to) {
      const out: Uint8Array[] = [];
      for (let i = from; i < Math.min(to, size); i++) out.push(leaf(i));
      return Promise.resolve(out);
    },
    storedNode: (level, index) => Promise.resolve(nodes.get(nodeKey(level, index))),
  });
  return {
    size,
    stride,
    root: accumulator.root(),
    storedNodes: nodes.size,
    reader,
    leaf,
    buildSeconds,
  };
}
