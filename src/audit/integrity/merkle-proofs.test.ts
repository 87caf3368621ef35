import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { leafHash, nodeHash, sha256 } from './hashes.js';
import { MerkleAccumulator, merkleTreeHash } from './merkle.js';
import { consistencyProof, inclusionProof, rootAt } from './merkle-proofs.js';
import type { SubtreeReader } from './merkle-proofs.js';
import { createSubtreeReader } from './subtree-reader.js';
import type { SubtreeSource } from './subtree-reader.js';
import { verifyConsistency, verifyInclusion } from './merkle-verify.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const fromHex = (text: string) => new Uint8Array(Buffer.from(text, 'hex'));
const leaves = (count: number) => Array.from({ length: count }, (_, i) => leafHash(`entry ${i}`));

function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** RFC 9162 2.1.1 MTH, as written. */
function naiveTreeHash(d: readonly Uint8Array[]): Uint8Array {
  if (d.length === 0) return sha256('');
  if (d.length === 1) return d[0] as Uint8Array;
  const k = largestPowerOfTwoBelow(d.length);
  return nodeHash(naiveTreeHash(d.slice(0, k)), naiveTreeHash(d.slice(k)));
}

/** RFC 9162 2.1.3.1 PATH(m, D[n]), as written. */
function naivePath(m: number, d: readonly Uint8Array[]): Uint8Array[] {
  if (d.length <= 1) return [];
  const k = largestPowerOfTwoBelow(d.length);
  return m < k
    ? [...naivePath(m, d.slice(0, k)), naiveTreeHash(d.slice(k))]
    : [...naivePath(m - k, d.slice(k)), naiveTreeHash(d.slice(0, k))];
}

/** RFC 9162 2.1.4.1 SUBPROOF(m, D[n], b), as written. */
function naiveSubproof(m: number, d: readonly Uint8Array[], b: boolean): Uint8Array[] {
  if (m === d.length) return b ? [] : [naiveTreeHash(d)];
  const k = largestPowerOfTwoBelow(d.length);
  return m <= k
    ? [...naiveSubproof(m, d.slice(0, k), b), naiveTreeHash(d.slice(k))]
    : [...naiveSubproof(m - k, d.slice(k), false), naiveTreeHash(d.slice(0, k))];
}

/** A reader computing every subtree from the leaves (memoised). */
function leafReader(all: readonly Uint8Array[]): SubtreeReader {
  const memo = new Map<string, Uint8Array>();
  return {
    subtree(level, index) {
      const key = `${level}/${index}`;
      let hash = memo.get(key);
      if (hash === undefined) {
        const width = 2 ** level;
        const slice = all.slice(index * width, (index + 1) * width);
        if (slice.length !== width) throw new Error(`subtree ${key} is past the tree`);
        hash = naiveTreeHash(slice);
        memo.set(key, hash);
      }
      return Promise.resolve(hash);
    },
  };
}

/** A store as the audit store works: leaf hashes kept, nodes persisted from `stride` up. */
function storeOf(all: readonly Uint8Array[], stride: number) {
  const nodes = new Map<string, Uint8Array>();
  const reads = { leaves: 0, leafCalls: 0, nodes: 0, maxLeavesPerRead: 0 };
  const tree = new MerkleAccumulator({
    minLevel: stride,
    onSubtree: (s) => nodes.set(`${s.level}/${s.index}`, s.hash),
  });
  for (const leaf of all) tree.append(leaf);
  const source: SubtreeSource = {
    storedFromLevel: stride,
    async leafHashes(from, to) {
      const slice = all.slice(from, to);
      reads.leafCalls++;
      reads.leaves += slice.length;
      reads.maxLeavesPerRead = Math.max(reads.maxLeavesPerRead, slice.length);
      return slice;
    },
    async storedNode(level, index) {
      reads.nodes++;
      return nodes.get(`${level}/${index}`);
    },
  };
  return { reader: createSubtreeReader(source), reads, nodes, root: tree.root() };
}

describe('inclusionProof', () => {
  it('equals the RFC path for every index of every size from 1 to 70, and verifies', async () => {
    const all = leaves(70);
    const reader = leafReader(all);
    for (let size = 1; size <= 70; size++) {
      const d = all.slice(0, size);
      const root = naiveTreeHash(d);
      for (let index = 0; index < size; index++) {
        const proof = await inclusionProof(index, size, reader);
        expect(proof.map(hex)).toEqual(naivePath(index, d).map(hex));
        expect(verifyInclusion(d[index] as Uint8Array, index, size, proof, root)).toBe(true);
      }
    }
  });

  it('matches the transparency-dev vectors', async () => {
    const inputs = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657'];
    inputs.push('606162636465666768696a6b6c6d6e6f');
    const reader = leafReader(inputs.map((input) => leafHash(fromHex(input))));
    expect((await inclusionProof(0, 8, reader)).map(hex)).toEqual([
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ]);
    expect((await inclusionProof(5, 8, reader)).map(hex)).toEqual([
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ]);
    expect((await inclusionProof(2, 3, reader)).map(hex)).toEqual([
      'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
    ]);
    expect((await inclusionProof(1, 5, reader)).map(hex)).toEqual([
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ]);
  });

  it('refuses an index at or past the size, and a size past the stored tree', async () => {
    const { reader } = storeOf(leaves(10), 2);
    await expect(inclusionProof(10, 10, reader)).rejects.toMatchObject({
      code: 'AUDIT_PROOF_INVALID',
    });
    await expect(inclusionProof(-1, 10, reader)).rejects.toMatchObject({
      code: 'AUDIT_PROOF_INVALID',
    });
    await expect(inclusionProof(3, 11, reader)).rejects.toMatchObject({
      code: 'AUDIT_PROOF_INVALID',
    });
  });
});

