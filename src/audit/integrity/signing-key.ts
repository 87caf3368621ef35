/**
 * The Ed25519 key that signs a Warden instance's audit checkpoints: created in the data
 * directory at first start, loaded afterwards; its public half is what verifies offline.
 */
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  KeyObject,
  randomUUID,
} from 'node:crypto';
import { link, mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Clock } from '../../shared/clock.js';
import { AuditIntegrityError } from './errors.js';
import { sha256 } from './hashes.js';

/** The key file's name inside the data directory (PKCS#8 PEM, mode 0600). */
export const SIGNING_KEY_FILE = 'audit-signing-key.pem';

/** An Ed25519 key pair and its id. */
export interface AuditSigningKey {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** Hex of the first 16 bytes of SHA-256 over the raw 32-byte public key. */
  readonly keyId: string;
}

/** The key {@link loadOrCreateSigningKey} returns, and whether this start created it. */
export interface LoadedSigningKey extends AuditSigningKey {
  /** The key file. */
  readonly path: string;
  /** When this call created the key (clock time, epoch ms); null when it loaded one. */
  readonly createdAtMs: number | null;
}

export interface SigningKeyOptions {
  readonly clock: Clock;
}

/** An Ed25519 public key as a JWK (RFC 8037), with its Warden key id. */
export interface Ed25519PublicJwk {
  readonly kty: 'OKP';
  readonly crv: 'Ed25519';
  /** The raw public key, base64url. */
  readonly x: string;
  readonly kid: string;
  readonly alg: 'EdDSA';
  readonly use: 'sig';
}

/** A public key as a verifier may hold it: a KeyObject, a PEM (SPKI) text, or a JWK. */
export type PublicKeyInput = KeyObject | string | { readonly kty: string; readonly x?: string };

/** The public key in the forms a verifier needs. */
export interface ExportedPublicKey {
  readonly keyId: string;
  /** SPKI PEM. */
  readonly pem: string;
  readonly jwk: Ed25519PublicJwk;
}

function keyInvalid(message: string, cause?: unknown): AuditIntegrityError {
  return new AuditIntegrityError('AUDIT_KEY_INVALID', message, { cause });
}

function keyUnavailable(message: string, cause: unknown): AuditIntegrityError {
  const code = (cause as NodeJS.ErrnoException | undefined)?.code ?? 'unknown';
  return new AuditIntegrityError('AUDIT_KEY_UNAVAILABLE', `${message} (${code})`, {
    cause,
    details: { errno: code },
  });
}

function errnoOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/** The raw 32 bytes of an Ed25519 public key. */
function rawPublicKey(publicKey: KeyObject): Buffer {
  const jwk = publicKey.export({ format: 'jwk' });
  return Buffer.from(jwk.x ?? '', 'base64url');
}

/** The key id of an Ed25519 public key: hex of SHA-256(raw key), first 16 bytes. */
export function keyIdOf(publicKey: KeyObject): string {
  return Buffer.from(sha256(rawPublicKey(publicKey)).subarray(0, 16)).toString('hex');
}

function assertEd25519(key: KeyObject, type: 'private' | 'public'): void {
  if (key.asymmetricKeyType !== 'ed25519' || key.type !== type)
    throw keyInvalid(`expected an Ed25519 ${type} key, got ${key.asymmetricKeyType ?? key.type}`);
}

/** A signing key from an Ed25519 private KeyObject. @throws `AUDIT_KEY_INVALID` */
export function signingKeyFrom(privateKey: KeyObject): AuditSigningKey {
  assertEd25519(privateKey, 'private');
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, keyId: keyIdOf(publicKey) };
}

/**
 * An Ed25519 public key from a KeyObject (a private one gives its public half), SPKI PEM
 * text or a JWK (`OKP`/`Ed25519`). @throws AuditIntegrityError `AUDIT_KEY_INVALID`
 */
export function parsePublicKey(input: PublicKeyInput): KeyObject {
  let key: KeyObject;
  try {
    if (input instanceof KeyObject) key = input.type === 'private' ? createPublicKey(input) : input;
    else if (typeof input === 'string') key = createPublicKey({ key: input, format: 'pem' });
    else key = createPublicKey({ key: { ...input }, format: 'jwk' });
  } catch (error) {
    throw keyInvalid('the public key is not a PEM or JWK key', error);
  }
  assertEd25519(key, 'public');
  return key;
}

