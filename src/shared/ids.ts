import { randomFillSync, randomUUID } from 'node:crypto';
import type { Clock } from './clock.js';
import { systemClock } from './clock.js';

/** A source of random bytes, injected so ids can be made deterministic in tests. */
export interface Random {
  fill(bytes: Uint8Array): void;
}

export const cryptoRandom: Random = Object.freeze({
  fill(bytes: Uint8Array) {
    randomFillSync(bytes);
  },
});

const HEX: readonly string[] = Array.from({ length: 256 }, (_, i) =>
  i.toString(16).padStart(2, '0'),
);
const POOL_SIZE = 16 * 256;

/**
 * Makes UUIDv7 ids (RFC 9562): 48 bits of milliseconds then random bits, so ids sort by
 * creation time. Within one millisecond a 12-bit counter in `rand_a` keeps them monotonic.
 */
export function createUuidV7Generator(
  clock: Clock = systemClock,
  random: Random = cryptoRandom,
): () => string {
  const pool = new Uint8Array(POOL_SIZE);
  let poolOffset = POOL_SIZE;
  let lastMs = -1;
  let counter = 0;
  const bytes = new Uint8Array(16);

  return () => {
    if (poolOffset + 16 > POOL_SIZE) {
      random.fill(pool);
      poolOffset = 0;
    }
    for (let i = 0; i < 16; i++) bytes[i] = pool[poolOffset + i] ?? 0;
    poolOffset += 16;

    let ms = clock.now();
    if (ms <= lastMs) {
      // Same (or an earlier, if the wall clock stepped back) millisecond: bump the counter.
      ms = lastMs;
      counter++;
      if (counter > 0xfff) {
        ms = lastMs + 1;
        counter = 0;
      }
    } else {
      counter = (bytes[6] ?? 0) & 0x07; // random start, leaving room to count up
    }
    lastMs = ms;

    bytes[0] = Math.floor(ms / 2 ** 40) & 0xff;
    bytes[1] = Math.floor(ms / 2 ** 32) & 0xff;
    bytes[2] = (ms >>> 24) & 0xff;
    bytes[3] = (ms >>> 16) & 0xff;
    bytes[4] = (ms >>> 8) & 0xff;
    bytes[5] = ms & 0xff;
    bytes[6] = 0x70 | ((counter >>> 8) & 0x0f);
    bytes[7] = counter & 0xff;
    bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f);

    let out = '';
    for (let i = 0; i < 16; i++) {
      if (i === 4 || i === 6 || i === 8 || i === 10) out += '-';
      out += HEX[bytes[i] ?? 0] ?? '00';
    }
    return out;
  };
}

/**
 * A faster UUIDv7 generator for the real random source: it takes the random bits of
 * `crypto.randomUUID()` (native, pooled) and writes the timestamp and counter over its
 * first 16 hex digits, caching the timestamp's hex per millisecond.
 */
export function createFastUuidV7Generator(clock: Clock = systemClock): () => string {
  let lastMs = -1;
  let counter = 0;
  let timeHex = '';
  return () => {
    const random = randomUUID();
    let ms = clock.now();
    if (ms <= lastMs) {
      ms = lastMs;
      if (++counter > 0xfff) {
        ms = lastMs + 1;
        counter = 0;
      }
    } else {
      counter = random.charCodeAt(15) & 0x07; // random start, leaving room to count up
    }
    if (ms !== lastMs) {
      const hex = ms.toString(16).padStart(12, '0');
      timeHex = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7`;
    }
    lastMs = ms;
    return timeHex + counter.toString(16).padStart(3, '0') + random.slice(18);
  };
}

/** The process-wide UUIDv7 generator on the real clock. */
export const uuidv7: () => string = createFastUuidV7Generator();
