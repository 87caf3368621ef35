/**
 * Offline verification of an export with nothing but the instance's public key: that one
 * record is in a tenant's log as a signed checkpoint saw it, and that a later checkpoint
 * extends an earlier one.
 */
import { KeyObject } from 'node:crypto';
import type { StoredAuditRecord } from '../record.js';
import { canonicalRecordJson } from './canonical.js';
import { verifyCheckpoint } from './checkpoint.js';
import type { Checkpoint, CheckpointFailure } from './checkpoint.js';
import { chainHashFromLeaf, isHexHash, leafHashHex } from './hashes.js';
import { verifyConsistency, verifyInclusion } from './merkle-verify.js';
import { parsePublicKey } from './signing-key.js';
import type { PublicKeyInput } from './signing-key.js';

/** Why an offline verification failed. */
export const OFFLINE_FAILURES = [
  /** The checkpoint is malformed (a missing or ill-formed field). */
  'checkpoint_malformed',
  /** The public key given is not an Ed25519 public key. */
  'key_invalid',
  /** The checkpoint was signed by another key. */
  'key_mismatch',
  /** The checkpoint's signature does not verify: it was altered or forged. */
  'signature_invalid',
  /** The record is not an object with the fields of a stored audit record. */
  'record_malformed',
  /** The record belongs to another tenant than the checkpoint. */
  'tenant_mismatch',
  /** The leaf index is not the record's `seq - 1`, or is past the checkpoint's tree. */
  'leaf_index_mismatch',
  /** The record's `hash` does not match its content, or (last leaf) the checkpoint's head. */
  'record_hash_mismatch',
  /** A proof element is not 64 hex digits. */
  'proof_malformed',
  /** The proof does not lead to the checkpoint's root: the record is not in that tree. */
  'inclusion_failed',
  /** The newer checkpoint has fewer records than the older one. */
  'size_regressed',
  /** The proof does not show the older tree to be a prefix of the newer one. */
  'consistency_failed',
] as const;
export type OfflineFailure = (typeof OFFLINE_FAILURES)[number];

/** The outcome of an offline verification. */
export type OfflineVerification =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: OfflineFailure; readonly message: string };

/** What an export carries to prove one record. */
export interface RecordProof {
  readonly record: StoredAuditRecord;
  /** The record's leaf index in the tenant's tree: `seq - 1`. */
  readonly leafIndex: number;
  /** The RFC 9162 inclusion proof, hex hashes from the leaf up. */
  readonly proof: readonly string[];
  /** A signed checkpoint whose tree holds the record. */
  readonly checkpoint: Checkpoint;
}

const OK: OfflineVerification = Object.freeze({ ok: true });

function fail(reason: OfflineFailure, message: string): OfflineVerification {
  return { ok: false, reason, message };
}

const CHECKPOINT_REASONS: Readonly<Record<CheckpointFailure, OfflineFailure>> = {
  malformed: 'checkpoint_malformed',
  key_invalid: 'key_invalid',
  key_mismatch: 'key_mismatch',
  signature_invalid: 'signature_invalid',
};

/** The checkpoint as verified (a clean copy), or why it is not valid. */
function checkSigned(
  checkpoint: unknown,
  key: KeyObject,
  label: string,
): Checkpoint | OfflineVerification {
  const outcome = verifyCheckpoint(checkpoint, key);
  if (outcome.kind === 'valid') return outcome.checkpoint;
  return fail(CHECKPOINT_REASONS[outcome.reason], `${label}: ${outcome.error.message}`);
}

function isFailure(value: object): value is OfflineVerification {
  return 'ok' in value;
}

function publicKeyOrFailure(input: PublicKeyInput): KeyObject | OfflineVerification {
  try {
    return parsePublicKey(input);
  } catch (error) {
    return fail('key_invalid', error instanceof Error ? error.message : 'invalid public key');
  }
}

/** Hex proof elements as bytes, or undefined when one is not 64 lowercase hex digits. */
function decodeProof(proof: unknown): Uint8Array[] | undefined {
  if (!Array.isArray(proof) || !proof.every(isHexHash)) return undefined;
  return proof.map((element) => Buffer.from(element, 'hex'));
}

/**
 * Verifies, with only the public key, that `record` is leaf `leafIndex` of the tree signed
 * by `checkpoint`: the checkpoint's signature, the record's tenant and position, its own
 * chain hash, and the inclusion proof against the signed root. Never throws.
 */
