import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { sql } from 'kysely';
import { afterAll, expect, it } from 'vitest';
import type { StorageConfig } from './contract.js';
import { openDatabase } from './open-database.js';
import { describeEachDatabase } from './testing.js';
import type { TestPostgresServer } from './testing.js';

const made: StorageConfig[] = [];
let server: TestPostgresServer | undefined;

describeEachDatabase('describeEachDatabase', (open, databases) => {
  it('opens the suite storage on the named dialect, the same data on every open', async () => {
    const first = await open();
    await first.kysely.schema.createTable('shared_rows').addColumn('id', 'text').execute();
    await first.kysely.insertInto('shared_rows').values({ id: 'a' }).execute();

    const second = await open();

    expect(first.dialect).toBe(databases.dialect);
    expect(await second.kysely.selectFrom('shared_rows').selectAll().execute()).toEqual([
      { id: 'a' },
    ]);
    made.push(databases.config());
    server ??= databases.postgresServer();
  });

  it('gives a fresh storage that starts empty', async () => {
    const fresh = await databases.fresh();

    const seen: unknown = await fresh.kysely
      .selectFrom('shared_rows')
      .selectAll()
      .execute()
      .catch((e: unknown) => e);

    expect(seen).toMatchObject({ code: 'STORAGE_QUERY_FAILED' });
    made.push(databases.freshConfig());
    await databases.fresh().then((d) => d.close());
  });
});

afterAll(async () => {
  // Runs after both suites' own clean-up: nothing they made may be left.
  const schemas = made.flatMap((c) => (c.driver === 'postgres' && c.schema ? [c.schema] : []));
  for (const config of made) {
    if (config.driver === 'sqlite') expect(existsSync(dirname(config.file))).toBe(false);
  }
  expect(schemas.length).toBeGreaterThan(0);
  const admin = await openDatabase({ driver: 'postgres', connectionString: server!.url });
  try {
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from pg_namespace where nspname in (${sql.join(schemas)})`.execute(
      admin.kysely,
    );
    expect(rows[0]?.n).toBe(0);
  } finally {
    await admin.close();
  }
});
