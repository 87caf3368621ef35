import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../shared/fake-clock.js';
import {
  exportPublicKey,
  keyIdOf,
  loadOrCreateSigningKey,
  parsePublicKey,
  SIGNING_KEY_FILE,
} from './signing-key.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'warden-audit-key-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('loadOrCreateSigningKey', () => {
  it('creates a PKCS#8 Ed25519 key with mode 0600 at first start', async () => {
    const dataDir = join(tempDir(), 'data');
    const clock = new FakeClock();
    const key = await loadOrCreateSigningKey(dataDir, { clock });
    const path = join(dataDir, SIGNING_KEY_FILE);
    expect(key.path).toBe(path);
    expect(key.createdAtMs).toBe(clock.now());
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const pem = readFileSync(path, 'utf8');
    expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(key.privateKey.asymmetricKeyType).toBe('ed25519');
    expect(readdirSync(dataDir)).toEqual([SIGNING_KEY_FILE]);
  });

  it('loads the same key at the next start without rewriting it', async () => {
    const dataDir = tempDir();
    const first = await loadOrCreateSigningKey(dataDir, { clock: new FakeClock() });
    const before = readFileSync(first.path, 'utf8');
    const second = await loadOrCreateSigningKey(dataDir, { clock: new FakeClock() });
    expect(second.keyId).toBe(first.keyId);
    expect(second.createdAtMs).toBeNull();
    expect(readFileSync(first.path, 'utf8')).toBe(before);
  });

  it('gives concurrent first starts one and the same key', async () => {
    const dataDir = tempDir();
    const clock = new FakeClock();
    const keys = await Promise.all(
      Array.from({ length: 4 }, () => loadOrCreateSigningKey(dataDir, { clock })),
    );
    expect(new Set(keys.map((k) => k.keyId)).size).toBe(1);
    expect(keys.filter((k) => k.createdAtMs !== null).length).toBeLessThanOrEqual(1);
    expect(readdirSync(dataDir)).toEqual([SIGNING_KEY_FILE]);
  });

  it('refuses a corrupt key file with AUDIT_KEY_INVALID and leaves it alone', async () => {
    const dataDir = tempDir();
    const path = join(dataDir, SIGNING_KEY_FILE);
    writeFileSync(path, '-----BEGIN PRIVATE KEY-----\nnot base64 at all\n', { mode: 0o600 });
    await expect(loadOrCreateSigningKey(dataDir, { clock: new FakeClock() })).rejects.toMatchObject(
      { code: 'AUDIT_KEY_INVALID', category: 'invalid_argument' },
    );
    expect(readFileSync(path, 'utf8')).toContain('not base64 at all');
  });

  it('refuses a key file of the wrong type with AUDIT_KEY_INVALID', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const ed = generateKeyPairSync('ed25519');
    const x25519 = generateKeyPairSync('x25519');
    for (const pem of [
      rsa.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
      ed.publicKey.export({ format: 'pem', type: 'spki' }).toString(),
      x25519.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    ]) {
      const dataDir = tempDir();
      writeFileSync(join(dataDir, SIGNING_KEY_FILE), pem, { mode: 0o600 });
      await expect(
        loadOrCreateSigningKey(dataDir, { clock: new FakeClock() }),
      ).rejects.toMatchObject({ code: 'AUDIT_KEY_INVALID' });
    }
  });

  it('reports a data directory it cannot use with AUDIT_KEY_UNAVAILABLE', async () => {
    const file = join(tempDir(), 'a-file');
    writeFileSync(file, 'not a directory');
    await expect(loadOrCreateSigningKey(file, { clock: new FakeClock() })).rejects.toMatchObject({
      code: 'AUDIT_KEY_UNAVAILABLE',
      details: { errno: 'ENOTDIR' },
    });
  });
});

describe('exportPublicKey', () => {
  it('exports PEM and JWK that parse back to the same key id', async () => {
    const key = await loadOrCreateSigningKey(tempDir(), { clock: new FakeClock() });
    const exported = exportPublicKey(key);
    expect(exported.keyId).toBe(key.keyId);
    expect(exported.pem).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    expect(exported.jwk).toMatchObject({
      kty: 'OKP',
      crv: 'Ed25519',
      kid: key.keyId,
      alg: 'EdDSA',
    });
    expect(Buffer.from(exported.jwk.x, 'base64url')).toHaveLength(32);
    expect(keyIdOf(parsePublicKey(exported.pem))).toBe(key.keyId);
    expect(keyIdOf(parsePublicKey(exported.jwk))).toBe(key.keyId);
    expect(keyIdOf(parsePublicKey(key.privateKey))).toBe(key.keyId);
    expect(exportPublicKey(key.publicKey)).toEqual(exported);
  });

  it('derives the key id from SHA-256 of the raw public key, first 16 bytes', () => {
    const { publicKey } = generateKeyPairSync('ed25519');
    const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
    const expected = createHash('sha256').update(raw).digest().subarray(0, 16).toString('hex');
    expect(keyIdOf(publicKey)).toBe(expected);
    expect(expected).toHaveLength(32);
  });
});

describe('parsePublicKey', () => {
  it('refuses what is not an Ed25519 key with AUDIT_KEY_INVALID', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    for (const input of [
      'not a key',
      rsa.publicKey.export({ format: 'pem', type: 'spki' }).toString(),
      { kty: 'OKP', crv: 'Ed25519', x: 'short' },
      { kty: 'EC' },
      createPublicKey(rsa.privateKey),
    ])
      expect(() => parsePublicKey(input)).toThrow(
        expect.objectContaining({ code: 'AUDIT_KEY_INVALID' }),
      );
  });
});
