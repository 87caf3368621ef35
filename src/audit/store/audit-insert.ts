import { CompiledQuery } from 'kysely';
import type { Dialect } from '../../storage/index.js';
import type { AuditDb } from './audit-query.js';

/**
 * Rows per INSERT, largest first. A batch is cut greedily into these sizes, so the SQL texts
 * are a handful per table and dialect: built once, and on SQLite prepared once (the storage
 * layer caches statements by SQL text). 256 rows x 22 columns stays far under both dialects'
 * bound-parameter limits.
 */
const CHUNK_SIZES = [256, 64, 16, 4, 1] as const;

const statements = new Map<string, string>();

/** `INSERT INTO table (columns) VALUES (...), (...)` for `rows` rows, built once per shape. */
function insertSql(dialect: Dialect, table: string, columns: readonly string[], rows: number) {
  const key = `${dialect}:${table}:${String(rows)}`;
  let text = statements.get(key);
  if (text === undefined) {
    let n = 0;
    const placeholder = dialect === 'postgres' ? () => `$${String(++n)}` : () => '?';
    const tuples: string[] = [];
    for (let r = 0; r < rows; r++) tuples.push(`(${columns.map(placeholder).join(', ')})`);
    text = `insert into "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) values ${tuples.join(', ')}`;
    statements.set(key, text);
  }
  return text;
}

/**
 * Inserts rows given as arrays of values in `columns` order, in multi-row statements of fixed
 * sizes: appending skips Kysely's per-batch query building (thousands of value nodes) and
 * reuses prepared statements. `table` and `columns` are the store's own constants, never input.
 */
export async function insertRows(
  db: AuditDb,
  dialect: Dialect,
  table: string,
  columns: readonly string[],
  rows: readonly (readonly unknown[])[],
): Promise<void> {
  let i = 0;
  for (const size of CHUNK_SIZES) {
    while (rows.length - i >= size) {
      const parameters: unknown[] = [];
      for (let r = i; r < i + size; r++) for (const value of rows[r] ?? []) parameters.push(value);
      await db.executeQuery(
        CompiledQuery.raw(insertSql(dialect, table, columns, size), parameters),
      );
      i += size;
    }
  }
}
