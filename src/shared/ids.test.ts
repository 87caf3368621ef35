import { describe, expect, it } from 'vitest';
import type { Clock } from './clock.js';
import { systemClock } from './clock.js';
import { FakeClock } from './fake-clock.js';
import type { Random } from './ids.js';
import { createFastUuidV7Generator, createUuidV7Generator, uuidv7 } from './ids.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The 48-bit millisecond timestamp at the front of a UUIDv7. */
function timeOf(id: string): number {
  return parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}

/** A seeded xorshift32 source, so two generators given the same seed see the same bytes. */
function seededRandom(seed: number): Random {
  let state = seed >>> 0 || 1;
  return {
    fill(bytes: Uint8Array) {
      for (let i = 0; i < bytes.length; i++) {
        state ^= state << 13;
        state >>>= 0;
        state ^= state >>> 17;
        state ^= state << 5;
        state >>>= 0;
        bytes[i] = state & 0xff;
      }
    },
  };
}

function constantRandom(byte: number): Random {
  return {
    fill(bytes: Uint8Array) {
      bytes.fill(byte);
    },
  };
}

function generate(next: () => string, count: number): string[] {
  return Array.from({ length: count }, () => next());
}

function expectStrictlyIncreasing(ids: readonly string[]): void {
  for (let i = 1; i < ids.length; i++) {
    const [previous, current] = [ids[i - 1]!, ids[i]!];
    if (!(previous < current)) expect.fail(`id ${i} (${current}) is not after ${previous}`);
  }
}

describe('createUuidV7Generator', () => {
  it('makes RFC 9562 version-7 ids with the 10xx variant', () => {
    const next = createUuidV7Generator(new FakeClock());
    for (const id of generate(next, 1000)) expect(id).toMatch(UUID_V7);
  });

  it('puts the clock time in the first 48 bits', () => {
    const clock = new FakeClock(Date.UTC(2025, 4, 22, 10, 0, 0, 123));
    const next = createUuidV7Generator(clock);
    expect(timeOf(next())).toBe(clock.now());
    clock.advance(86_400_000);
    expect(timeOf(next())).toBe(clock.now());
  });

  it('encodes times that need all 48 bits', () => {
    const clock = new FakeClock(2 ** 48 - 1);
    expect(createUuidV7Generator(clock)()).toMatch(/^ffffffff-ffff-7/);
  });

  it('makes 10,000 unique, strictly increasing ids within one millisecond', () => {
    const clock = new FakeClock();
    const ids = generate(createUuidV7Generator(clock, seededRandom(7)), 10_000);
    expect(new Set(ids).size).toBe(10_000);
    expectStrictlyIncreasing(ids);
    for (const id of ids) expect(id).toMatch(UUID_V7);
  });

  it('borrows the next millisecond only when the 12-bit counter runs out', () => {
    const clock = new FakeClock();
    const ids = generate(createUuidV7Generator(clock, seededRandom(7)), 10_000);
    const start = clock.now();
    expect(timeOf(ids[0]!)).toBe(start);
    // Each millisecond holds at least 4096 - 8 ids (the counter starts at a random 0..7).
    expect(timeOf(ids[4087]!)).toBe(start);
    expect(timeOf(ids[9_999]!)).toBeLessThanOrEqual(start + 2);
  });

  it('stays increasing as the clock moves on', () => {
    const clock = new FakeClock();
    const next = createUuidV7Generator(clock, seededRandom(11));
    const ids: string[] = [];
    for (const stepMs of [0, 1, 1, 5, 0, 2000, 0]) {
      clock.advance(stepMs);
      ids.push(...generate(next, 50));
    }
    expectStrictlyIncreasing(ids);
    expect(timeOf(ids.at(-1)!)).toBe(clock.now());
  });

  it('stays increasing when the wall clock steps back', () => {
    let nowMs = 1_000_000;
    const steppingClock: Clock = { ...systemClock, now: () => nowMs };
    const next = createUuidV7Generator(steppingClock, seededRandom(3));
    const before = generate(next, 10);
    nowMs -= 60_000;
    const after = generate(next, 10);
    expectStrictlyIncreasing([...before, ...after]);
    expect(timeOf(after[0]!)).toBe(1_000_000);
  });

  it('is deterministic for a deterministic Random and clock', () => {
    const a = generate(createUuidV7Generator(new FakeClock(), seededRandom(42)), 600);
    const b = generate(createUuidV7Generator(new FakeClock(), seededRandom(42)), 600);
    const c = generate(createUuidV7Generator(new FakeClock(), seededRandom(43)), 600);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('fills the random bits from the injected Random', () => {
    const start = Date.UTC(2025, 4, 22, 10, 0, 0);
    const prefix = start.toString(16).padStart(12, '0');
    const time = `${prefix.slice(0, 8)}-${prefix.slice(8)}`;
    expect(createUuidV7Generator(new FakeClock(start), constantRandom(0))()).toBe(
      `${time}-7000-8000-000000000000`,
    );
    // Counter starts at byte 6 & 0x07; the variant keeps the low six bits of byte 8.
    expect(createUuidV7Generator(new FakeClock(start), constantRandom(0xff))()).toBe(
      `${time}-7007-bfff-ffffffffffff`,
    );
  });

  it('refills its random pool rather than repeating bytes', () => {
    const next = createUuidV7Generator(new FakeClock(), seededRandom(5));
    const tails = generate(next, 1000).map((id) => id.slice(19));
    expect(new Set(tails).size).toBe(1000);
  });
});

describe('uuidv7', () => {
  it('makes version-7 ids on the real clock', () => {
    const before = Date.now();
    const id = uuidv7();
    expect(id).toMatch(UUID_V7);
    expect(timeOf(id)).toBeGreaterThanOrEqual(before);
    expect(timeOf(id)).toBeLessThanOrEqual(Date.now());
  });
});

describe('createFastUuidV7Generator', () => {
  it('makes version-7 ids with the clock in the first 48 bits, strictly increasing within a millisecond', () => {
    const clock = new FakeClock(Date.UTC(2026, 10, 24, 12, 0, 0));
    const next = createFastUuidV7Generator(clock);
    const ids = Array.from({ length: 5000 }, () => next());
    for (const id of ids) {
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBeGreaterThanOrEqual(
        clock.now(),
      );
    }
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
