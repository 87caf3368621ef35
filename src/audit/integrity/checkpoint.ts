/**
 * Signed checkpoints: a tenant's chain head and Merkle tree head at one size, signed with
 * Ed25519, so that anyone holding the public key can check an export offline.
 */
import { sign, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { canonicalJson } from './canonical.js';
import { AuditIntegrityError } from './errors.js';
import { GENESIS_HASH, isHexHash } from './hashes.js';
import { EMPTY_TREE_ROOT, isTreeSize } from './merkle.js';
import { keyIdOf, parsePublicKey, signingKeyFrom } from './signing-key.js';
import type { AuditSigningKey, PublicKeyInput } from './signing-key.js';

/** What a checkpoint signs. */
export interface CheckpointBody {
  readonly tenantId: string;
  /** Leaves in the tenant's Merkle tree; equal to `lastSeq` (leaf index = seq - 1). */
  readonly treeSize: number;
  /** RFC 9162 Merkle Tree Hash of the tenant's first `treeSize` records (hex). */
  readonly rootHash: string;
  /** The `seq` of the last record covered (0 for an empty log). */
  readonly lastSeq: number;
  /** The `hash` of that record: the chain head (hex; {@link GENESIS_HASH} when empty). */
  readonly lastHash: string;
  /** When the checkpoint was made (RFC 3339, e.g. `2026-11-24T12:00:00.000Z`). */
  readonly time: string;
  /** The signing key's id (`keyIdOf`). */
  readonly keyId: string;
}

/** A signed checkpoint. */
export interface Checkpoint extends CheckpointBody {
  /** Base64 Ed25519 signature over {@link checkpointSigningInput}. */
  readonly signature: string;
}

/** A checkpoint before signing: the key id comes from the signing key. */
export type UnsignedCheckpoint = Omit<CheckpointBody, 'keyId'>;

/** Prefixed to what is signed, so a checkpoint signature can be valid for nothing else. */
export const CHECKPOINT_SIGNATURE_PREFIX = 'warden-audit-checkpoint-v1\n';

const BODY_FIELDS = [
  'tenantId',
  'treeSize',
  'rootHash',
  'lastSeq',
  'lastHash',
  'time',
  'keyId',
] as const satisfies readonly (keyof CheckpointBody)[];
const CHECKPOINT_FIELDS: ReadonlySet<string> = new Set([...BODY_FIELDS, 'signature']);
const EMPTY_ROOT_HEX = Buffer.from(EMPTY_TREE_ROOT).toString('hex');
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const KEY_ID = /^[0-9a-f]{32}$/;
/** An Ed25519 signature (64 bytes) in padded standard base64. */
const SIGNATURE = /^[A-Za-z0-9+/]{86}==$/;

/** The bytes a checkpoint's signature covers: the prefix, then the body's RFC 8785 JSON. */
export function checkpointSigningInput(body: CheckpointBody): Buffer {
  const fields: Record<string, unknown> = {};
  for (const field of BODY_FIELDS) fields[field] = body[field];
  return Buffer.from(CHECKPOINT_SIGNATURE_PREFIX + (canonicalJson(fields) as string), 'utf8');
}

/**
 * Signs a checkpoint with the instance's key; `keyId` is taken from the key.
 *
 * @example
 * signCheckpoint({ tenantId, treeSize: n, rootHash, lastSeq: n, lastHash, time: new Date(clock.now()).toISOString() }, key)
 * @throws AuditIntegrityError `AUDIT_CHECKPOINT_INVALID` for a malformed body,
 * `AUDIT_KEY_INVALID` for a key that is not an Ed25519 private key.
 */
export function signCheckpoint(
  body: UnsignedCheckpoint,
  key: AuditSigningKey | KeyObject,
): Checkpoint {
  const signingKey = 'privateKey' in key ? key : signingKeyFrom(key);
  const full: CheckpointBody = { ...pickBody(body), keyId: signingKey.keyId };
  const issues = bodyIssues({ ...full });
  if (issues.length > 0) throw malformed(issues);
  const signature = sign(null, checkpointSigningInput(full), signingKey.privateKey);
  return Object.freeze({ ...full, signature: signature.toString('base64') });
}

function pickBody(body: UnsignedCheckpoint): UnsignedCheckpoint {
  const { tenantId, treeSize, rootHash, lastSeq, lastHash, time } = body;
  return { tenantId, treeSize, rootHash, lastSeq, lastHash, time };
}

function malformed(issues: readonly string[]): AuditIntegrityError {
  return new AuditIntegrityError(
    'AUDIT_CHECKPOINT_INVALID',
    `malformed checkpoint: ${issues.join('; ')}`,
    { details: { issues } },
  );
}

/** Every way `body` breaks the checkpoint rules (empty when it is well formed). */
function bodyIssues(body: Readonly<Record<string, unknown>>): string[] {
  const issues: string[] = [];
  const { tenantId, treeSize, lastSeq, rootHash, lastHash, time, keyId } = body;
  if (typeof tenantId !== 'string' || tenantId.length === 0 || tenantId.length > 256)
    issues.push('tenantId must be a string of 1 to 256 characters');
  if (!isTreeSize(treeSize)) issues.push('treeSize must be a non-negative safe integer');
  if (lastSeq !== treeSize) issues.push('lastSeq must equal treeSize');
  if (!isHexHash(rootHash)) issues.push('rootHash must be 64 lowercase hex digits');
  if (!isHexHash(lastHash)) issues.push('lastHash must be 64 lowercase hex digits');
  if (treeSize === 0 && (rootHash !== EMPTY_ROOT_HEX || lastHash !== GENESIS_HASH))
    issues.push('an empty checkpoint has the empty tree root and the genesis hash');
  if (typeof time !== 'string' || !RFC3339.test(time) || Number.isNaN(Date.parse(time)))
    issues.push('time must be an RFC 3339 date-time');
  if (typeof keyId !== 'string' || !KEY_ID.test(keyId))
    issues.push('keyId must be 32 lowercase hex digits');
  return issues;
}

/**
 * A checkpoint from untrusted input (an export, a request body), checked for shape only:
 * every field present and well formed, no other field (unsigned data is not carried).
 *
 * @throws AuditIntegrityError `AUDIT_CHECKPOINT_INVALID`, `details.issues` listing each problem.
 */
export function parseCheckpoint(value: unknown): Checkpoint {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw malformed(['a checkpoint is a JSON object']);
  const input = value as Readonly<Record<string, unknown>>;
  const issues = bodyIssues(input);
  const signature = input['signature'];
  if (typeof signature !== 'string' || !SIGNATURE.test(signature))
    issues.push('signature must be a base64 Ed25519 signature');
  for (const field of Object.keys(input))
    if (!CHECKPOINT_FIELDS.has(field)) issues.push(`unknown field ${field}`);
  if (issues.length > 0) throw malformed(issues);
  const body = input as unknown as Checkpoint;
  return Object.freeze({ ...pickBody(body), keyId: body.keyId, signature: body.signature });
}

/** Why a checkpoint did not verify. */
export const CHECKPOINT_FAILURES = [
  'malformed',
  'key_invalid',
  'key_mismatch',
  'signature_invalid',
] as const;
export type CheckpointFailure = (typeof CHECKPOINT_FAILURES)[number];

/** The outcome of {@link verifyCheckpoint}. */
export type CheckpointVerification =
  | { readonly kind: 'valid'; readonly checkpoint: Checkpoint }
  | {
      readonly kind: 'invalid';
      readonly reason: CheckpointFailure;
      /** `AUDIT_CHECKPOINT_INVALID`, or `AUDIT_KEY_INVALID` for a bad public key. */
      readonly error: AuditIntegrityError;
    };

/**
 * Checks a checkpoint's shape, that its `keyId` names `publicKey`, and its signature.
 * Never throws: every bad input is a typed `invalid` outcome.
 */
export function verifyCheckpoint(
  checkpoint: unknown,
  publicKey: PublicKeyInput,
): CheckpointVerification {
  let parsed: Checkpoint;
  let key: KeyObject;
  try {
    parsed = parseCheckpoint(checkpoint);
  } catch (error) {
    return invalid('malformed', error);
  }
  try {
    key = parsePublicKey(publicKey);
  } catch (error) {
    return invalid('key_invalid', error);
  }
  if (keyIdOf(key) !== parsed.keyId)
    return invalid('key_mismatch', rejected('its keyId does not name the given public key'));
  const signature = Buffer.from(parsed.signature, 'base64');
  if (!verify(null, checkpointSigningInput(parsed), key, signature))
    return invalid('signature_invalid', rejected('its signature does not verify'));
  return { kind: 'valid', checkpoint: parsed };
}

function rejected(why: string): AuditIntegrityError {
  return new AuditIntegrityError('AUDIT_CHECKPOINT_INVALID', `checkpoint rejected: ${why}`);
}

function invalid(reason: CheckpointFailure, error: unknown): CheckpointVerification {
  const typed =
    error instanceof AuditIntegrityError
      ? error
      : new AuditIntegrityError('AUDIT_CHECKPOINT_INVALID', 'the checkpoint did not verify', {
          cause: error,
        });
  return { kind: 'invalid', reason, error: typed };
}
