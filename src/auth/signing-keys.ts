/**
 * The Ed25519 keys that sign access tokens: the current private key in the data directory
 * (`auth-signing-key.pem`, PKCS#8, mode 0600, created at first start the way the audit
 * signing key is), and the public halves of retired keys (`auth-retired-keys.json`), kept
 * for verification until every token they signed has expired.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { link, mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { randomToken } from './secrets.js';
import { AuthError } from './errors.js';

export const AUTH_SIGNING_KEY_FILE = 'auth-signing-key.pem';
export const AUTH_RETIRED_KEYS_FILE = 'auth-retired-keys.json';

/** A public key in a JWKS document (RFC 8037 OKP). */
export interface PublicJwk {
  readonly kty: 'OKP';
  readonly crv: 'Ed25519';
  readonly x: string;
  readonly kid: string;
  readonly alg: 'EdDSA';
  readonly use: 'sig';
}

interface RetiredKey {
  readonly kid: string;
  readonly x: string;
  /** When it stopped signing (epoch ms). */
  readonly retiredAtMs: number;
}

export interface SigningKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

function unavailable(message: string, cause: unknown): AuthError {
  return new AuthError('AUTH_KEY_UNAVAILABLE', message, { cause });
}

function rawX(publicKey: KeyObject): string {
  return publicKey.export({ format: 'jwk' }).x ?? '';
}

/** Hex of the first 16 bytes of SHA-256 over the raw public key. */
export function keyIdOf(publicKey: KeyObject): string {
  const raw = Buffer.from(rawX(publicKey), 'base64url');
  return createHash('sha256').update(raw).digest().subarray(0, 16).toString('hex');
}

function signingKeyOf(privateKey: KeyObject): SigningKey {
  if (privateKey.asymmetricKeyType !== 'ed25519')
    throw unavailable('the auth signing key is not an Ed25519 key', undefined);
  const publicKey = createPublicKey(privateKey);
  return { kid: keyIdOf(publicKey), privateKey, publicKey };
}

function jwkOf(kid: string, x: string): PublicJwk {
  return { kty: 'OKP', crv: 'Ed25519', x, kid, alg: 'EdDSA', use: 'sig' };
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw unavailable(`cannot read ${path}`, error);
  }
}

async function writePrivateFile(path: string, text: string): Promise<void> {
  const handle = await open(path, 'wx', 0o600);
  try {
    await handle.chmod(0o600);
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** The current signing key and the retired public keys still accepted. */
export class SigningKeyring {
  readonly #dataDir: string;
  /** How long a retired key still verifies: the token lifetime plus clock skew. */
  readonly #retainMs: number;
  #current: SigningKey | undefined;
  #retired: RetiredKey[] = [];
  readonly #publicKeys = new Map<string, KeyObject>();

  constructor(dataDir: string, retainMs: number) {
    this.#dataDir = dataDir;
    this.#retainMs = retainMs;
  }

  /** Loads the key, creating it at first start (never overwriting one another process made). */
  async load(): Promise<void> {
    const path = join(this.#dataDir, AUTH_SIGNING_KEY_FILE);
    let pem = await readOptional(path);
    if (pem === undefined) {
      await this.#mkdir();
      const fresh = generateKeyPairSync('ed25519').privateKey;
      const text = fresh.export({ format: 'pem', type: 'pkcs8' }).toString();
      pem = (await this.#place(path, text, false)) ? text : await readOptional(path);
    }
    if (pem === undefined) throw unavailable(`the key file ${path} vanished`, undefined);
    try {
      this.#current = signingKeyOf(createPrivateKey({ key: pem, format: 'pem' }));
    } catch (error) {
      throw error instanceof AuthError ? error : unavailable(`${path} is not a PEM key`, error);
    }
    await this.#loadRetired();
  }

  /** The key that signs new tokens. */
  get current(): SigningKey {
    if (this.#current === undefined)
      throw new AuthError('AUTH_NOT_INITIALISED', 'the auth service is not initialised');
    return this.#current;
  }

  /** The public key of a key id still accepted at `nowMs`, or undefined. */
  publicKey(kid: string, nowMs: number): KeyObject | undefined {
    const current = this.#current;
    if (current?.kid === kid) return current.publicKey;
    const retired = this.#retired.find((key) => key.kid === kid);
    if (retired === undefined || retired.retiredAtMs + this.#retainMs < nowMs) return undefined;
    let key = this.#publicKeys.get(kid);
    if (key === undefined) {
      key = createPublicKey({ key: { ...jwkOf(kid, retired.x) }, format: 'jwk' });
      this.#publicKeys.set(kid, key);
    }
    return key;
  }

  /** The JWKS document: the current key, then retired keys not yet expired. */
  jwks(nowMs: number): { readonly keys: readonly PublicJwk[] } {
    const current = this.current;
    const retired = this.#retired.filter((key) => key.retiredAtMs + this.#retainMs >= nowMs);
    return {
      keys: [
        jwkOf(current.kid, rawX(current.publicKey)),
        ...retired.map((key) => jwkOf(key.kid, key.x)),
      ],
    };
  }

  /**
   * Replaces the signing key: the old public key is listed as retired first (so tokens it
   * signed keep verifying until they expire), then the new private key replaces the file.
   * @returns the old and new key ids.
   */
  async rotate(nowMs: number): Promise<{ readonly previousKid: string; readonly kid: string }> {
    const previous = this.current;
    this.#retired = [
      ...this.#retired.filter((key) => key.retiredAtMs + this.#retainMs >= nowMs),
      { kid: previous.kid, x: rawX(previous.publicKey), retiredAtMs: nowMs },
    ];
    await this.#place(
      join(this.#dataDir, AUTH_RETIRED_KEYS_FILE),
      JSON.stringify(this.#retired),
      true,
    );
    const fresh = generateKeyPairSync('ed25519').privateKey;
    const text = fresh.export({ format: 'pem', type: 'pkcs8' }).toString();
    await this.#place(join(this.#dataDir, AUTH_SIGNING_KEY_FILE), text, true);
    this.#current = signingKeyOf(fresh);
    return { previousKid: previous.kid, kid: this.#current.kid };
  }

  async #loadRetired(): Promise<void> {
    const text = await readOptional(join(this.#dataDir, AUTH_RETIRED_KEYS_FILE));
    if (text === undefined) return;
    const parsed: unknown = JSON.parse(text);
    if (!Array.isArray(parsed))
      throw unavailable(`${AUTH_RETIRED_KEYS_FILE} is corrupt`, undefined);
    this.#retired = parsed.filter(
      (key): key is RetiredKey =>
        typeof key === 'object' &&
        key !== null &&
        typeof (key as RetiredKey).kid === 'string' &&
        typeof (key as RetiredKey).x === 'string' &&
        typeof (key as RetiredKey).retiredAtMs === 'number',
    );
  }

  async #mkdir(): Promise<void> {
    try {
      await mkdir(this.#dataDir, { recursive: true });
    } catch (error) {
      throw unavailable(`cannot create the data directory ${this.#dataDir}`, error);
    }
  }

  /** Writes a file atomically (temp, fsync, then link or rename); false when one appeared. */
  async #place(path: string, text: string, replace: boolean): Promise<boolean> {
    const temp = `${path}.${String(process.pid)}.${randomToken(9)}.tmp`;
    try {
      await writePrivateFile(temp, text);
      if (replace) {
        await rename(temp, path);
        return true;
      }
      await link(temp, path);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw unavailable(`cannot write ${path}`, error);
    } finally {
      await unlink(temp).catch(() => undefined);
    }
  }
}
