import { describe, expect, it } from 'vitest';
import { leafHash, sha256 } from './hashes.js';
import { merkleTreeHash } from './merkle.js';
import { consistencyProof, inclusionProof } from './merkle-proofs.js';
import type { SubtreeReader } from './merkle-proofs.js';
import { verifyConsistency, verifyInclusion } from './merkle-verify.js';

const leaves = (count: number) => Array.from({ length: count }, (_, i) => leafHash(`item ${i}`));
const SOME_HASH = sha256('not a node of this tree');

function readerOver(all: readonly Uint8Array[]): SubtreeReader {
  return {
    subtree: (level, index) =>
      Promise.resolve(merkleTreeHash(all.slice(index * 2 ** level, (index + 1) * 2 ** level))),
  };
}

/** Every proof with one bit of one element flipped. */
function bitFlips(proof: readonly Uint8Array[]): Uint8Array[][] {
  return proof.map((_, i) =>
    proof.map((element, j) => {
      const copy = Uint8Array.from(element);
      if (i === j) copy[7] = (copy[7] as number) ^ 0x10;
      return copy;
    }),
  );
}

describe('verifyInclusion', () => {
  it('rejects every tampered proof, leaf, index, size and root (sizes 1 to 40)', async () => {
    const all = leaves(40);
    const reader = readerOver(all);
    for (let size = 1; size <= 40; size++) {
      const root = merkleTreeHash(all.slice(0, size));
      for (let index = 0; index < size; index++) {
        const leaf = all[index] as Uint8Array;
        const proof = await inclusionProof(index, size, reader);
        const v = (l: Uint8Array, i: number, s: number, p: readonly Uint8Array[], r: Uint8Array) =>
          verifyInclusion(l, i, s, p, r);
        expect(v(leaf, index, size, proof, root)).toBe(true);
        for (const flipped of bitFlips(proof))
          expect(v(leaf, index, size, flipped, root)).toBe(false);
        expect(v(SOME_HASH, index, size, proof, root)).toBe(false);
        expect(v(leaf, index, size, proof, SOME_HASH)).toBe(false);
        expect(v(leaf, index + 1, size, proof, root)).toBe(false);
        if (index > 0) expect(v(leaf, index - 1, size, proof, root)).toBe(false);
        expect(v(leaf, index, size * 2, proof, root)).toBe(false);
        expect(v(leaf, index, size, [...proof, SOME_HASH], root)).toBe(false);
        expect(v(leaf, index, size, [SOME_HASH, ...proof], root)).toBe(false);
        if (proof.length > 0) expect(v(leaf, index, size, proof.slice(1), root)).toBe(false);
      }
    }
  });

  it('is false, not an exception, for malformed input', () => {
    const leaf = leafHash('x');
    expect(verifyInclusion(leaf, 0, 1, [], leaf)).toBe(true);
    expect(verifyInclusion(leaf, 0, 0, [], leaf)).toBe(false);
    expect(verifyInclusion(leaf, 1, 1, [], leaf)).toBe(false);
    expect(verifyInclusion(leaf, -1, 1, [], leaf)).toBe(false);
    expect(verifyInclusion(leaf, 0.5, 1, [], leaf)).toBe(false);
    expect(verifyInclusion(leaf, 0, Number.NaN, [], leaf)).toBe(false);
    expect(verifyInclusion(leaf.subarray(1), 0, 1, [], leaf.subarray(1))).toBe(false);
    expect(verifyInclusion(leaf, 0, 2, [new Uint8Array(31)], leaf)).toBe(false);
    expect(verifyInclusion(leaf, 0, 2, [null as unknown as Uint8Array], leaf)).toBe(false);
  });

  it('verifies the transparency-dev vector for leaf 6 of 8', () => {
    const h = (text: string) => new Uint8Array(Buffer.from(text, 'hex'));
    const leaf = leafHash(h('5051525354555657'));
    const proof = [
      h('bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b'),
      h('ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0'),
      h('d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7'),
    ];
    const root = h('5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328');
    expect(verifyInclusion(leaf, 6, 8, proof, root)).toBe(false); // leaf 6 is index 5
    expect(verifyInclusion(leafHash(h('40414243')), 5, 8, proof, root)).toBe(true);
  });
});

describe('verifyConsistency', () => {
  it('rejects every tampered proof, size and root (sizes 1 to 40)', async () => {
    const all = leaves(40);
    const reader = readerOver(all);
    for (let size = 2; size <= 40; size++) {
      const newRoot = merkleTreeHash(all.slice(0, size));
      for (let old = 1; old < size; old++) {
        const oldRoot = merkleTreeHash(all.slice(0, old));
        const proof = await consistencyProof(old, size, reader);
        const v = (
          o: number,
          n: number,
          r1: Uint8Array,
          r2: Uint8Array,
          p: readonly Uint8Array[],
        ) => verifyConsistency(o, n, r1, r2, p);
        expect(v(old, size, oldRoot, newRoot, proof)).toBe(true);
        for (const flipped of bitFlips(proof))
          expect(v(old, size, oldRoot, newRoot, flipped)).toBe(false);
        expect(v(old, size, newRoot, oldRoot, proof)).toBe(false);
        expect(v(old, size, SOME_HASH, newRoot, proof)).toBe(false);
        expect(v(old, size, oldRoot, SOME_HASH, proof)).toBe(false);
        expect(v(old + 1, size, oldRoot, newRoot, proof)).toBe(false);
        expect(v(old - 1, size, oldRoot, newRoot, proof)).toBe(false);
        expect(v(old, size * 2, oldRoot, newRoot, proof)).toBe(false);
        expect(v(old, size, oldRoot, newRoot, [])).toBe(false);
        expect(v(old, size, oldRoot, newRoot, [...proof, SOME_HASH])).toBe(false);
        expect(v(old, size, oldRoot, newRoot, [SOME_HASH, ...proof])).toBe(false);
        expect(v(old, size, oldRoot, newRoot, proof.slice(0, -1))).toBe(false);
      }
    }
  });

  it('accepts equal sizes only with equal roots and an empty proof', () => {
    const root = leafHash('a');
    expect(verifyConsistency(5, 5, root, root, [])).toBe(true);
    expect(verifyConsistency(5, 5, root, SOME_HASH, [])).toBe(false);
    expect(verifyConsistency(5, 5, root, root, [SOME_HASH])).toBe(false);
  });

  it('treats the empty tree as a prefix of every tree, with an empty proof', () => {
    const root = merkleTreeHash(leaves(3));
    expect(verifyConsistency(0, 3, sha256(''), root, [])).toBe(true);
    expect(verifyConsistency(0, 3, sha256(''), root, [SOME_HASH])).toBe(false);
  });

  it('is false, not an exception, for malformed input', () => {
    const root = leafHash('a');
    expect(verifyConsistency(3, 2, root, root, [root])).toBe(false);
    expect(verifyConsistency(-1, 2, root, root, [root])).toBe(false);
    expect(verifyConsistency(1, 2 ** 53, root, root, [root])).toBe(false);
    expect(verifyConsistency(1, 2, root.subarray(2), root, [root])).toBe(false);
    expect(verifyConsistency(1, 2, root, root, [new Uint8Array(0)])).toBe(false);
  });
});
