import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { StoredAuditRecord } from '../record.js';
import {
  CANONICAL_RECORD_FIELDS,
  canonicalJson,
  canonicalRecordBytes,
  canonicalRecordJson,
} from './canonical.js';
import type { CanonicalAuditRecord } from './canonical.js';

function record(overrides: Partial<StoredAuditRecord> = {}): StoredAuditRecord {
  return {
    id: randomUUID(),
    tenantId: `tenant-${randomUUID()}`,
    action: 'auth.login_failed',
    actor: { userId: 'user-1', ip: '203.0.113.7', userAgent: 'curl/8.5' },
    target: { resource: 'session', resourceId: null },
    outcome: 'failure',
    entityId: null,
    correlationId: 'corr-1',
    source: 'auth-service',
    time: '2026-11-24T12:00:00.000Z',
    sourceEventId: randomUUID(),
    sourceChannel: 'security',
    payload: { reason: 'bad_password', attempts: 3 },
    seq: 1,
    prevHash: '0'.repeat(64),
    hash: 'f'.repeat(64),
    recordedAt: 1_764_000_000_000,
    ...overrides,
  };
}

/** Rebuilds a JSON value with every object's keys inserted in reverse order. */
function reversedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversedKeys);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).reverse())
    Object.defineProperty(out, key, {
      value: reversedKeys((value as Record<string, unknown>)[key]),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  return out;
}

describe('canonicalJson (RFC 8785)', () => {
  it('formats numbers and escapes strings as the RFC example does', () => {
    const input = JSON.parse(
      '{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],' +
        '"string":"\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/","literals":[null,true,false]}',
    ) as unknown;
    expect(canonicalJson(input)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],' +
        '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it('sorts keys by UTF-16 code units, integer-like keys included', () => {
    const input = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    };
    // Read the order from the text: JSON.parse would move the integer-like key first.
    const keys = [...(canonicalJson(input) as string).matchAll(/"((?:[^"\\]|\\.)*)":/g)].map(
      (m) => JSON.parse(`"${m[1] as string}"`) as string,
    );
    expect(keys).toEqual(['\r', '1', '\u0080', '\u00f6', '\u20ac', '\ud83d\ude00', '\ufb33']);
    expect(canonicalJson({ 10: 'a', 2: 'b', a: 'c' })).toBe('{"10":"a","2":"b","a":"c"}');
  });

  it('treats values JSON cannot hold as JSON.stringify does', () => {
    const date = new Date(Date.UTC(2026, 0, 2));
    expect(canonicalJson({ b: undefined, a: () => 1, c: Number.NaN, d: -0, e: date })).toBe(
      '{"c":null,"d":0,"e":"2026-01-02T00:00:00.000Z"}',
    );
    expect(canonicalJson([undefined, Symbol('s'), Infinity])).toBe('[null,null,null]');
    expect(canonicalJson(undefined)).toBeUndefined();
    expect(() => canonicalJson({ big: 1n })).toThrow(TypeError);
  });

  it('gives the same bytes whatever the key order and object identity', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const copy = JSON.parse(JSON.stringify(value)) as unknown;
        expect(canonicalJson(reversedKeys(value))).toBe(canonicalJson(value));
        expect(canonicalJson(copy)).toBe(canonicalJson(value));
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips through JSON.parse to the same bytes', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = canonicalJson(value) as string;
        expect(canonicalJson(JSON.parse(text))).toBe(text);
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)));
      }),
      { numRuns: 300 },
    );
  });

  it('escapes lone surrogates so the text stays valid UTF-8', () => {
    const text = canonicalJson({ s: 'a\ud800b' }) as string;
    expect(text).toBe('{"s":"a\\ud800b"}');
    expect(canonicalJson(JSON.parse(text))).toBe(text);
  });
});

describe('canonicalRecordJson', () => {
  it('covers every field of a stored record except hash', () => {
    expectTypeOf<
      Exclude<keyof CanonicalAuditRecord, (typeof CANONICAL_RECORD_FIELDS)[number]>
    >().toEqualTypeOf<never>();
    const r = record();
    const parsed = JSON.parse(canonicalRecordJson(r)) as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual([...CANONICAL_RECORD_FIELDS]);
    const { hash: _hash, ...withoutHash } = r;
    expect(parsed).toEqual(withoutHash);
  });

  it('equals the generic RFC 8785 form of the record without its hash', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.string(), fc.integer({ min: 1 }), (payload, action, seq) => {
        const { hash: _hash, ...rest } = record({ payload, action, seq });
        expect(canonicalRecordJson(rest)).toBe(canonicalJson(rest));
      }),
      { numRuns: 200 },
    );
  });

  it('equals the generic form when fields hold values of other JSON types', () => {
    const anyJson = fc.jsonValue();
    fc.assert(
      fc.property(anyJson, anyJson, anyJson, anyJson, (seq, ip, resource, tenantId) => {
        const r = record();
        const { hash: _hash, ...rest } = {
          ...r,
          seq,
          tenantId,
          actor: { ...r.actor, ip },
          target: { ...r.target, resource },
        } as unknown as StoredAuditRecord;
        expect(canonicalRecordJson(rest)).toBe(canonicalJson(rest));
      }),
      { numRuns: 200 },
    );
  });

  it('ignores properties that are not record fields, and the hash', () => {
    const r = record();
    const withExtras = { ...r, hash: 'a'.repeat(64), rowid: 7, actor: { ...r.actor, x: 1 } };
    expect(canonicalRecordJson(withExtras)).toBe(canonicalRecordJson(r));
  });

  it('changes when any field changes', () => {
    const r = record();
    const base = canonicalRecordJson(r);
    expect(canonicalRecordJson({ ...r, seq: 2 })).not.toBe(base);
    expect(canonicalRecordJson({ ...r, actor: { ...r.actor, ip: null } })).not.toBe(base);
    expect(
      canonicalRecordJson({ ...r, payload: { reason: 'bad_password', attempts: 4 } }),
    ).not.toBe(base);
    expect(canonicalRecordJson({ ...r, prevHash: '1'.repeat(64) })).not.toBe(base);
  });

  it('reads back the same after a JSON round trip of the record', () => {
    const r = record({ payload: { z: [1, 2.5, { b: null, a: 'é' }], a: true } });
    const restored = JSON.parse(JSON.stringify(r)) as StoredAuditRecord;
    expect(canonicalRecordJson(restored)).toBe(canonicalRecordJson(r));
  });

  it('encodes as UTF-8', () => {
    const r = record({ payload: { name: 'Zoë 😀' } });
    const bytes = canonicalRecordBytes(r);
    expect(Buffer.from(bytes).toString('utf8')).toBe(canonicalRecordJson(r));
    expect(bytes.length).toBe(Buffer.byteLength(canonicalRecordJson(r)));
  });
});
