import { createHash, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { StoredAuditRecord } from '../record.js';
import { canonicalPayloadJson, canonicalRecordJson, canonicalRowJson } from './canonical.js';
import { ChainVerifier, GENESIS_POSITION, verifyChain, verifyChainAsync } from './chain.js';
import {
  chainHash,
  chainHashFromLeaf,
  GENESIS_HASH,
  hashRecord,
  hashRow,
  leafHash,
  leafHashHex,
  nodeHash,
} from './hashes.js';

/** A tenant's chain of `count` records, hashed the way the store appends them. */
function chainOf(count: number, tenantId = `tenant-${randomUUID()}`): StoredAuditRecord[] {
  const records: StoredAuditRecord[] = [];
  let prevHash = GENESIS_HASH;
  for (let seq = 1; seq <= count; seq++) {
    const body = {
      id: randomUUID(),
      tenantId,
      action: 'rbac.permission_check',
      actor: { userId: `user-${seq % 7}`, ip: null, userAgent: null },
      target: { resource: 'doc', resourceId: `doc-${seq}` },
      outcome: seq % 3 === 0 ? ('denied' as const) : ('granted' as const),
      entityId: null,
      correlationId: null,
      source: 'rbac-service',
      time: new Date(Date.UTC(2026, 10, 24, 12, 0, seq)).toISOString(),
      sourceEventId: randomUUID(),
      sourceChannel: 'rbac',
      payload: { permission: 'doc:read', cached: seq % 2 === 0 },
      seq,
      prevHash,
      recordedAt: Date.UTC(2026, 10, 24, 12, 0, seq),
    };
    const { hash } = hashRecord(body);
    records.push({ ...body, hash });
    prevHash = hash;
  }
  return records;
}

/** Re-hashes records from `from` on, as an attacker with write access would. */
function rehashFrom(records: StoredAuditRecord[], from: number): StoredAuditRecord[] {
  const out = records.slice(0, from);
  let prevHash = from === 0 ? GENESIS_HASH : (out[from - 1] as StoredAuditRecord).hash;
  for (const r of records.slice(from)) {
    const body = { ...r, prevHash };
    const next = { ...body, hash: hashRecord(body).hash };
    out.push(next);
    prevHash = next.hash;
  }
  return out;
}

describe('hashes', () => {
  it('defines the chain hash as SHA-256 over the previous hash bytes and the leaf hash', () => {
    const [record] = chainOf(1) as [StoredAuditRecord];
    const canonical = canonicalRecordJson(record);
    const leaf = createHash('sha256').update(Buffer.of(0)).update(canonical).digest();
    const expected = createHash('sha256')
      .update(Buffer.from(GENESIS_HASH, 'hex'))
      .update(leaf)
      .digest('hex');
    expect(leafHashHex(canonical)).toBe(leaf.toString('hex'));
    expect(chainHash(GENESIS_HASH, canonical)).toBe(expected);
    expect(chainHash(GENESIS_HASH, Buffer.from(canonical))).toBe(expected);
    expect(record.hash).toBe(expected);
  });

  it('hashes nodes as SHA-256(0x01 || left || right)', () => {
    const left = leafHash('l');
    const right = leafHash('r');
    const expected = createHash('sha256').update(Buffer.of(1)).update(left).update(right).digest();
    expect(Buffer.from(nodeHash(left, right)).equals(expected)).toBe(true);
  });

  it('refuses a previous hash that is not 64 lowercase hex digits', () => {
    expect(() => chainHash('ABC', '{}')).toThrow(TypeError);
    expect(() =>
      chainHashFromLeaf(GENESIS_HASH.toUpperCase().replace(/0/g, 'A'), GENESIS_HASH),
    ).toThrow(TypeError);
  });
});

describe('ChainVerifier', () => {
  it('accepts an intact chain and ends at its head', () => {
    const records = chainOf(50);
    const outcome = verifyChain(records);
    const last = records[49] as StoredAuditRecord;
    expect(outcome).toEqual({ kind: 'intact', count: 50, head: { seq: 50, hash: last.hash } });
  });

  it('verifies page after page from a trusted position', () => {
    const records = chainOf(30);
    const first = verifyChain(records.slice(0, 12));
    expect(first.kind).toBe('intact');
    if (first.kind !== 'intact') return;
    expect(verifyChain(records.slice(12), first.head)).toMatchObject({ kind: 'intact', count: 18 });
  });

  it('reports a modified record', () => {
    const records = chainOf(20);
    const victim = records[7] as StoredAuditRecord;
    records[7] = { ...victim, outcome: 'granted', payload: { permission: 'doc:delete' } };
    expect(verifyChain(records)).toEqual({
      kind: 'broken',
      count: 8,
      finding: { kind: 'modified', seq: 8, expectedSeq: 8, recordId: victim.id },
    });
  });

  it('reports a deleted record as a gap', () => {
    const records = chainOf(20);
    records.splice(4, 1);
    expect(verifyChain(records)).toMatchObject({
      kind: 'broken',
      finding: { kind: 'gap', seq: 6, expectedSeq: 5 },
    });
  });

  it('reports a deletion hidden by renumbering as a broken link', () => {
    const records = chainOf(20);
    records.splice(4, 1);
    const renumbered = records.map((r, i) => ({ ...r, seq: i + 1 }));
    expect(verifyChain(renumbered)).toMatchObject({
      kind: 'broken',
      finding: { kind: 'broken_link', seq: 5 },
    });
  });

  it('reports swapped records as a gap, and a record seen again as out of order', () => {
    const records = chainOf(20);
    const [a, b] = [records[10] as StoredAuditRecord, records[11] as StoredAuditRecord];
    expect(verifyChain([...records.slice(0, 10), b, a])).toMatchObject({
      kind: 'broken',
      finding: { kind: 'gap', seq: 12, expectedSeq: 11 },
    });
    expect(verifyChain([...records.slice(0, 12), a])).toMatchObject({
      finding: { kind: 'out_of_order', seq: 11, expectedSeq: 13 },
    });
  });

  it('reports a record inserted with a valid hash as a broken link after it', () => {
    const records = chainOf(20);
    const prev = records[8] as StoredAuditRecord;
    const body = { ...(records[9] as StoredAuditRecord), id: randomUUID(), prevHash: prev.hash };
    const forged = { ...body, action: 'auth.login', hash: '' };
    const inserted = { ...forged, hash: hashRecord(forged).hash };
    const renumbered = [...records.slice(0, 9), inserted, ...records.slice(9)].map((r, i) => ({
      ...r,
      seq: i + 1,
    }));
    expect(verifyChain(renumbered)).toMatchObject({
      kind: 'broken',
      finding: { kind: 'broken_link', seq: 11 },
    });
  });

  it('accepts a chain re-hashed from the start: only a signed checkpoint exposes that', () => {
    const records = chainOf(10);
    const rewritten = rehashFrom(
      records.map((r) => ({ ...r, outcome: 'success' as const })),
      0,
    );
    expect(verifyChain(rewritten).kind).toBe('intact');
    const last = records[9] as StoredAuditRecord;
    expect((rewritten[9] as StoredAuditRecord).hash).not.toBe(last.hash);
  });

  it('reports the record after a re-hashed modification as a broken link', () => {
    const records = chainOf(20);
    const victim = records[4] as StoredAuditRecord;
    const body = { ...victim, outcome: 'success' as const };
    records[4] = { ...body, hash: hashRecord(body).hash };
    expect(verifyChain(records)).toMatchObject({
      finding: { kind: 'broken_link', seq: 6, expectedSeq: 6 },
    });
  });

  it('carries on after a finding and reports later, independent ones', () => {
    const records = chainOf(30);
    records[3] = { ...(records[3] as StoredAuditRecord), action: 'changed' };
    records.splice(20, 1);
    const verifier = new ChainVerifier();
    const findings = records.map((r) => verifier.push(r)).filter((f) => f !== null);
    expect(findings.map((f) => [f.kind, f.seq])).toEqual([
      ['modified', 4],
      ['gap', 22],
    ]);
    expect(verifier.firstFinding).toMatchObject({ kind: 'modified', seq: 4 });
    expect(verifier.count).toBe(29);
  });

  it('never reports an intact chain, and always catches one changed field', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.nat(), fc.string(), (size, at, value) => {
        const records = chainOf(size);
        expect(verifyChain(records).kind).toBe('intact');
        const index = at % size;
        const victim = records[index] as StoredAuditRecord;
        fc.pre(victim.action !== value);
        records[index] = { ...victim, action: value };
        expect(verifyChain(records)).toMatchObject({
          kind: 'broken',
          finding: { kind: 'modified', seq: index + 1 },
        });
      }),
      { numRuns: 100 },
    );
  });

  it('verifies rows holding the payload as canonical JSON text like parsed records', () => {
    const records = chainOf(25);
    const rows = records.map(({ payload, ...fields }) => ({
      ...fields,
      payloadJson: canonicalPayloadJson(payload),
    }));
    const first = rows[0] as (typeof rows)[number];
    expect(canonicalRowJson(first)).toBe(canonicalRecordJson(records[0] as StoredAuditRecord));
    expect(hashRow(first).hash).toBe(first.hash);
    expect(verifyChain(rows)).toMatchObject({ kind: 'intact', count: 25 });
  });

  it('reports a row whose payload text was re-formatted or edited as modified', () => {
    const records = chainOf(10);
    const rows = records.map(({ payload, ...fields }) => ({
      ...fields,
      payloadJson: canonicalPayloadJson(payload),
    }));
    const victim = rows[6] as (typeof rows)[number];
    const reformatted = JSON.stringify(JSON.parse(victim.payloadJson), null, 1);
    for (const payloadJson of [reformatted, victim.payloadJson.replace('doc:read', 'doc:edit')]) {
      const tampered = rows.map((row, i) => (i === 6 ? { ...row, payloadJson } : row));
      expect(verifyChain(tampered)).toMatchObject({ finding: { kind: 'modified', seq: 7 } });
    }
  });

  it('verifies an async source', async () => {
    const records = chainOf(10);
    async function* pages() {
      yield* records.slice(0, 5);
      yield* records.slice(5);
    }
    expect(await verifyChainAsync(pages())).toMatchObject({ kind: 'intact', count: 10 });
  });

  it('refuses a malformed start position', () => {
    expect(() => new ChainVerifier({ seq: -1, hash: GENESIS_HASH })).toThrow(TypeError);
    expect(() => new ChainVerifier({ seq: 0, hash: 'nope' })).toThrow(TypeError);
    expect(new ChainVerifier(GENESIS_POSITION).head).toEqual(GENESIS_POSITION);
  });
});
