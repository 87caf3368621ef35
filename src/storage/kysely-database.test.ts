import { randomBytes } from 'node:crypto';
import { beforeAll, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import {
  readBoolean,
  readEpochMs,
  readJson,
  withTables,
  writeBoolean,
  writeJson,
} from './columns.js';
import type { Database, MigrationSet } from './contract.js';
import { StorageError } from './errors.js';
import { scopeToTenant, tenantRow, tenantTable } from './tenant.js';
import { describeEachDatabase } from './testing.js';
import { translateStorageError } from './translate-error.js';

interface Tables {
  kd_items: {
    tenant_id: string;
    id: string;
    label: string;
    created_at: number;
    active: number;
    data: string;
  };
  kd_notes: { tenant_id: string; id: string; item_id: string };
}

const migrations: MigrationSet = {
  module: 'kd_test',
  migrations: [
    {
      version: 1,
      name: 'create_items_and_notes',
      up: async (db) => {
        await tenantTable(db, 'kd_items')
          .addColumn('id', 'text', (c) => c.notNull())
          .addColumn('label', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('active', 'integer', (c) => c.notNull())
          .addColumn('data', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('kd_items_pk', ['tenant_id', 'id'])
          .addUniqueConstraint('kd_items_label', ['tenant_id', 'label'])
          .execute();
        await tenantTable(db, 'kd_notes')
          .addColumn('id', 'text', (c) => c.notNull())
          .addColumn('item_id', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('kd_notes_pk', ['tenant_id', 'id'])
          .addForeignKeyConstraint('kd_notes_item', ['tenant_id', 'item_id'], 'kd_items', [
            'tenant_id',
            'id',
          ])
          .execute();
      },
    },
  ],
};

const tenant = (): string => `tenant-${randomBytes(5).toString('hex')}`;

function item(
  id: string,
  overrides: Partial<Tables['kd_items']> = {},
): Omit<Tables['kd_items'], 'tenant_id'> {
  return {
    id,
    label: `label-${id}`,
    created_at: 1_767_225_600_000,
    active: writeBoolean(true),
    data: writeJson({ id }),
    ...overrides,
  };
}

async function failure(promise: Promise<unknown>): Promise<StorageError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StorageError);
  return error as StorageError;
}

describeEachDatabase('a database', (open, databases) => {
  let database: Database;
  let db: Kysely<Tables>;

  beforeAll(async () => {
    database = await open();
    await database.migrate(migrations);
    db = withTables<Tables>(database);
  });

  it('commits a transaction that resolves', async () => {
    const t = tenant();

    const result = await database.transaction(async (trx) => {
      await trx
        .insertInto('kd_items')
        .values(tenantRow(t, item('a')))
        .execute();
      return 'done';
    });

    expect(result).toBe('done');
    expect(await scopeToTenant(db.selectFrom('kd_items').select('id'), t).execute()).toEqual([
      { id: 'a' },
    ]);
  });

  it('rolls back everything a failing transaction wrote and rethrows its error unchanged', async () => {
    const t = tenant();
    const thrown = new Error('changed my mind');

    const error: unknown = await database
      .transaction(async (trx) => {
        await trx
          .insertInto('kd_items')
          .values(tenantRow(t, item('a')))
          .execute();
        await trx
          .insertInto('kd_items')
          .values(tenantRow(t, item('b')))
          .execute();
        throw thrown;
      })
      .catch((e: unknown) => e);

    expect(error).toBe(thrown);
    expect(await scopeToTenant(db.selectFrom('kd_items').select('id'), t).execute()).toEqual([]);
  });

  it('fails a duplicate key with STORAGE_CONFLICT inside a transaction and rolls back', async () => {
    const t = tenant();
    await db
      .insertInto('kd_items')
      .values(tenantRow(t, item('a')))
      .execute();

    const error = await failure(
      database.transaction(async (trx) => {
        await trx
          .insertInto('kd_items')
          .values(tenantRow(t, item('b')))
          .execute();
        await trx
          .insertInto('kd_items')
          .values(tenantRow(t, item('a', { label: 'other' })))
          .execute();
      }),
    );

    expect(error).toMatchObject({ code: 'STORAGE_CONFLICT', category: 'conflict' });
    expect(error.details['dialect']).toBe(databases.dialect);
    expect(await scopeToTenant(db.selectFrom('kd_items').select('id'), t).execute()).toEqual([
      { id: 'a' },
    ]);
  });

  it('fails a plain Kysely query on a duplicate key with STORAGE_CONFLICT too', async () => {
    const t = tenant();
    await db
      .insertInto('kd_items')
      .values(tenantRow(t, item('a')))
      .execute();

    const error = await failure(
      db
        .insertInto('kd_items')
        .values(tenantRow(t, item('b', { label: 'label-a' })))
        .execute(),
    );

    expect(error).toMatchObject({
      code: 'STORAGE_CONFLICT',
      details: { dialect: databases.dialect },
    });
    expect(translateStorageError(error, databases.dialect)).toBe(error);
  });

  it('fails a dangling foreign key with STORAGE_REFERENCE_MISSING', async () => {
    const t = tenant();

    const error = await failure(
      database.transaction(async (trx) => {
        await trx
          .insertInto('kd_notes')
          .values({ tenant_id: t, id: 'n', item_id: 'nope' })
          .execute();
      }),
    );

    expect(error).toMatchObject({
      code: 'STORAGE_REFERENCE_MISSING',
      category: 'failed_precondition',
    });
  });

  it('keeps tenants apart when queries are scoped', async () => {
    const [a, b] = [tenant(), tenant()];
    await db
      .insertInto('kd_items')
      .values([tenantRow(a, item('x')), tenantRow(b, item('y'))])
      .execute();

    const seenByA = await scopeToTenant(db.selectFrom('kd_items').select('id'), a).execute();
    await scopeToTenant(db.deleteFrom('kd_items'), a).execute();
    const leftForB = await scopeToTenant(db.selectFrom('kd_items').select('id'), b).execute();

    expect(seenByA).toEqual([{ id: 'x' }]);
    expect(leftForB).toEqual([{ id: 'y' }]);
  });

  it('reads timestamps, booleans and JSON back the same way on both dialects', async () => {
    const t = tenant();
    const at = 4_102_444_800_123; // 2100-01-01, past 2^32 seconds in ms
    await db
      .insertInto('kd_items')
      .values(
        tenantRow(
          t,
          item('a', {
            created_at: at,
            active: writeBoolean(false),
            data: writeJson({ n: [1, 'two'] }),
          }),
        ),
      )
      .execute();

    const row = await scopeToTenant(
      db.selectFrom('kd_items').selectAll(),
      t,
    ).executeTakeFirstOrThrow();
    const count = await scopeToTenant(
      db.selectFrom('kd_items').select((eb) => eb.fn.countAll().as('n')),
      t,
    ).executeTakeFirstOrThrow();

    expect(row.created_at).toBe(at);
    expect(readEpochMs(row.created_at)).toBe(at);
    expect(readBoolean(row.active)).toBe(false);
    expect(readJson(row.data)).toEqual({ n: [1, 'two'] });
    expect(count.n).toBe(1);
  });

  it('closes idempotently and then refuses work with STORAGE_CLOSED', async () => {
    const other = await open();

    await other.close();
    await other.close();

    const error = await failure(other.transaction(() => Promise.resolve()));
    expect(error).toMatchObject({ code: 'STORAGE_CLOSED', category: 'unavailable' });
    expect((await failure(other.migrate(migrations))).code).toBe('STORAGE_CLOSED');
    expect((await failure(other.kysely.selectFrom('kd_items').selectAll().execute())).code).toBe(
      'STORAGE_CLOSED',
    );
  });

  it('lets a running transaction commit when closed mid-way', async () => {
    const t = tenant();
    const closing = await open();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let entered: () => void = () => undefined;
    const inside = new Promise<void>((resolve) => {
      entered = resolve;
    });

    const running = closing.transaction(async (trx) => {
      await trx
        .insertInto('kd_items')
        .values(tenantRow(t, item('late')))
        .execute();
      entered();
      await gate;
      await trx
        .insertInto('kd_items')
        .values(tenantRow(t, item('later')))
        .execute();
    });
    await inside;
    const closed = closing.close();
    release();
    await running;
    await closed;

    const ids = await scopeToTenant(db.selectFrom('kd_items').select('id'), t)
      .orderBy('id')
      .execute();
    expect(ids).toEqual([{ id: 'late' }, { id: 'later' }]);
  });

  it('closes a database that never ran a query', async () => {
    const unused = await open();

    await unused.close();

    expect((await failure(unused.kysely.selectFrom('kd_items').selectAll().execute())).code).toBe(
      'STORAGE_CLOSED',
    );
  });

  it('sees what another Database on the same storage committed', async () => {
    const t = tenant();
    const second = withTables<Tables>(await open());

    await db
      .insertInto('kd_items')
      .values(tenantRow(t, item('shared')))
      .execute();

    expect(await scopeToTenant(second.selectFrom('kd_items').select('id'), t).execute()).toEqual([
      { id: 'shared' },
    ]);
  });
});
