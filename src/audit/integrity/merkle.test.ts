import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AuditIntegrityError } from './errors.js';
import { leafHash, nodeHash, sha256 } from './hashes.js';
import { EMPTY_TREE_ROOT, MerkleAccumulator, merkleTreeHash, peakCoordinates } from './merkle.js';
import type { CompletedSubtree } from './merkle.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const fromHex = (text: string) => new Uint8Array(Buffer.from(text, 'hex'));
const leaves = (count: number, salt = 'leaf') =>
  Array.from({ length: count }, (_, i) => leafHash(`${salt}-${i}`));

/** RFC 9162 2.1.1, written as the RFC states it: the reference the fast code must match. */
function naiveTreeHash(items: readonly Uint8Array[]): Uint8Array {
  if (items.length === 0) return sha256('');
  if (items.length === 1) return items[0] as Uint8Array;
  let k = 1;
  while (k * 2 < items.length) k *= 2;
  return nodeHash(naiveTreeHash(items.slice(0, k)), naiveTreeHash(items.slice(k)));
}

// transparency-dev/merkle testonly/constants.go: RFC 6962/9162 hashing of these inputs.
const VECTOR_INPUTS = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
];
const VECTOR_LEAF_HASHES = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
  '0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7',
  '07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7',
  'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
  '4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658',
  'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
  '46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1',
];
const VECTOR_ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

describe('RFC 9162 hashing (transparency-dev test vectors)', () => {
  it('hashes leaves with the 0x00 prefix', () => {
    expect(VECTOR_INPUTS.map((input) => hex(leafHash(fromHex(input))))).toEqual(VECTOR_LEAF_HASHES);
  });

  it('gives the published root for every size from 0 to 8', () => {
    const vectorLeaves = VECTOR_INPUTS.map((input) => leafHash(fromHex(input)));
    for (let size = 0; size <= 8; size++)
      expect(hex(merkleTreeHash(vectorLeaves.slice(0, size)))).toBe(VECTOR_ROOTS[size]);
  });

  it('roots the empty tree at SHA-256 of nothing', () => {
    expect(hex(EMPTY_TREE_ROOT)).toBe(VECTOR_ROOTS[0]);
  });
});

describe('MerkleAccumulator', () => {
  it('matches the recursive definition at every size from 1 to 70', () => {
    const all = leaves(70);
    const accumulator = new MerkleAccumulator();
    for (let size = 1; size <= 70; size++) {
      accumulator.append(all[size - 1] as Uint8Array);
      expect(hex(accumulator.root())).toBe(hex(naiveTreeHash(all.slice(0, size))));
    }
  });

  it('keeps one peak per set bit of the size', () => {
    const accumulator = new MerkleAccumulator();
    for (const leaf of leaves(1000)) accumulator.append(leaf);
    expect(accumulator.peaks).toHaveLength(6); // 1000 = 0b1111101000
  });

  it('reports every completed perfect subtree once, with its hash', () => {
    const all = leaves(37);
    const reported: CompletedSubtree[] = [];
    const accumulator = new MerkleAccumulator({ onSubtree: (s) => reported.push(s) });
    for (const leaf of all) accumulator.append(leaf);
    const expected: string[] = [];
    for (let level = 0; 2 ** level <= 37; level++)
      for (let index = 0; (index + 1) * 2 ** level <= 37; index++)
        expected.push(`${level}/${index}`);
    expect(reported.map((s) => `${s.level}/${s.index}`).sort()).toEqual(expected.sort());
    for (const { level, index, hash } of reported) {
      const width = 2 ** level;
      expect(hex(hash)).toBe(hex(naiveTreeHash(all.slice(index * width, (index + 1) * width))));
    }
  });

  it('reports only subtrees at or above minLevel', () => {
    const levels = new Set<number>();
    const accumulator = new MerkleAccumulator({
      minLevel: 3,
      onSubtree: (s) => levels.add(s.level),
    });
    for (const leaf of leaves(64)) accumulator.append(leaf);
    expect([...levels].sort()).toEqual([3, 4, 5, 6]);
  });

  it('resumes from its peaks to the same roots as an uninterrupted run', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 1, max: 50 }), (at, more) => {
        const all = leaves(at + more);
        const first = new MerkleAccumulator();
        for (const leaf of all.slice(0, at)) first.append(leaf);
        const resumed = MerkleAccumulator.restore(at, first.peaks);
        for (const leaf of all.slice(at)) resumed.append(leaf);
        expect(hex(resumed.root())).toBe(hex(merkleTreeHash(all)));
      }),
      { numRuns: 40 },
    );
  });

  it('refuses peaks that do not fit the size', () => {
    const accumulator = new MerkleAccumulator();
    for (const leaf of leaves(3)) accumulator.append(leaf);
    expect(() => MerkleAccumulator.restore(4, accumulator.peaks)).toThrow(AuditIntegrityError);
    expect(() => MerkleAccumulator.restore(3, [new Uint8Array(31), new Uint8Array(32)])).toThrow(
      expect.objectContaining({ code: 'AUDIT_PROOF_INVALID' }),
    );
  });

  it('refuses a leaf hash that is not 32 bytes', () => {
    expect(() => {
      new MerkleAccumulator().append(new Uint8Array(20));
    }).toThrow(RangeError);
  });
});

describe('peakCoordinates', () => {
  it('lists the perfect subtrees of a size, largest first', () => {
    expect(peakCoordinates(0)).toEqual([]);
    expect(peakCoordinates(1)).toEqual([{ level: 0, index: 0 }]);
    expect(peakCoordinates(13)).toEqual([
      { level: 3, index: 0 },
      { level: 2, index: 2 },
      { level: 0, index: 12 },
    ]);
  });

  it('names the peaks a restored accumulator needs', () => {
    const all = leaves(45);
    const accumulator = new MerkleAccumulator();
    for (const leaf of all) accumulator.append(leaf);
    const fromCoordinates = peakCoordinates(45).map(({ level, index }) =>
      hex(naiveTreeHash(all.slice(index * 2 ** level, (index + 1) * 2 ** level))),
    );
    expect(accumulator.peaks.map(hex)).toEqual(fromCoordinates);
  });

  it('handles sizes beyond 2^32', () => {
    const peaks = peakCoordinates(2 ** 40 + 3);
    expect(peaks).toEqual([
      { level: 40, index: 0 },
      { level: 1, index: 2 ** 39 },
      { level: 0, index: 2 ** 40 + 2 },
    ]);
  });
});
