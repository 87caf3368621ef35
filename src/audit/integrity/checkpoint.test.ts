import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  CHECKPOINT_SIGNATURE_PREFIX,
  checkpointSigningInput,
  parseCheckpoint,
  signCheckpoint,
  verifyCheckpoint,
} from './checkpoint.js';
import type { Checkpoint, UnsignedCheckpoint } from './checkpoint.js';
import { GENESIS_HASH, leafHash } from './hashes.js';
import { EMPTY_TREE_ROOT } from './merkle.js';
import { exportPublicKey, signingKeyFrom } from './signing-key.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const newKey = () => signingKeyFrom(generateKeyPairSync('ed25519').privateKey);

function body(overrides: Partial<UnsignedCheckpoint> = {}): UnsignedCheckpoint {
  return {
    tenantId: `tenant-${randomUUID()}`,
    treeSize: 42,
    rootHash: hex(leafHash('root')),
    lastSeq: 42,
    lastHash: hex(leafHash('head')),
    time: '2026-11-24T12:00:00.000Z',
    ...overrides,
  };
}

describe('signCheckpoint', () => {
  it('signs the prefixed RFC 8785 JSON of the body with the key, naming its id', () => {
    const key = newKey();
    const checkpoint = signCheckpoint(body(), key);
    expect(checkpoint.keyId).toBe(key.keyId);
    const input = checkpointSigningInput(checkpoint).toString('utf8');
    expect(input.startsWith(CHECKPOINT_SIGNATURE_PREFIX)).toBe(true);
    expect(input.slice(CHECKPOINT_SIGNATURE_PREFIX.length)).toBe(
      JSON.stringify({
        keyId: checkpoint.keyId,
        lastHash: checkpoint.lastHash,
        lastSeq: 42,
        rootHash: checkpoint.rootHash,
        tenantId: checkpoint.tenantId,
        time: checkpoint.time,
        treeSize: 42,
      }),
    );
    expect(verifyCheckpoint(checkpoint, key.publicKey)).toEqual({ kind: 'valid', checkpoint });
  });

  it('signs the empty log with the empty tree root and the genesis hash', () => {
    const key = newKey();
    const empty = body({
      treeSize: 0,
      lastSeq: 0,
      rootHash: hex(EMPTY_TREE_ROOT),
      lastHash: GENESIS_HASH,
    });
    expect(verifyCheckpoint(signCheckpoint(empty, key), key.publicKey).kind).toBe('valid');
    expect(() => signCheckpoint({ ...empty, rootHash: hex(leafHash('x')) }, key)).toThrow(
      expect.objectContaining({ code: 'AUDIT_CHECKPOINT_INVALID' }),
    );
  });

  it('refuses a malformed body, listing every issue', () => {
    const bad = body({ treeSize: -1, lastSeq: 3, rootHash: 'XYZ', time: 'yesterday' });
    expect(() => signCheckpoint(bad, newKey())).toThrow(
      expect.objectContaining({
        code: 'AUDIT_CHECKPOINT_INVALID',
        details: {
          issues: [
            'treeSize must be a non-negative safe integer',
            'lastSeq must equal treeSize',
            'rootHash must be 64 lowercase hex digits',
            'time must be an RFC 3339 date-time',
          ],
        },
      }),
    );
  });

  it('refuses a key that is not an Ed25519 private key', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(() => signCheckpoint(body(), privateKey)).toThrow(
      expect.objectContaining({ code: 'AUDIT_KEY_INVALID' }),
    );
  });
});

describe('verifyCheckpoint', () => {
  it('verifies with the exported PEM or JWK alone', () => {
    const key = newKey();
    const checkpoint = JSON.parse(JSON.stringify(signCheckpoint(body(), key))) as Checkpoint;
    const { pem, jwk } = exportPublicKey(key);
    expect(verifyCheckpoint(checkpoint, pem).kind).toBe('valid');
    expect(verifyCheckpoint(checkpoint, jwk).kind).toBe('valid');
  });

  it('rejects any changed field as a bad signature', () => {
    const key = newKey();
    const checkpoint = signCheckpoint(body(), key);
    const changes: Partial<Checkpoint>[] = [
      { tenantId: `tenant-${randomUUID()}` },
      { treeSize: 43, lastSeq: 43 },
      { rootHash: hex(leafHash('other root')) },
      { lastHash: hex(leafHash('other head')) },
      { time: '2026-11-24T12:00:01.000Z' },
    ];
    for (const change of changes) {
      const outcome = verifyCheckpoint({ ...checkpoint, ...change }, key.publicKey);
      expect(outcome).toMatchObject({
        kind: 'invalid',
        reason: 'signature_invalid',
        error: { code: 'AUDIT_CHECKPOINT_INVALID' },
      });
    }
  });

  it('rejects a checkpoint of another key as a key mismatch', () => {
    const checkpoint = signCheckpoint(body(), newKey());
    expect(verifyCheckpoint(checkpoint, newKey().publicKey)).toMatchObject({
      kind: 'invalid',
      reason: 'key_mismatch',
    });
  });

  it('rejects a forged signature under the right key id', () => {
    const key = newKey();
    const other = newKey();
    const checkpoint = signCheckpoint(body(), key);
    const forged = sign(null, checkpointSigningInput(checkpoint), other.privateKey);
    expect(
      verifyCheckpoint({ ...checkpoint, signature: forged.toString('base64') }, key.publicKey),
    ).toMatchObject({ kind: 'invalid', reason: 'signature_invalid' });
  });

  it('reports malformed input as a typed outcome, never an exception', () => {
    const key = newKey();
    const checkpoint = signCheckpoint(body(), key);
    for (const input of [
      null,
      'checkpoint',
      [],
      {},
      { ...checkpoint, signature: 'c2ln' },
      { ...checkpoint, extra: 'unsigned data' },
      { ...checkpoint, keyId: 'ABC' },
    ])
      expect(verifyCheckpoint(input, key.publicKey)).toMatchObject({
        kind: 'invalid',
        reason: 'malformed',
        error: { code: 'AUDIT_CHECKPOINT_INVALID' },
      });
    expect(verifyCheckpoint(checkpoint, 'not a key')).toMatchObject({
      kind: 'invalid',
      reason: 'key_invalid',
      error: { code: 'AUDIT_KEY_INVALID' },
    });
  });
});

describe('parseCheckpoint', () => {
  it('returns a clean, frozen copy of a well-formed checkpoint', () => {
    const checkpoint = signCheckpoint(body(), newKey());
    const parsed = parseCheckpoint(JSON.parse(JSON.stringify(checkpoint)));
    expect(parsed).toEqual(checkpoint);
    expect(Object.isFrozen(parsed)).toBe(true);
  });

  it('accepts RFC 3339 offsets and refuses dates that do not exist', () => {
    const checkpoint = signCheckpoint(body(), newKey());
    expect(() =>
      parseCheckpoint({ ...checkpoint, time: '2026-11-24T13:00:00+01:00' }),
    ).not.toThrow();
    expect(() => parseCheckpoint({ ...checkpoint, time: '2026-13-45T12:00:00Z' })).toThrow(
      expect.objectContaining({ code: 'AUDIT_CHECKPOINT_INVALID' }),
    );
  });
});
