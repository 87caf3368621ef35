/**
 * The canonical serialisation every audit hash is computed over: RFC 8785 (JSON
 * Canonicalization Scheme): object keys sorted by UTF-16 code units, no whitespace, numbers
 * in ECMAScript `Number#toString` form, strings escaped as `JSON.stringify` escapes them,
 * encoded as UTF-8.
 */
import type { StoredAuditRecord } from '../record.js';

/** What a record's hash covers: every stored field except `hash` itself. */
export type CanonicalAuditRecord = Omit<StoredAuditRecord, 'hash'>;

/**
 * The fields the canonical form covers (format v1), in JCS order. A field added to
 * `StoredAuditRecord` and not listed here fails a type check in `canonical.test.ts`, because
 * hashing a record while ignoring one of its fields would leave that field unprotected.
 */
export const CANONICAL_RECORD_FIELDS = [
  'action',
  'actor',
  'correlationId',
  'entityId',
  'id',
  'outcome',
  'payload',
  'prevHash',
  'recordedAt',
  'seq',
  'source',
  'sourceChannel',
  'sourceEventId',
  'target',
  'tenantId',
  'time',
] as const satisfies readonly (keyof CanonicalAuditRecord)[];

/**
 * RFC 8785 canonical JSON of any JSON value. Values JSON cannot hold are treated as
 * `JSON.stringify` treats them (`toJSON` is called; `undefined`, functions and symbols are
 * dropped from objects and become `null` in arrays; `NaN` and `±Infinity` become `null`), so
 * `canonicalJson(v) === canonicalJson(JSON.parse(JSON.stringify(v)))` always holds.
 * Lone surrogates are escaped (`\udXXX`), as `JSON.stringify` does.
 *
 * @returns the canonical text, or `undefined` where `JSON.stringify` returns `undefined`.
 * @throws TypeError for a `BigInt`; RangeError (stack) for a cyclic value.
 */
export function canonicalJson(value: unknown): string | undefined {
  return write(value, '');
}

/**
 * The canonical JSON text of a stored record without its `hash` (format v1): exactly the
 * fields of {@link CANONICAL_RECORD_FIELDS}, at the top level and inside `actor` and
 * `target`; other properties on the object are not part of the record and are ignored.
 * A listed field that is `undefined` is written as `null` (it would read back as missing,
 * and so `null`, after a JSON round trip). `payload` goes through {@link canonicalJson}.
 *
 * This is on the verify path (hundreds of thousands of records a second), so the record's
 * known shape is written directly rather than sorted.
 */
export function canonicalRecordJson(record: CanonicalAuditRecord): string {
  const r = record;
  return (
    '{"action":' +
    text(r.action) +
    ',"actor":' +
    actorJson(r.actor) +
    ',"correlationId":' +
    text(r.correlationId) +
    ',"entityId":' +
    text(r.entityId) +
    ',"id":' +
    text(r.id) +
    ',"outcome":' +
    text(r.outcome) +
    ',"payload":' +
    any(r.payload, 'payload') +
    ',"prevHash":' +
    text(r.prevHash) +
    ',"recordedAt":' +
    num(r.recordedAt) +
    ',"seq":' +
    num(r.seq) +
    ',"source":' +
    text(r.source) +
    ',"sourceChannel":' +
    text(r.sourceChannel) +
    ',"sourceEventId":' +
    text(r.sourceEventId) +
    ',"target":' +
    targetJson(r.target) +
    ',"tenantId":' +
    text(r.tenantId) +
    ',"time":' +
    text(r.time) +
    '}'
  );
}

/** {@link canonicalRecordJson} as UTF-8 bytes: what the leaf hash is computed over. */
export function canonicalRecordBytes(record: CanonicalAuditRecord): Uint8Array {
  return Buffer.from(canonicalRecordJson(record), 'utf8');
}

function actorJson(actor: unknown): string {
  if (typeof actor !== 'object' || actor === null) return any(actor, 'actor');
  const a = actor as Partial<Record<string, unknown>>;
  return `{"ip":${text(a['ip'])},"userAgent":${text(a['userAgent'])},"userId":${text(a['userId'])}}`;
}

function targetJson(target: unknown): string {
  if (typeof target !== 'object' || target === null) return any(target, 'target');
  const t = target as Partial<Record<string, unknown>>;
  return `{"resource":${text(t['resource'])},"resourceId":${text(t['resourceId'])}}`;
}

function text(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  return value === null ? 'null' : any(value, '');
}

function num(value: unknown): string {
  // String(n) equals JSON.stringify(n) for finite numbers, -0 included ("0").
  return typeof value === 'number' && Number.isFinite(value) ? String(value) : any(value, '');
}

function any(value: unknown, key: string): string {
  return write(value, key) ?? 'null';
}

/** One JSON value, as `JSON.stringify` would see it (`key` is passed to `toJSON`). */
function write(input: unknown, key: string): string | undefined {
  const value = toJsonValue(input, key);
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value === null) return 'null';
      return Array.isArray(value) ? writeArray(value) : writeObject(value);
    case 'bigint':
      throw new TypeError('canonical JSON cannot hold a BigInt');
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
  }
}

function toJsonValue(value: unknown, key: string): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return (toJSON as (key: string) => unknown).call(value, key);
  // Boxed primitives serialise as their primitive, as in JSON.stringify.
  if (value instanceof String || value instanceof Number || value instanceof Boolean)
    return value.valueOf();
  return value;
}

function writeArray(items: readonly unknown[]): string {
  let out = '[';
  for (let i = 0; i < items.length; i++) {
    if (i > 0) out += ',';
    out += write(items[i], String(i)) ?? 'null';
  }
  return out + ']';
}

function writeObject(object: object): string {
  const record = object as Record<string, unknown>;
  // Default sort compares UTF-16 code units, which is the order RFC 8785 prescribes.
  const keys = Object.keys(record).sort();
  let out = '{';
  let first = true;
  for (const key of keys) {
    const member = write(record[key], key);
    if (member === undefined) continue;
    out += (first ? '' : ',') + JSON.stringify(key) + ':' + member;
    first = false;
  }
  return out + '}';
}