export function verifyRecordProof(
  input: RecordProof,
  publicKey: PublicKeyInput | KeyObject,
): OfflineVerification {
  const given: unknown = input;
  if (typeof given !== 'object' || given === null)
    return fail('record_malformed', 'the input holds no record, proof and checkpoint');
  const key = publicKeyOrFailure(publicKey);
  if (!(key instanceof KeyObject)) return key;
  const checkpoint = checkSigned(input.checkpoint, key, 'checkpoint');
  if (isFailure(checkpoint)) return checkpoint;
  const { record, leafIndex } = input;
  let leafHex: string;
  try {
    leafHex = leafHashHex(canonicalRecordJson(record));
  } catch {
    return fail('record_malformed', 'the record is not an object with the audit record fields');
  }
  if (record.tenantId !== checkpoint.tenantId)
    return fail('tenant_mismatch', 'the record belongs to another tenant than the checkpoint');
  if (leafIndex !== record.seq - 1 || leafIndex >= checkpoint.treeSize)
    return fail('leaf_index_mismatch', `leaf ${leafIndex} is not record ${record.seq} of the tree`);
  const hashFailure = recordHashFailure(record, leafHex, checkpoint);
  if (hashFailure !== undefined) return hashFailure;
  const proof = decodeProof(input.proof);
  if (proof === undefined) return fail('proof_malformed', 'a proof element is not a hex hash');
  const root = Buffer.from(checkpoint.rootHash, 'hex');
  if (!verifyInclusion(Buffer.from(leafHex, 'hex'), leafIndex, checkpoint.treeSize, proof, root))
    return fail('inclusion_failed', "the proof does not lead to the checkpoint's root");
  return OK;
}

function recordHashFailure(
  record: StoredAuditRecord,
  leafHex: string,
  checkpoint: Checkpoint,
): OfflineVerification | undefined {
  if (!isHexHash(record.prevHash) || chainHashFromLeaf(record.prevHash, leafHex) !== record.hash)
    return fail('record_hash_mismatch', "the record's hash does not match its content");
  if (record.seq === checkpoint.lastSeq && record.hash !== checkpoint.lastHash)
    return fail('record_hash_mismatch', "the record's hash is not the checkpoint's chain head");
  return undefined;
}

/**
 * Verifies, with only the public key, that `newer` extends `older`: both signed by the key,
 * same tenant, no fewer records, and the RFC 9162 consistency proof (hex hashes) from
 * `older.treeSize` to `newer.treeSize`. Equal sizes need equal roots and chain heads and an
 * empty proof. Never throws.
 */
export function verifyCheckpointExtends(
  olderInput: Checkpoint,
  newerInput: Checkpoint,
  proof: readonly string[],
  publicKey: PublicKeyInput | KeyObject,
): OfflineVerification {
  const key = publicKeyOrFailure(publicKey);
  if (!(key instanceof KeyObject)) return key;
  const checkedOlder = checkSigned(olderInput, key, 'older checkpoint');
  if (isFailure(checkedOlder)) return checkedOlder;
  const checkedNewer = checkSigned(newerInput, key, 'newer checkpoint');
  if (isFailure(checkedNewer)) return checkedNewer;
  return extendsOlder(checkedOlder, checkedNewer, proof);
}

function extendsOlder(older: Checkpoint, newer: Checkpoint, proof: unknown): OfflineVerification {
  if (older.tenantId !== newer.tenantId)
    return fail('tenant_mismatch', 'the checkpoints belong to different tenants');
  if (newer.treeSize < older.treeSize)
    return fail('size_regressed', 'the newer checkpoint covers fewer records than the older');
  if (newer.treeSize === older.treeSize && newer.lastHash !== older.lastHash)
    return fail('consistency_failed', 'checkpoints of one size name different chain heads');
  const hashes = decodeProof(proof);
  if (hashes === undefined) return fail('proof_malformed', 'a proof element is not a hex hash');
  const oldRoot = Buffer.from(older.rootHash, 'hex');
  const newRoot = Buffer.from(newer.rootHash, 'hex');
  if (!verifyConsistency(older.treeSize, newer.treeSize, oldRoot, newRoot, hashes))
    return fail('consistency_failed', 'the proof does not show the older tree inside the newer');
  return OK;
}