describe('consistencyProof', () => {
  it('equals the RFC proof for every old size of every size from 1 to 70, and verifies', async () => {
    const all = leaves(70);
    const reader = leafReader(all);
    for (let size = 1; size <= 70; size++) {
      const d = all.slice(0, size);
      const newRoot = naiveTreeHash(d);
      for (let old = 0; old <= size; old++) {
        const proof = await consistencyProof(old, size, reader);
        const expected = old === 0 ? [] : naiveSubproof(old, d, true);
        expect(proof.map(hex)).toEqual(expected.map(hex));
        const oldRoot = naiveTreeHash(all.slice(0, old));
        expect(verifyConsistency(old, size, oldRoot, newRoot, proof)).toBe(true);
      }
    }
  });

  it('matches the transparency-dev vectors', async () => {
    const inputs = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657'];
    inputs.push('606162636465666768696a6b6c6d6e6f');
    const reader = leafReader(inputs.map((input) => leafHash(fromHex(input))));
    expect((await consistencyProof(6, 8, reader)).map(hex)).toEqual([
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ]);
    expect((await consistencyProof(2, 5, reader)).map(hex)).toEqual([
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ]);
    expect((await consistencyProof(6, 7, reader)).map(hex)).toEqual([
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ]);
  });

  it('refuses an old size above the new one', async () => {
    const { reader } = storeOf(leaves(10), 2);
    await expect(consistencyProof(5, 4, reader)).rejects.toMatchObject({
      code: 'AUDIT_PROOF_INVALID',
    });
  });
});

describe('createSubtreeReader', () => {
  it('builds proofs from stored nodes and at most 2^stride leaves per read', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 3000 }),
        fc.integer({ min: 0, max: 5 }),
        fc.nat(),
        fc.nat(),
        async (size, stride, indexSeed, oldSeed) => {
          const all = leaves(size);
          const store = storeOf(all, stride);
          const index = indexSeed % size;
          const old = oldSeed % (size + 1);
          const proof = await inclusionProof(index, size, store.reader);
          expect(verifyInclusion(all[index] as Uint8Array, index, size, proof, store.root)).toBe(
            true,
          );
          const oldRoot = merkleTreeHash(all.slice(0, old));
          const extension = await consistencyProof(old, size, store.reader);
          expect(verifyConsistency(old, size, oldRoot, store.root, extension)).toBe(true);
          expect(store.reads.maxLeavesPerRead).toBeLessThanOrEqual(2 ** stride);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('reads an inclusion proof at 100,000 leaves from stored nodes, not the whole tree', async () => {
    const store = storeOf(leaves(100_000), 8);
    const proof = await inclusionProof(54_321, 100_000, store.reader);
    expect(proof).toHaveLength(17);
    expect(store.reads.leaves).toBeLessThan(512);
  });

  it("reads an inclusion proof's low siblings with one leaf read", async () => {
    // 400 whole blocks of 256: the right edge needs no leaves, only the proven leaf's block.
    const store = storeOf(leaves(102_400), 8);
    await inclusionProof(40_000, 102_400, store.reader);
    expect(store.reads.leafCalls).toBe(1);
    expect(store.reads.leaves).toBe(256);
  });

  it('answers subtrees that leaves appended after its first read complete', async () => {
    const all = leaves(5);
    const reader = createSubtreeReader({
      storedFromLevel: 3,
      leafHashes: async (from, to) => all.slice(from, to),
      storedNode: async () => undefined,
    });
    await expect(reader.subtree(1, 2)).rejects.toMatchObject({ code: 'AUDIT_PROOF_INVALID' });
    expect(hex(await reader.subtree(0, 4))).toBe(hex(all[4] as Uint8Array));
    all.push(leafHash('entry 5'));
    expect(hex(await reader.subtree(1, 2))).toBe(hex(merkleTreeHash(all.slice(4, 6))));
  });

  it('falls back to the children of a node the store lost', async () => {
    const all = leaves(1024);
    const store = storeOf(all, 4);
    store.nodes.delete('9/0');
    store.nodes.delete('8/1');
    expect(hex(await store.reader.subtree(9, 0))).toBe(hex(merkleTreeHash(all.slice(0, 512))));
  });

  it('gives the root of any size of the stored tree', async () => {
    const all = leaves(777);
    const store = storeOf(all, 3);
    for (const size of [0, 1, 2, 255, 256, 500, 777])
      expect(hex(await rootAt(size, store.reader))).toBe(hex(merkleTreeHash(all.slice(0, size))));
  });
});
