import type { StoredAuditRecord } from '../record.js';
import { coalesce, proofJson } from './export-options.js';
import type { AuditRecordSource, ExportOptions } from './export-options.js';

/** The CSV columns, in order (the header row). `payload` is the payload's JSON. */
export const CSV_COLUMNS = [
  'id',
  'tenant_id',
  'seq',
  'time',
  'recorded_at',
  'action',
  'outcome',
  'actor_user_id',
  'actor_ip',
  'actor_user_agent',
  'target_resource',
  'target_resource_id',
  'entity_id',
  'correlation_id',
  'source',
  'source_channel',
  'source_event_id',
  'prev_hash',
  'hash',
  'payload',
] as const;

/** Extra columns when the export carries proofs: the leaf index and the proof as a JSON array. */
export const CSV_PROOF_COLUMNS = ['proof_leaf_index', 'proof'] as const;

/** The `action` cell of the last row of an export with proofs; its `payload` cell holds the checkpoint. */
export const CSV_CHECKPOINT_ACTION = 'warden.checkpoint';

const CRLF = '\r\n';
/** Characters that make a spreadsheet read a cell as a formula (OWASP CSV injection). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One RFC 4180 cell. A text starting with `=`, `+`, `-`, `@`, tab or CR gets a leading `'` so a
 * spreadsheet shows it as text instead of running it (the cell's value then differs from the
 * record's: use NDJSON for an exact copy). Quoted when it holds `"`, `,`, CR or LF; `"` doubled.
 */
export function csvCell(value: string | number | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function row(cells: readonly (string | number | null)[]): string {
  return cells.map(csvCell).join(',') + CRLF;
}

function isoOrNull(epochMs: number): string | null {
  return Number.isFinite(epochMs) ? new Date(epochMs).toISOString() : null;
}

function recordCells(record: StoredAuditRecord): (string | number | null)[] {
  return [
    record.id,
    record.tenantId,
    record.seq,
    record.time,
    isoOrNull(record.recordedAt),
    record.action,
    record.outcome,
    record.actor.userId,
    record.actor.ip,
    record.actor.userAgent,
    record.target.resource,
    record.target.resourceId,
    record.entityId,
    record.correlationId,
    record.source,
    record.sourceChannel,
    record.sourceEventId,
    record.prevHash,
    record.hash,
    JSON.stringify(record.payload ?? null),
  ];
}

async function* csvRows(
  records: AuditRecordSource,
  options: ExportOptions,
): AsyncGenerator<string> {
  const { proofs } = options;
  yield row(proofs === undefined ? CSV_COLUMNS : [...CSV_COLUMNS, ...CSV_PROOF_COLUMNS]);
  for await (const record of records) {
    const cells = recordCells(record);
    if (proofs !== undefined) {
      const proof = proofJson(await proofs.proofs(record));
      cells.push(proof?.leafIndex ?? null, proof === null ? null : JSON.stringify(proof.proof));
    }
    yield row(cells);
  }
  if (proofs !== undefined) {
    const cells: (string | null)[] = Array<null>(CSV_COLUMNS.length + 2).fill(null);
    cells[CSV_COLUMNS.indexOf('action')] = CSV_CHECKPOINT_ACTION;
    cells[CSV_COLUMNS.indexOf('payload')] = JSON.stringify(proofs.checkpoint);
    yield row(cells);
  }
}

/**
 * Streams records as CSV (RFC 4180: CRLF line ends, a header row of `CSV_COLUMNS`), one record
 * at a time. Null fields are empty cells; `recorded_at` is ISO 8601; cells are guarded against
 * formula injection (`csvCell`). With `options.proofs`, two columns are added and a last
 * `warden.checkpoint` row carries the checkpoint (docs/audit.md, "Proofs in exports").
 */
export function toCsv(
  records: AuditRecordSource,
  options: ExportOptions = {},
): AsyncGenerator<string> {
  return coalesce(csvRows(records, options));
}
