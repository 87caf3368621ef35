import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { StoredAuditRecord } from '../record.js';
import { signCheckpoint } from './checkpoint.js';
import type { Checkpoint } from './checkpoint.js';
import { GENESIS_HASH, hashRecord } from './hashes.js';
import { MerkleAccumulator } from './merkle.js';
import { consistencyProof, inclusionProof } from './merkle-proofs.js';
import { createSubtreeReader } from './subtree-reader.js';
import { verifyCheckpointExtends, verifyRecordProof } from './offline-verify.js';
import type { RecordProof } from './offline-verify.js';
import { exportPublicKey, signingKeyFrom } from './signing-key.js';
import type { AuditSigningKey } from './signing-key.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const newKey = () => signingKeyFrom(generateKeyPairSync('ed25519').privateKey);

/** A tenant's log as the store keeps it: records, leaf hashes, nodes from level 4 up. */
function tenantLog(count: number, tenantId = `tenant-${randomUUID()}`, salt = '') {
  const records: StoredAuditRecord[] = [];
  const leaves: Uint8Array[] = [];
  const nodes = new Map<string, Uint8Array>();
  const roots: Uint8Array[] = [];
  const tree = new MerkleAccumulator({
    minLevel: 4,
    onSubtree: (s) => nodes.set(`${s.level}/${s.index}`, s.hash),
  });
  let prevHash = GENESIS_HASH;
  for (let seq = 1; seq <= count; seq++) {
    const body = {
      id: randomUUID(),
      tenantId,
      action: 'auth.login_failed',
      actor: { userId: `user-${seq % 5}`, ip: '198.51.100.4', userAgent: 'Mozilla/5.0' },
      target: { resource: 'session', resourceId: null },
      outcome: 'failure' as const,
      entityId: null,
      correlationId: randomUUID(),
      source: 'auth-service',
      time: new Date(Date.UTC(2026, 10, 24, 9, 0, 0, seq)).toISOString(),
      sourceEventId: randomUUID(),
      sourceChannel: 'security',
      payload: { reason: `bad_password${salt}`, attempt: seq },
      seq,
      prevHash,
      recordedAt: Date.UTC(2026, 10, 24, 9, 0, 0, seq),
    };
    const hashes = hashRecord(body);
    records.push({ ...body, hash: hashes.hash });
    leaves.push(hashes.leafHash);
    tree.append(hashes.leafHash);
    roots.push(tree.root());
    prevHash = hashes.hash;
  }
  const reader = createSubtreeReader({
    storedFromLevel: 4,
    leafHashes: async (from, to) => leaves.slice(from, to),
    storedNode: async (level, index) => nodes.get(`${level}/${index}`),
  });
  const checkpointAt = (size: number, key: AuditSigningKey): Checkpoint =>
    signCheckpoint(
      {
        tenantId,
        treeSize: size,
        rootHash: hex(roots[size - 1] as Uint8Array),
        lastSeq: size,
        lastHash: (records[size - 1] as StoredAuditRecord).hash,
        time: '2026-11-24T12:00:00.000Z',
      },
      key,
    );
  const exportRecord = async (seq: number, checkpoint: Checkpoint): Promise<RecordProof> => ({
    record: JSON.parse(JSON.stringify(records[seq - 1])) as StoredAuditRecord,
    leafIndex: seq - 1,
    proof: (await inclusionProof(seq - 1, checkpoint.treeSize, reader)).map(hex),
    checkpoint: JSON.parse(JSON.stringify(checkpoint)) as Checkpoint,
  });
  const extension = async (older: Checkpoint, newer: Checkpoint) =>
    (await consistencyProof(older.treeSize, newer.treeSize, reader)).map(hex);
  return { records, checkpointAt, exportRecord, extension };
}

