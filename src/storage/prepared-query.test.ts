import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { beforeAll, expect, it } from 'vitest';
import { withTables } from './columns.js';
import type { Database } from './contract.js';
import { prepareQuery } from './prepared-query.js';
import { tenantRow, tenantTable } from './tenant.js';
import { describeEachDatabase } from './testing.js';

interface Tables {
  pq_items: { tenant_id: string; id: string; kind: string; n: number };
}

const tenant = (): string => `tenant-${randomBytes(5).toString('hex')}`;

describeEachDatabase('prepared queries', (open) => {
  let database: Database;
  let db: Kysely<Tables>;

  beforeAll(async () => {
    database = await open();
    await database.migrate({
      module: 'pq_test',
      migrations: [
        {
          version: 1,
          name: 'create_items',
          up: async (k) => {
            await tenantTable(k, 'pq_items')
              .addColumn('id', 'text', (c) => c.notNull())
              .addColumn('kind', 'text', (c) => c.notNull())
              .addColumn('n', 'integer', (c) => c.notNull())
              .addPrimaryKeyConstraint('pq_items_pk', ['tenant_id', 'id'])
              .execute();
          },
        },
      ],
    });
    db = withTables<Tables>(database);
  });

  it('runs one compiled query with new parameters each time, keeping fixed values', async () => {
    const [a, b] = [tenant(), tenant()];
    await db
      .insertInto('pq_items')
      .values([
        tenantRow(a, { id: '1', kind: 'x', n: 1 }),
        tenantRow(a, { id: '2', kind: 'y', n: 2 }),
        tenantRow(b, { id: '1', kind: 'x', n: 3 }),
      ])
      .execute();
    const ofKindX = prepareQuery<{ tenantId: string }, { id: string; n: number }>((param) =>
      db
        .selectFrom('pq_items')
        .select(['id', 'n'])
        .where('tenant_id', '=', param('tenantId'))
        .where('kind', '=', 'x')
        .orderBy('id'),
    );

    expect(await ofKindX.execute(db, { tenantId: a })).toEqual([{ id: '1', n: 1 }]);
    expect(await ofKindX.execute(db, { tenantId: b })).toEqual([{ id: '1', n: 3 }]);
    expect(await ofKindX.executeTakeFirst(db, { tenantId: tenant() })).toBeUndefined();
    expect(ofKindX.sql).not.toContain('warden-param');
  });

  it('counts the rows a prepared update changed, inside a transaction too', async () => {
    const t = tenant();
    await db
      .insertInto('pq_items')
      .values([
        tenantRow(t, { id: '1', kind: 'x', n: 1 }),
        tenantRow(t, { id: '2', kind: 'x', n: 1 }),
      ])
      .execute();
    const bump = prepareQuery<{ tenantId: string; n: number }, never>((param) =>
      db
        .updateTable('pq_items')
        .set({ n: param('n') })
        .where('tenant_id', '=', param('tenantId')),
    );

    const changed = await database.transaction((trx) =>
      bump.executeCount(trx, { tenantId: t, n: 7 }),
    );
    const rolledBack = database.transaction(async (trx) => {
      await bump.executeCount(trx, { tenantId: t, n: 9 });
      throw new Error('undo');
    });

    expect(changed).toBe(2);
    await expect(rolledBack).rejects.toThrow('undo');
    const rows = await db.selectFrom('pq_items').select('n').where('tenant_id', '=', t).execute();
    expect(rows).toEqual([{ n: 7 }, { n: 7 }]);
  });
});
