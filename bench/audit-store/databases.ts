import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signingKeyFrom } from '../../src/audit/integrity/signing-key.js';
import type { AuditSigningKey } from '../../src/audit/integrity/signing-key.js';
import { openDatabase } from '../../src/storage/index.js';
import type { Database, Dialect } from '../../src/storage/index.js';
import { startPostgresCluster } from '../../test/support/postgres.js';

/** A database for one case: a SQLite file on the machine's disk, or a throwaway PostgreSQL. */
export interface BenchDatabase {
  readonly database: Database;
  close(): Promise<void>;
}

export async function benchDatabase(dialect: Dialect): Promise<BenchDatabase> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'warden-bench-audit-'));
    const database = await openDatabase({ driver: 'sqlite', file: join(dir, 'audit.db') });
    return {
      database,
      close: async () => {
        await database.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const cluster = await startPostgresCluster();
  const database = await openDatabase({
    driver: 'postgres',
    connectionString: cluster.url,
    poolSize: 4,
  });
  return {
    database,
    close: async () => {
      await database.close();
      await cluster.stop();
    },
  };
}

export function benchSigningKey(): AuditSigningKey {
  return signingKeyFrom(generateKeyPairSync('ed25519').privateKey);
}