describe('verifyRecordProof', () => {
  it('proves an exported record with the public key PEM alone', async () => {
    const key = newKey();
    const log = tenantLog(300);
    const checkpoint = log.checkpointAt(300, key);
    const { pem } = exportPublicKey(key);
    for (const seq of [1, 2, 17, 256, 299, 300])
      expect(verifyRecordProof(await log.exportRecord(seq, checkpoint), pem)).toEqual({ ok: true });
  });

  it('proves a record against an older checkpoint that already held it', async () => {
    const key = newKey();
    const log = tenantLog(200);
    const older = log.checkpointAt(120, key);
    expect(verifyRecordProof(await log.exportRecord(77, older), key.publicKey)).toEqual({
      ok: true,
    });
    const later = await log.exportRecord(150, log.checkpointAt(200, key));
    expect(verifyRecordProof({ ...later, checkpoint: older }, key.publicKey)).toMatchObject({
      ok: false,
      reason: 'leaf_index_mismatch',
    });
  });

  it('catches a modified record, re-hashed or not', async () => {
    const key = newKey();
    const log = tenantLog(64);
    const exported = await log.exportRecord(10, log.checkpointAt(64, key));
    const modified = { ...exported.record, outcome: 'success' as const };
    expect(verifyRecordProof({ ...exported, record: modified }, key.publicKey)).toMatchObject({
      ok: false,
      reason: 'record_hash_mismatch',
    });
    const rehashed = { ...modified, hash: hashRecord(modified).hash };
    expect(verifyRecordProof({ ...exported, record: rehashed }, key.publicKey)).toMatchObject({
      ok: false,
      reason: 'inclusion_failed',
    });
  });

  it('catches a rewritten log re-signed by another key, and by the same key after the fact', async () => {
    const key = newKey();
    const log = tenantLog(50);
    const honest = log.checkpointAt(50, key);
    const forgedLog = tenantLog(50, honest.tenantId, ' (rewritten)');
    const forgedExport = await forgedLog.exportRecord(20, forgedLog.checkpointAt(50, newKey()));
    expect(verifyRecordProof(forgedExport, key.publicKey)).toMatchObject({
      ok: false,
      reason: 'key_mismatch',
    });
    expect(verifyRecordProof({ ...forgedExport, checkpoint: honest }, key.publicKey)).toMatchObject(
      { ok: false, reason: 'inclusion_failed' },
    );
  });

  it('names what is wrong with a tampered proof, checkpoint, index or tenant', async () => {
    const key = newKey();
    const log = tenantLog(40);
    const good = await log.exportRecord(33, log.checkpointAt(40, key));
    const flipped = [...good.proof];
    flipped[1] = `${(flipped[1] as string).startsWith('0') ? '1' : '0'}${(flipped[1] as string).slice(1)}`;
    const cases: [Partial<RecordProof>, string][] = [
      [{ proof: flipped }, 'inclusion_failed'],
      [{ proof: good.proof.slice(1) }, 'inclusion_failed'],
      [{ proof: [...good.proof.slice(0, -1), 'zz'] }, 'proof_malformed'],
      [{ leafIndex: 31 }, 'leaf_index_mismatch'],
      [
        { checkpoint: { ...good.checkpoint, rootHash: good.proof[0] as string } },
        'signature_invalid',
      ],
      [{ checkpoint: { ...good.checkpoint, treeSize: 39 } }, 'checkpoint_malformed'],
      [{ record: { ...good.record, tenantId: 'another-tenant' } }, 'tenant_mismatch'],
      [{ record: null as unknown as StoredAuditRecord }, 'record_malformed'],
    ];
    for (const [change, reason] of cases)
      expect(verifyRecordProof({ ...good, ...change }, key.publicKey)).toMatchObject({
        ok: false,
        reason,
      });
    expect(verifyRecordProof(good, 'not a key')).toMatchObject({
      ok: false,
      reason: 'key_invalid',
    });
  });

  it("checks the last record against the checkpoint's chain head", async () => {
    const key = newKey();
    const log = tenantLog(12);
    const checkpoint = log.checkpointAt(12, key);
    const other = tenantLog(12, checkpoint.tenantId);
    const head = signCheckpoint(
      { ...checkpoint, lastHash: (other.records[11] as StoredAuditRecord).hash },
      key,
    );
    const exported = await log.exportRecord(12, head);
    expect(verifyRecordProof(exported, key.publicKey)).toMatchObject({
      ok: false,
      reason: 'record_hash_mismatch',
    });
  });
});

describe('verifyCheckpointExtends', () => {
  it('proves a later checkpoint extends an earlier one', async () => {
    const key = newKey();
    const log = tenantLog(500);
    const { jwk } = exportPublicKey(key);
    for (const [from, to] of [
      [1, 500],
      [256, 500],
      [300, 301],
      [499, 500],
    ] as const) {
      const older = log.checkpointAt(from, key);
      const newer = log.checkpointAt(to, key);
      const proof = await log.extension(older, newer);
      expect(verifyCheckpointExtends(older, newer, proof, jwk)).toEqual({ ok: true });
    }
    const same = log.checkpointAt(200, key);
    expect(verifyCheckpointExtends(same, same, [], key.publicKey)).toEqual({ ok: true });
  });

  it('catches a history rewritten under the same key', async () => {
    const key = newKey();
    const log = tenantLog(100);
    const older = log.checkpointAt(60, key);
    const rewritten = tenantLog(100, older.tenantId, ' (rewritten)');
    const newer = rewritten.checkpointAt(100, key);
    const proof = await rewritten.extension(older, newer);
    expect(verifyCheckpointExtends(older, newer, proof, key.publicKey)).toMatchObject({
      ok: false,
      reason: 'consistency_failed',
    });
  });

  it('names what is wrong with the pair', async () => {
    const key = newKey();
    const log = tenantLog(64);
    const older = log.checkpointAt(20, key);
    const newer = log.checkpointAt(64, key);
    const proof = await log.extension(older, newer);
    const elsewhere = tenantLog(64).checkpointAt(64, key);
    expect(verifyCheckpointExtends(newer, older, proof, key.publicKey)).toMatchObject({
      reason: 'size_regressed',
    });
    expect(verifyCheckpointExtends(older, elsewhere, proof, key.publicKey)).toMatchObject({
      reason: 'tenant_mismatch',
    });
    expect(verifyCheckpointExtends(older, newer, proof.slice(1), key.publicKey)).toMatchObject({
      reason: 'consistency_failed',
    });
    expect(verifyCheckpointExtends(older, newer, ['00'], key.publicKey)).toMatchObject({
      reason: 'proof_malformed',
    });
    expect(
      verifyCheckpointExtends(
        older,
        { ...newer, time: '2027-01-01T00:00:00Z' },
        proof,
        key.publicKey,
      ),
    ).toMatchObject({
      reason: 'signature_invalid',
      message: expect.stringContaining('newer') as string,
    });
    expect(verifyCheckpointExtends(older, newer, proof, newKey().publicKey)).toMatchObject({
      reason: 'key_mismatch',
    });
  });
});
