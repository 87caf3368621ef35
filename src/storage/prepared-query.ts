import type { Compilable, CompiledQuery, QueryResult } from 'kysely';
import type { AnyKysely } from './contract.js';

/** Marks where a named parameter goes in a query built once by {@link prepareQuery}. */
export type ParamFn<Params> = <K extends keyof Params & string>(name: K) => Params[K];

/** A query compiled once, run many times with new parameter values. */
export interface PreparedQuery<Params, Row> {
  /** The SQL, for logs and tests. */
  readonly sql: string;
  /** Runs the query on `executor` (the database's Kysely or a transaction) and returns all rows. */
  execute(executor: AnyKysely, params: Params): Promise<Row[]>;
  /** Runs the query and returns the first row, or `undefined`. */
  executeTakeFirst(executor: AnyKysely, params: Params): Promise<Row | undefined>;
  /** Runs the query and returns the number of rows it inserted, updated or deleted. */
  executeCount(executor: AnyKysely, params: Params): Promise<number>;
}

const MARK = '\u0000warden-param:';

/**
 * Builds and compiles a query once, for a hot path: each run then skips Kysely's query
 * building and compiling and, on SQLite, reuses the prepared statement. `param('name')`
 * stands for a value given at each run, passed to the driver as it is; every other value is
 * fixed at compile time. Build it with the Kysely instance of the database that runs it
 * (the SQL is dialect-specific); a transaction of that database runs it too.
 *
 * @example
 * const findRole = prepareQuery<{ tenantId: string; id: string }, RoleRow>((param) =>
 *   db.selectFrom('rbac_roles').selectAll()
 *     .where('tenant_id', '=', param('tenantId')).where('id', '=', param('id')));
 * const role = await findRole.executeTakeFirst(db, { tenantId, id });
 */
export function prepareQuery<Params extends Record<string, unknown>, Row>(
  build: (param: ParamFn<Params>) => Compilable,
): PreparedQuery<Params, Row> {
  const param = ((name: string) => `${MARK}${name}`) as ParamFn<Params>;
  const compiled = build(param).compile() as CompiledQuery<Row>;
  const slots = compiled.parameters.map((value) =>
    typeof value === 'string' && value.startsWith(MARK) ? value.slice(MARK.length) : undefined,
  );
  const bind = (params: Params): CompiledQuery<Row> => ({
    ...compiled,
    parameters: slots.map((name, i) =>
      name === undefined ? compiled.parameters[i] : params[name],
    ),
  });
  const run = (executor: AnyKysely, params: Params): Promise<QueryResult<Row>> =>
    executor.executeQuery(bind(params));
  return Object.freeze({
    sql: compiled.sql,
    execute: async (executor: AnyKysely, params: Params) => (await run(executor, params)).rows,
    executeTakeFirst: async (executor: AnyKysely, params: Params) =>
      (await run(executor, params)).rows[0],
    executeCount: async (executor: AnyKysely, params: Params) =>
      Number((await run(executor, params)).numAffectedRows ?? 0n),
  });
}
