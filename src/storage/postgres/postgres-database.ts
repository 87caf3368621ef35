import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { CustomTypesConfig, PoolConfig } from 'pg';
import type { Clock } from '../../shared/clock.js';
import type { Database } from '../contract.js';
import { databaseClosed } from '../errors.js';
import { KyselyDatabase } from '../kysely-database.js';
import { postgresMigrationLock } from '../migrator.js';
import { TranslatingDialect } from '../translating-dialect.js';
import { translatePostgresError } from './postgres-errors.js';

/** The PostgreSQL part of a `StorageConfig`, already validated. */
export interface PostgresDatabaseConfig {
  readonly connectionString: string;
  readonly poolSize?: number;
  readonly schema?: string;
  readonly connectTimeoutMs?: number;
}

/**
 * BIGINT (int8) comes back as a JS number, as SQLite's INTEGER does, so one row type fits
 * both dialects (epoch-ms timestamps, `count(*)`). Values past ±2^53 would lose precision:
 * Warden stores none. Set per pool, never on pg's global type registry.
 */
const INT8_OID = 20;
const parseInt8 = (value: string): number => Number(value);
const types: CustomTypesConfig = {
  getTypeParser: (oid: number, format?: string): unknown =>
    oid === INT8_OID && format !== 'binary'
      ? parseInt8
      : (pg.types.getTypeParser as (oid: number, format?: string) => unknown)(oid, format),
};

/** `host:port/database as user`: names the server in messages, never the password. */
export function describeTarget(connectionString: string): string {
  const url = new URL(connectionString);
  const host = url.hostname || url.searchParams.get('host') || 'localhost';
  const database = decodeURIComponent(url.pathname.slice(1)) || '(default)';
  const user = url.username ? ` as ${decodeURIComponent(url.username)}` : '';
  return `${host}:${url.port || '5432'}/${database}${user}`;
}

function poolConfig(config: PostgresDatabaseConfig): PoolConfig {
  return {
    connectionString: config.connectionString,
    max: config.poolSize ?? 10,
    connectionTimeoutMillis: config.connectTimeoutMs ?? 5000,
    idleTimeoutMillis: 10_000,
    allowExitOnIdle: true,
    application_name: 'warden',
    types,
    ...(config.schema === undefined ? {} : { options: `-c search_path=${config.schema}` }),
  };
}

/**
 * Connects once (surfacing an unreachable server and bad credentials now) and creates
 * `schema` when it is missing (a role without CREATE on the database can use one made for it).
 */
async function probe(pool: pg.Pool, schema: string | undefined): Promise<void> {
  const client = await pool.connect();
  try {
    if (schema === undefined) {
      await client.query('select 1');
      return;
    }
    const found = await client.query('select 1 from pg_namespace where nspname = $1', [schema]);
    if (found.rowCount === 0) await client.query(`create schema if not exists "${schema}"`);
  } catch (error) {
    // Two instances creating the same schema at once: the loser sees a duplicate.
    const code = (error as { code?: unknown }).code;
    if (code !== '23505' && code !== '42P06') throw error;
  } finally {
    client.release();
  }
}

/**
 * Opens a pg pool through Kysely and checks it can connect (and create `schema`).
 * Connections use `search_path = schema` when one is given.
 * @throws StorageError `STORAGE_UNREACHABLE` (no server, no database, timeout),
 *   `STORAGE_AUTH_FAILED` (bad user or password; the password is in no message).
 */
export async function openPostgresDatabase(
  config: PostgresDatabaseConfig,
  clock: Clock,
): Promise<Database> {
  const target = describeTarget(config.connectionString);
  const pool = new pg.Pool(poolConfig(config));
  // A connection that dies emits 'error': on the pool when idle, on the client while a query
  // holds it. Without listeners Node would end the process. The query in flight fails (and
  // is translated); the pool drops the dead connection.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
  });
  try {
    await probe(pool, config.schema);
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw translatePostgresError(error, target);
  }
  const label = `PostgreSQL ${target}`;
  const dialect = new TranslatingDialect(
    new PostgresDialect({ pool }),
    (error) => translatePostgresError(error, target),
    () => databaseClosed(label, 'postgres'),
  );
  return new KyselyDatabase({
    dialect: 'postgres',
    kysely: new Kysely<Record<string, never>>({ dialect }),
    clock,
    label,
    migrationLock: postgresMigrationLock,
    release: async () => {
      await dialect.close();
      if (!pool.ended) await pool.end(); // when no query ever ran, the driver never took it
    },
  });
}
