import { hash, verify } from '@node-rs/argon2';

/** `Algorithm.Argon2id` of @node-rs/argon2 (an ambient const enum, not importable as a value). */
const ARGON2ID = 2;
import { randomToken } from './secrets.js';
import type { Argon2Params } from './config.js';

/**
 * Argon2id hashing with the configured cost. Hashes carry their own parameters (PHC
 * string), so older hashes still verify and `needsRehash` tells when to upgrade one.
 */
export class PasswordHasher {
  readonly #params: Argon2Params;
  #dummy: Promise<string> | undefined;

  constructor(params: Argon2Params) {
    this.#params = params;
  }

  hash(password: string): Promise<string> {
    return hash(password.normalize('NFC'), {
      // eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment -- the const enum's value, see ARGON2ID
      algorithm: ARGON2ID,
      memoryCost: this.#params.memoryKiB,
      timeCost: this.#params.iterations,
      parallelism: this.#params.parallelism,
    });
  }

  async verify(storedHash: string, password: string): Promise<boolean> {
    try {
      return await verify(storedHash, password.normalize('NFC'));
    } catch {
      return false;
    }
  }

  /**
   * Verifies against a hash of a random password made with the current parameters, so a
   * login for an unknown user costs what a wrong password costs. Always false.
   */
  async verifyDummy(password: string): Promise<false> {
    this.#dummy ??= this.hash(randomToken());
    await this.verify(await this.#dummy, password);
    return false;
  }

  /** True when a stored hash is not argon2id at exactly the configured parameters. */
  needsRehash(storedHash: string): boolean {
    const match = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(storedHash);
    if (match === null) return true;
    const { memoryKiB, iterations, parallelism } = this.#params;
    return (
      Number(match[1]) !== memoryKiB ||
      Number(match[2]) !== iterations ||
      Number(match[3]) !== parallelism
    );
  }
}
