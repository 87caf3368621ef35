import {
  DummyDriver,
  Kysely,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from 'kysely';
import { describe, expect, it } from 'vitest';
import { scopeToTenant, tenantRow, tenantTable } from './tenant.js';

interface Tables {
  notes: { tenant_id: string; id: string; body: string };
  settings: { key: string; value: string };
}

/** Compiles queries without a database. */
const db = new Kysely<Tables>({
  dialect: {
    createAdapter: () => new SqliteAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (k) => new SqliteIntrospector(k),
    createQueryCompiler: () => new SqliteQueryCompiler(),
  },
});

describe('tenant helpers', () => {
  it('adds tenant_id = ? to selects, updates and deletes', () => {
    const select = scopeToTenant(db.selectFrom('notes').select('id'), 't1').compile();
    const update = scopeToTenant(db.updateTable('notes').set({ body: 'x' }), 't1').compile();
    const remove = scopeToTenant(db.deleteFrom('notes'), 't1').compile();

    expect(select.sql).toBe('select "id" from "notes" where "tenant_id" = ?');
    expect(update.sql).toBe('update "notes" set "body" = ? where "tenant_id" = ?');
    expect(remove.sql).toBe('delete from "notes" where "tenant_id" = ?');
    expect(remove.parameters).toEqual(['t1']);
  });

  it('does not compile for a table without tenant_id', () => {
    // @ts-expect-error settings has no tenant_id column
    const query = scopeToTenant(db.selectFrom('settings').selectAll(), 't1');
    expect(query).toBeDefined();
  });

  it('creates tables with tenant_id first and not null', () => {
    const sql = tenantTable(db, 'notes').addColumn('id', 'text').compile().sql;

    expect(sql).toBe('create table "notes" ("tenant_id" text not null, "id" text)');
  });

  it('sets tenant_id on a row to insert', () => {
    expect(tenantRow('t1', { id: 'n1', body: 'b' })).toEqual({
      id: 'n1',
      body: 'b',
      tenant_id: 't1',
    });
  });
});