/** The public half of a signing key as SPKI PEM and as JWK, with its key id. */
export function exportPublicKey(key: AuditSigningKey | KeyObject): ExportedPublicKey {
  const publicKey = key instanceof KeyObject ? parsePublicKey(key) : key.publicKey;
  const keyId = keyIdOf(publicKey);
  const pem = publicKey.export({ format: 'pem', type: 'spki' }).toString();
  const x = rawPublicKey(publicKey).toString('base64url');
  return {
    keyId,
    pem,
    jwk: { kty: 'OKP', crv: 'Ed25519', x, kid: keyId, alg: 'EdDSA', use: 'sig' },
  };
}

/** Parses a PKCS#8 PEM private key file's text. @throws `AUDIT_KEY_INVALID` */
function parsePrivateKeyFile(pem: string, path: string): AuditSigningKey {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch (error) {
    throw keyInvalid(`the audit signing key file ${path} is not a PEM private key`, error);
  }
  return signingKeyFrom(key);
}

async function readKeyFile(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return undefined;
    throw keyUnavailable(`cannot read the audit signing key file ${path}`, error);
  }
}

/**
 * Loads the data directory's audit signing key, creating it at first start: a fresh Ed25519
 * key written as PKCS#8 PEM with mode 0600, atomically (a temporary file, fsynced, then
 * hard-linked into place, which fails rather than replace a key another process created
 * meanwhile; that key is then loaded). An existing key is never overwritten.
 *
 * @throws AuditIntegrityError `AUDIT_KEY_INVALID` when the file is not an Ed25519 private
 * key; `AUDIT_KEY_UNAVAILABLE` when it cannot be read or created (permissions, read-only
 * file system).
 */
export async function loadOrCreateSigningKey(
  dataDir: string,
  options: SigningKeyOptions,
): Promise<LoadedSigningKey> {
  const path = join(dataDir, SIGNING_KEY_FILE);
  const existing = await readKeyFile(path);
  if (existing !== undefined)
    return { ...parsePrivateKeyFile(existing, path), path, createdAtMs: null };
  try {
    await mkdir(dataDir, { recursive: true });
  } catch (error) {
    throw keyUnavailable(`cannot create the data directory ${dataDir}`, error);
  }
  const { privateKey } = generateKeyPairSync('ed25519');
  const createdAtMs = options.clock.now();
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const placed = await placeKeyFile(dataDir, path, pem);
  if (!placed) {
    const theirs = await readKeyFile(path);
    if (theirs === undefined) throw keyUnavailable(`the key file ${path} vanished`, undefined);
    return { ...parsePrivateKeyFile(theirs, path), path, createdAtMs: null };
  }
  return { ...signingKeyFrom(privateKey), path, createdAtMs };
}

/** Writes the key into place without replacing a file; false when one appeared meanwhile. */
async function placeKeyFile(dataDir: string, path: string, pem: string): Promise<boolean> {
  // Unique per call: concurrent first starts in one process must not share a temp file.
  const temp = join(dataDir, `.${SIGNING_KEY_FILE}.${process.pid}.${randomUUID()}.tmp`);
  try {
    await writePrivateFile(temp, pem);
    return await linkIntoPlace(temp, path);
  } catch (error) {
    throw keyUnavailable(`cannot create the audit signing key file ${path}`, error);
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

async function writePrivateFile(path: string, text: string): Promise<void> {
  const handle = await open(path, 'wx', 0o600);
  try {
    await handle.chmod(0o600); // in case the umask is unusual; never wider than 0600
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function linkIntoPlace(temp: string, path: string): Promise<boolean> {
  try {
    await link(temp, path);
  } catch (error) {
    const code = errnoOf(error);
    if (code === 'EEXIST') return false;
    // File systems without hard links: rename, after checking nothing is in the way.
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw error;
    if (await exists(path)) return false;
    await rename(temp, path);
  }
  await syncDirectory(dirname(path));
  return true;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch {
    // Some file systems refuse fsync on a directory; the file itself is already synced.
  } finally {
    await handle.close();
  }
}
