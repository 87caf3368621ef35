import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  GENESIS_HASH,
  MerkleAccumulator,
  createSubtreeReader,
  exportPublicKey,
  hashRecord,
  inclusionProof,
  signCheckpoint,
  signingKeyFrom,
  verifyRecordProof,
} from '../integrity/index.js';
import type { Checkpoint } from '../integrity/index.js';
import type { StoredAuditRecord } from '../record.js';
import { toCloudEventsJson, toNdjson, toOcsf } from './index.js';
import type { ExportProofs } from './index.js';
import { sampleStoredRecord } from './testing.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** A chained, Merkle-tree'd tenant log of sample records, with a signed checkpoint over all. */
function provenLog(count: number) {
  const key = signingKeyFrom(generateKeyPairSync('ed25519').privateKey);
  const tree = new MerkleAccumulator({ minLevel: 0 });
  const leaves: Uint8Array[] = [];
  const records: StoredAuditRecord[] = [];
  let prevHash = GENESIS_HASH;
  for (let i = 0; i < count; i++) {
    const { hash: _sampleHash, ...sample } = sampleStoredRecord(i, 'tenant-proven');
    const body = { ...sample, prevHash };
    const hashes = hashRecord(body);
    records.push({ ...body, hash: hashes.hash });
    leaves.push(hashes.leafHash);
    tree.append(hashes.leafHash);
    prevHash = hashes.hash;
  }
  const checkpoint: Checkpoint = signCheckpoint(
    {
      tenantId: 'tenant-proven',
      treeSize: count,
      rootHash: hex(tree.root()),
      lastSeq: count,
      lastHash: prevHash,
      time: '2026-11-24T12:00:00.000Z',
    },
    key,
  );
  const reader = createSubtreeReader({
    storedFromLevel: 30, // nothing stored: every subtree comes from the leaves
    leafHashes: (from, to) => Promise.resolve(leaves.slice(from, to)),
    storedNode: () => Promise.resolve(undefined),
  });
  const proofs: ExportProofs = {
    proofs: async (record) => ({
      leafIndex: record.seq - 1,
      proof: (await inclusionProof(record.seq - 1, count, reader)).map(hex),
    }),
    checkpoint,
  };
  return { records, proofs, pem: exportPublicKey(key).pem };
}

async function text(chunks: AsyncIterable<string>): Promise<string> {
  let out = '';
  for await (const chunk of chunks) out += chunk;
  return out;
}

describe('exports with proofs', () => {
  it('NDJSON lines verify offline against the checkpoint on the last line', async () => {
    const log = provenLog(37);
    const lines = (await text(toNdjson(log.records, { proofs: log.proofs })))
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as unknown);
    const { warden_checkpoint: checkpoint } = lines.pop() as { warden_checkpoint: Checkpoint };
    expect(lines).toHaveLength(37);
    for (const line of lines) {
      const { warden_proof: proof, ...record } = line as {
        warden_proof: { leafIndex: number; proof: string[] };
      } & StoredAuditRecord;
      expect(verifyRecordProof({ record, ...proof, checkpoint }, log.pem)).toEqual({ ok: true });
    }
  });

  it('a tampered NDJSON line fails verification', async () => {
    const log = provenLog(5);
    const lines = (await text(toNdjson(log.records, { proofs: log.proofs })))
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as unknown);
    const { warden_checkpoint: checkpoint } = lines.pop() as { warden_checkpoint: Checkpoint };
    const { warden_proof: proof, ...record } = lines[2] as {
      warden_proof: { leafIndex: number; proof: string[] };
    } & StoredAuditRecord;
    const tampered = { ...record, outcome: 'success' as const };
    expect(verifyRecordProof({ record: tampered, ...proof, checkpoint }, log.pem)).toMatchObject({
      ok: false,
    });
  });

  it('CloudEvents data and OCSF chain fields carry what the proof needs', async () => {
    const log = provenLog(4);
    const events = JSON.parse(
      await text(toCloudEventsJson(log.records, { proofs: log.proofs })),
    ) as {
      data: StoredAuditRecord;
      wardenproofindex?: number;
      wardenproof?: string;
    }[];
    const checkpoint = events.pop()?.data as unknown as Checkpoint;
    for (const event of events) {
      const proof = {
        leafIndex: event.wardenproofindex ?? -1,
        proof: event.wardenproof?.split(',') ?? [],
      };
      expect(verifyRecordProof({ record: event.data, ...proof, checkpoint }, log.pem)).toEqual({
        ok: true,
      });
    }
    const ocsf = (await text(toOcsf(log.records, { proofs: log.proofs }))).trimEnd().split('\n');
    expect(JSON.parse(ocsf.at(-1)!)).toEqual({
      warden_checkpoint: JSON.parse(JSON.stringify(checkpoint)) as unknown,
    });
  });
});
