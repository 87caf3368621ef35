import type { StoredAuditRecord } from '../record.js';
import { coalesce, proofJson } from './export-options.js';
import type { AuditRecordSource, ExportOptions } from './export-options.js';
import { exportedRecord } from './record-json.js';

/**
 * Newline-delimited JSON lines built from each record by `toLine`; with proofs, each line also
 * has `warden_proof` and a last line `{"warden_checkpoint": ...}` follows. Shared by NDJSON and OCSF.
 */
export async function* jsonLines(
  records: AuditRecordSource,
  toLine: (record: StoredAuditRecord) => Record<string, unknown>,
  options: ExportOptions,
): AsyncGenerator<string> {
  const { proofs } = options;
  for await (const record of records) {
    const line = toLine(record);
    if (proofs !== undefined) line['warden_proof'] = proofJson(await proofs.proofs(record));
    yield `${JSON.stringify(line)}\n`;
  }
  if (proofs !== undefined) yield `${JSON.stringify({ warden_checkpoint: proofs.checkpoint })}\n`;
}

/**
 * Streams records as NDJSON: one `ExportedRecord` per line (`\n`-terminated), read and written
 * one record at a time. With `options.proofs`, see docs/audit.md "Proofs in exports".
 *
 * @example
 * Readable.from(toNdjson(store.stream(query))).pipe(response);
 */
export function toNdjson(
  records: AuditRecordSource,
  options: ExportOptions = {},
): AsyncGenerator<string> {
  return coalesce(jsonLines(records, (record) => ({ ...exportedRecord(record) }), options));
}
