import { CompiledQuery } from 'kysely';
import type { Dialect } from '../../storage/index.js';
import type { AuditDb } from './audit-query.js';

/**
 * SQLite: rows per INSERT, largest first. A batch is cut greedily into these sizes, so the SQL texts
 * are a handful per table and dialect: built once, and on SQLite prepared once (the storage
 * layer caches statements by SQL text). 256 rows x 22 columns stays far under both dialects'
 * bound-parameter limits.
 */
const CHUNK_SIZES = [256, 64, 16, 4, 1] as const;

const statements = new Map<string, string>();

/** A table the store inserts into: its columns and their PostgreSQL types, in value order. */
export interface InsertTable {
  readonly name: string;
  readonly columns: readonly string[];
  /** One per column, for PostgreSQL's `unnest($n::type[])`. */
  readonly pgTypes: readonly string[];
}

/**
 * PostgreSQL: the whole batch in one statement of one array per column. The server parses
 * 22 parameters instead of thousands, and the SQL text never changes.
 */
function unnestSql(table: InsertTable): string {
  const key = `postgres:${table.name}:unnest`;
  let text = statements.get(key);
  if (text === undefined) {
    const arrays = table.pgTypes.map((type, i) => `$${String(i + 1)}::${type}[]`);
    text = `insert into "${table.name}" (${table.columns.map((c) => `"${c}"`).join(', ')}) select * from unnest(${arrays.join(', ')})`;
    statements.set(key, text);
  }
  return text;
}

/** SQLite: `INSERT INTO table (columns) VALUES (?, …), (?, …)` for `rows` rows, built once per size. */
function insertSql(table: string, columns: readonly string[], rows: number): string {
  const key = `sqlite:${table}:${String(rows)}`;
  let text = statements.get(key);
  if (text === undefined) {
    const tuple = `(${columns.map(() => '?').join(', ')})`;
    const tuples: string[] = [];
    for (let r = 0; r < rows; r++) tuples.push(tuple);
    text = `insert into "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) values ${tuples.join(', ')}`;
    statements.set(key, text);
  }
  return text;
}

/**
 * Inserts rows given as arrays of values in `table.columns` order: on SQLite in multi-row
 * statements of fixed sizes (prepared once), on PostgreSQL in one `unnest` statement. Either
 * way appending skips Kysely's per-batch query building (thousands of value nodes). `table`
 * is one of the store's constants, never input.
 */
export async function insertRows(
  db: AuditDb,
  dialect: Dialect,
  table: InsertTable,
  rows: readonly (readonly unknown[])[],
): Promise<void> {
  if (rows.length === 0) return;
  if (dialect === 'postgres') {
    const arrays = table.columns.map((_, c) => rows.map((row) => row[c]));
    await db.executeQuery(CompiledQuery.raw(unnestSql(table), arrays));
    return;
  }
  const { name, columns } = table;
  let i = 0;
  for (const size of CHUNK_SIZES) {
    while (rows.length - i >= size) {
      const parameters: unknown[] = [];
      for (let r = i; r < i + size; r++) for (const value of rows[r] ?? []) parameters.push(value);
      await db.executeQuery(CompiledQuery.raw(insertSql(name, columns, size), parameters));
      i += size;
    }
  }
}
