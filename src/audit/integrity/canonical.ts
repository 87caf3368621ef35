/**
 * The canonical serialisation every audit hash is computed over: RFC 8785 (JSON
 * Canonicalization Scheme): object keys sorted by UTF-16 code units, no whitespace, numbers
 * in ECMAScript `Number#toString` form, strings escaped as `JSON.stringify` escapes them,
 * encoded as UTF-8.
 */
import type { StoredAuditRecord } from '../record.js';
import { quoteJson, writeJson } from './canonical-json.js';

export { canonicalJson } from './canonical-json.js';

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
 * A record as a store row may hold it: the payload kept as its canonical JSON text
 * (`canonicalJson(payload)`, written at append) instead of a parsed value. Verifying rows
 * then never parses or re-serialises payloads, and every column is still covered by the hash.
 */
export type CanonicalAuditRow = Omit<CanonicalAuditRecord, 'payload'> & {
  /** `canonicalJson(payload) ?? 'null'`, exactly as written at append (not re-formatted). */
  readonly payloadJson: string;
};

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
  return recordJson(record, any(record.payload, 'payload'));
}

/**
 * {@link canonicalRecordJson} of a row whose payload is already canonical JSON text: the
 * text is spliced in verbatim, so it equals `canonicalRecordJson` of the parsed record as
 * long as `payloadJson` is what `canonicalJson` wrote. A payload text altered in any way
 * (even re-formatted) gives other bytes, and so another hash.
 */
export function canonicalRowJson(row: CanonicalAuditRow): string {
  return recordJson(row, row.payloadJson);
}

/** The canonical text of a payload as a store row keeps it (`'null'` for no payload). */
export function canonicalPayloadJson(payload: unknown): string {
  return any(payload, 'payload');
}

type RecordFields = Omit<CanonicalAuditRecord, 'payload'>;

/** The record's fixed fields around an already canonical payload text. */
function recordJson(r: RecordFields, payloadJson: string): string {
  return nativeRecordJson(r, payloadJson) ?? guardedRecordJson(r, payloadJson);
}

const isText = (v: unknown): boolean => typeof v === 'string' || v === null;
const isPresent = <T>(v: T | null | undefined): v is T => typeof v === 'object' && v !== null;

/**
 * Two native JSON.stringify calls over objects built in JCS key order (no key is
 * integer-like, so insertion order is output order), with the payload text between them:
 * several times faster than quoting field by field. Every field is read once; when one does
 * not have its schema type (a string or null, a finite number), the guarded path is used.
 */
function nativeRecordJson(r: RecordFields, payloadJson: string): string | undefined {
  // The types promise these shapes; rows read back from storage may still break them.
  const { actor, target, seq, recordedAt } = r as Partial<RecordFields>;
  if (!isPresent(actor) || !isPresent(target)) return undefined;
  if (!Number.isFinite(seq) || !Number.isFinite(recordedAt)) return undefined;
  const head = {
    action: r.action,
    actor: { ip: actor.ip, userAgent: actor.userAgent, userId: actor.userId },
    correlationId: r.correlationId,
    entityId: r.entityId,
    id: r.id,
    outcome: r.outcome,
  };
  const tail = {
    prevHash: r.prevHash,
    recordedAt,
    seq,
    source: r.source,
    sourceChannel: r.sourceChannel,
    sourceEventId: r.sourceEventId,
    target: { resource: target.resource, resourceId: target.resourceId },
    tenantId: r.tenantId,
    time: r.time,
  };
  if (!allText(head, tail)) return undefined;
  const headJson = JSON.stringify(head);
  const tailJson = JSON.stringify(tail);
  return headJson.slice(0, -1) + ',"payload":' + payloadJson + ',' + tailJson.slice(1);
}

interface Head {
  readonly action: unknown;
  readonly actor: { readonly ip: unknown; readonly userAgent: unknown; readonly userId: unknown };
  readonly correlationId: unknown;
  readonly entityId: unknown;
  readonly id: unknown;
  readonly outcome: unknown;
}

interface Tail {
  readonly prevHash: unknown;
  readonly source: unknown;
  readonly sourceChannel: unknown;
  readonly sourceEventId: unknown;
  readonly target: { readonly resource: unknown; readonly resourceId: unknown };
  readonly tenantId: unknown;
  readonly time: unknown;
}

function allText(h: Head, t: Tail): boolean {
  const { actor: a } = h;
  return (
    isText(h.action) &&
    isText(a.ip) &&
    isText(a.userAgent) &&
    isText(a.userId) &&
    isText(h.correlationId) &&
    isText(h.entityId) &&
    isText(h.id) &&
    isText(h.outcome) &&
    isText(t.prevHash) &&
    isText(t.source) &&
    isText(t.sourceChannel) &&
    isText(t.sourceEventId) &&
    isText(t.target.resource) &&
    isText(t.target.resourceId) &&
    isText(t.tenantId) &&
    isText(t.time)
  );
}

/** Field by field, for records whose fields do not all have their schema type. */
function guardedRecordJson(r: RecordFields, payloadJson: string): string {
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
    payloadJson +
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
  if (typeof value === 'string') return quoteJson(value);
  return value === null ? 'null' : any(value, '');
}

function num(value: unknown): string {
  return typeof value === 'number' && Number.isFinite(value) ? String(value) : any(value, '');
}

function any(value: unknown, key: string): string {
  return writeJson(value, key) ?? 'null';
}
