/**
 * The audit log's integrity primitives: canonical record serialisation, the per-tenant hash
 * chain, the RFC 9162 Merkle tree with inclusion and consistency proofs, Ed25519-signed
 * checkpoints and offline verification. Pure and storage-agnostic (node:crypto only); the
 * audit store calls them. See docs/audit-integrity.md.
 */
export {
  CANONICAL_RECORD_FIELDS,
  canonicalJson,
  canonicalPayloadJson,
  canonicalRecordBytes,
  canonicalRecordJson,
  canonicalRowJson,
} from './canonical.js';
export type { CanonicalAuditRecord, CanonicalAuditRow } from './canonical.js';
export {
  chainHash,
  chainHashFromLeaf,
  GENESIS_HASH,
  HASH_SIZE_BYTES,
  hashRecord,
  hashRow,
  isHexHash,
  leafHash,
  leafHashHex,
  nodeHash,
  sha256,
} from './hashes.js';
export type { RecordHashes } from './hashes.js';
export {
  CHAIN_FINDING_KINDS,
  ChainVerifier,
  GENESIS_POSITION,
  verifyChain,
  verifyChainAsync,
} from './chain.js';
export type {
  ChainFinding,
  ChainFindingKind,
  ChainPosition,
  ChainRecord,
  ChainVerification,
} from './chain.js';
export {
  EMPTY_TREE_ROOT,
  foldPeaks,
  isTreeSize,
  MerkleAccumulator,
  merkleTreeHash,
  peakCoordinates,
} from './merkle.js';
export type { CompletedSubtree, MerkleAccumulatorOptions, SubtreeCoordinates } from './merkle.js';
export { consistencyProof, inclusionProof, rootAt } from './merkle-proofs.js';
export type { SubtreeReader } from './merkle-proofs.js';
export { createSubtreeReader } from './subtree-reader.js';
export type { SubtreeSource } from './subtree-reader.js';
export { equalHashes, verifyConsistency, verifyInclusion } from './merkle-verify.js';
export {
  CHECKPOINT_FAILURES,
  CHECKPOINT_SIGNATURE_PREFIX,
  checkpointSigningInput,
  parseCheckpoint,
  signCheckpoint,
  verifyCheckpoint,
} from './checkpoint.js';
export type {
  Checkpoint,
  CheckpointBody,
  CheckpointFailure,
  CheckpointVerification,
  UnsignedCheckpoint,
} from './checkpoint.js';
export {
  exportPublicKey,
  keyIdOf,
  loadOrCreateSigningKey,
  parsePublicKey,
  SIGNING_KEY_FILE,
  signingKeyFrom,
} from './signing-key.js';
export type {
  AuditSigningKey,
  Ed25519PublicJwk,
  ExportedPublicKey,
  LoadedSigningKey,
  PublicKeyInput,
  SigningKeyOptions,
} from './signing-key.js';
export { OFFLINE_FAILURES, verifyCheckpointExtends, verifyRecordProof } from './offline-verify.js';
export type { OfflineFailure, OfflineVerification, RecordProof } from './offline-verify.js';
export {
  AUDIT_INTEGRITY_ERROR_CATEGORIES,
  AUDIT_INTEGRITY_ERROR_CODES,
  AuditIntegrityError,
} from './errors.js';
export type { AuditIntegrityErrorCode } from './errors.js';
