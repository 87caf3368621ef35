/**
 * The hash functions of the audit log (SHA-256 throughout): RFC 9162 leaf and node hashes
 * for the Merkle tree, and the per-tenant chain hash.
 */
import { hash } from 'node:crypto';
import { canonicalPayloadJson, canonicalRowJson } from './canonical.js';
import type { CanonicalAuditRecord, CanonicalAuditRow } from './canonical.js';

/** The `prevHash` of a tenant's first record: 64 zeros. */
export const GENESIS_HASH = '0'.repeat(64);

/** Size in bytes of every hash (SHA-256). */
export const HASH_SIZE_BYTES = 32;

const HEX_HASH = /^[0-9a-f]{64}$/;

/** Whether `value` is a hash as records and checkpoints hold it: 64 lowercase hex digits. */
export function isHexHash(value: unknown): value is string {
  return typeof value === 'string' && HEX_HASH.test(value);
}

// crypto.hash (one shot) is several times faster than createHash for small inputs, and on
// Node 20 its hex output plus Buffer.from(hex) is faster than its 'buffer' output.
function sha256Hex(data: string | Uint8Array): string {
  return hash('sha256', data, 'hex');
}

function fromHex(hex: string): Uint8Array {
  return Buffer.from(hex, 'hex');
}

/** SHA-256 of `data` (strings are hashed as UTF-8). */
export function sha256(data: string | Uint8Array): Uint8Array {
  return fromHex(sha256Hex(data));
}

/**
 * RFC 9162 leaf hash, `SHA-256(0x00 ‖ data)`, of a record's canonical bytes (a string is
 * taken as the canonical JSON text and hashed as UTF-8).
 */
export function leafHash(canonical: string | Uint8Array): Uint8Array {
  return fromHex(leafHashHex(canonical));
}

/** {@link leafHash} as 64 lowercase hex digits. */
export function leafHashHex(canonical: string | Uint8Array): string {
  // U+0000 is the single byte 0x00 in UTF-8: the string form needs no copy of the text.
  if (typeof canonical === 'string') return sha256Hex('\u0000' + canonical);
  const prefixed = new Uint8Array(canonical.length + 1);
  prefixed.set(canonical, 1);
  return sha256Hex(prefixed);
}

const nodeInput = Buffer.alloc(1 + 2 * HASH_SIZE_BYTES);
nodeInput[0] = 0x01;

/** RFC 9162 interior node hash, `SHA-256(0x01 ‖ left ‖ right)`, of two 32-byte hashes. */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  if (left.length !== HASH_SIZE_BYTES || right.length !== HASH_SIZE_BYTES)
    throw new RangeError('node hash inputs must be 32 bytes each');
  // Synchronous use of a shared scratch buffer: nothing can interleave between set and hash.
  nodeInput.set(left, 1);
  nodeInput.set(right, 1 + HASH_SIZE_BYTES);
  return fromHex(sha256Hex(nodeInput));
}

const chainInput = Buffer.alloc(2 * HASH_SIZE_BYTES);

/**
 * The chain hash stored as a record's `hash`: hex `SHA-256(prev ‖ leaf)` over 64 bytes,
 * `prev` being the 32 bytes of `prevHash` and `leaf` the record's RFC 9162 leaf hash
 * (`SHA-256(0x00 ‖ canonical bytes)`). The input can never equal a leaf or node hash
 * input: those start with 0x00 followed by a record's JSON (far longer than 63 bytes) or
 * with 0x01 and are 65 bytes long.
 *
 * @param prevHash the previous record's `hash` ({@link GENESIS_HASH} for the first).
 * @param canonical the record's canonical JSON text or bytes (`canonicalRecordJson`).
 * @throws TypeError when `prevHash` is not 64 lowercase hex digits.
 */
export function chainHash(prevHash: string, canonical: string | Uint8Array): string {
  return chainHashFromLeaf(prevHash, leafHashHex(canonical));
}

/** {@link chainHash} from the record's leaf hash (hex), when it is already computed. */
export function chainHashFromLeaf(prevHash: string, leafHashHexValue: string): string {
  if (!isHexHash(prevHash) || !isHexHash(leafHashHexValue))
    throw new TypeError('chain hash inputs must be 64 lowercase hex digits');
  return unsafeChainHash(prevHash, leafHashHexValue);
}

/** The chain hash of inputs already known to be valid hex (the verifier's hot path). */
export function unsafeChainHash(prevHash: string, leafHashHexValue: string): string {
  chainInput.write(prevHash, 0, HASH_SIZE_BYTES, 'hex');
  chainInput.write(leafHashHexValue, HASH_SIZE_BYTES, HASH_SIZE_BYTES, 'hex');
  return sha256Hex(chainInput);
}

/** The hashes the store keeps with a record. */
export interface RecordHashes {
  /** The canonical JSON text the hashes cover. */
  readonly canonicalJson: string;
  /** The payload's canonical JSON text: what a row keeps as `payloadJson`. */
  readonly payloadJson: string;
  /** RFC 9162 leaf hash: the record's leaf in the tenant's Merkle tree. */
  readonly leafHash: Uint8Array;
  /** The record's `hash` (chain hash, hex). */
  readonly hash: string;
}

/**
 * Everything the store computes when it appends a record: canonical JSON, leaf hash and
 * chain hash. `record.prevHash` must be the tenant's current head (or {@link GENESIS_HASH}).
 *
 * @throws TypeError when `record.prevHash` is not 64 lowercase hex digits.
 */
export function hashRecord(record: CanonicalAuditRecord): RecordHashes {
  const { payload, ...fields } = record;
  return hashRow({ ...fields, payloadJson: canonicalPayloadJson(payload) });
}

/** {@link hashRecord} of a row whose payload is already canonical JSON text. */
export function hashRow(row: CanonicalAuditRow): RecordHashes {
  const canonicalJson = canonicalRowJson(row);
  const leafHex = leafHashHex(canonicalJson);
  return {
    canonicalJson,
    payloadJson: row.payloadJson,
    leafHash: fromHex(leafHex),
    hash: chainHashFromLeaf(row.prevHash, leafHex),
  };
}
