/**
 * A {@link SubtreeReader} over what the audit store keeps: every leaf hash (with its record)
 * and the tree's nodes from a stride level up.
 */
import { AuditIntegrityError } from './errors.js';
import { nodeHash } from './hashes.js';
import type { SubtreeReader } from './merkle-proofs.js';

/** What a store offers {@link createSubtreeReader}. */
export interface SubtreeSource {
  /** The leaf hashes of leaves `[from, toExclusive)`, in order (fewer if the tree is smaller). */
  leafHashes(from: number, toExclusive: number): Promise<readonly Uint8Array[]>;
  /** A persisted node's hash, or undefined when it is not stored. */
  storedNode(level: number, index: number): Promise<Uint8Array | undefined>;
  /** The lowest level the store persists (e.g. 8: subtrees of 256 leaves and up). */
  readonly storedFromLevel: number;
}

/** Full blocks of leaves kept computed, so that nearby proofs share one leaf read. */
const CACHED_BLOCKS = 4;

/**
 * A {@link SubtreeReader} over a store: a subtree at or above `storedFromLevel` comes from
 * the stored node, or, when that node is missing, from its two children; one below comes
 * from the aligned block of 2^storedFromLevel leaf hashes holding it, read once and hashed
 * once for every subtree in it (an inclusion proof's low siblings all lie in one block: one
 * leaf read, not one per level). No read touches more than 2^storedFromLevel leaves. The
 * last few complete blocks are cached; a block still being filled is never cached, since
 * leaves appended later complete more of its subtrees.
 *
 * @throws AuditIntegrityError `AUDIT_PROOF_INVALID` (from `subtree`) when the store has
 * fewer leaves than the subtree covers: the proof asked for is past the tree's size.
 */
export function createSubtreeReader(source: SubtreeSource): SubtreeReader {
  const stride = source.storedFromLevel;
  if (!Number.isSafeInteger(stride) || stride < 0 || stride > 30)
    throw new RangeError('storedFromLevel must be an integer from 0 to 30');
  const blocks = new LeafBlocks(source, stride);
  const subtree = async (level: number, index: number): Promise<Uint8Array> => {
    if (level < stride) return blocks.subtree(level, index);
    const stored = await source.storedNode(level, index);
    if (stored !== undefined) return stored;
    if (level === stride) return blocks.subtree(level, index);
    const [left, right] = await Promise.all([
      subtree(level - 1, 2 * index),
      subtree(level - 1, 2 * index + 1),
    ]);
    return nodeHash(left, right);
  };
  return { subtree };
}

/** Levels 0..stride of one block: `levels[l][i]` is its i-th complete subtree of level l. */
type BlockLevels = readonly (readonly Uint8Array[])[];

class LeafBlocks {
  readonly #source: SubtreeSource;
  readonly #stride: number;
  readonly #cache = new Map<number, Promise<BlockLevels>>();

  constructor(source: SubtreeSource, stride: number) {
    this.#source = source;
    this.#stride = stride;
  }

  async subtree(level: number, index: number): Promise<Uint8Array> {
    const perBlock = 2 ** (this.#stride - level);
    const block = Math.floor(index / perBlock);
    const levels = await this.#levels(block);
    const hash = levels[level]?.[index - block * perBlock];
    if (hash === undefined) {
      const from = index * 2 ** level;
      throw new AuditIntegrityError(
        'AUDIT_PROOF_INVALID',
        `the tree has no leaves [${from}, ${from + 2 ** level}): the proof is past its size`,
        { details: { level, index } },
      );
    }
    return hash;
  }

  #levels(block: number): Promise<BlockLevels> {
    const cached = this.#cache.get(block);
    if (cached !== undefined) return cached;
    const loading = this.#load(block);
    this.#cache.set(block, loading);
    // Concurrent reads of one block share this promise; keep it only if the block was full.
    loading.then(
      (levels) => {
        if ((levels[0]?.length ?? 0) < 2 ** this.#stride) this.#cache.delete(block);
      },
      () => this.#cache.delete(block),
    );
    if (this.#cache.size > CACHED_BLOCKS) {
      const oldest = this.#cache.keys().next().value;
      if (oldest !== undefined) this.#cache.delete(oldest);
    }
    return loading;
  }

  async #load(block: number): Promise<BlockLevels> {
    const width = 2 ** this.#stride;
    const leaves = await this.#source.leafHashes(block * width, (block + 1) * width);
    const levels: Uint8Array[][] = [leaves.slice(0, width)];
    for (let level = 1; level <= this.#stride; level++) {
      const below = levels[level - 1] as Uint8Array[];
      const nodes: Uint8Array[] = [];
      for (let i = 0; i + 1 < below.length; i += 2)
        nodes.push(nodeHash(below[i] as Uint8Array, below[i + 1] as Uint8Array));
      levels.push(nodes);
    }
    return levels;
  }
}
