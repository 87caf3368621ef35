import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../shared/fake-clock.js';
import type { AnyKysely, Migration, MigrationSet } from './contract.js';
import { isStorageError } from './errors.js';
import { MIGRATIONS_TABLE, validateMigrationSet } from './migrator.js';
import { tenantTable } from './tenant.js';
import { describeEachDatabase } from './testing.js';

function moduleName(): string {
  return `mod_${randomBytes(5).toString('hex')}`;
}

/** A migration that creates `table` and counts its runs. */
function createTable(version: number, table: string, runs: Map<number, number>): Migration {
  return {
    version,
    name: `create_${table}`,
    up: async (db: AnyKysely) => {
      runs.set(version, (runs.get(version) ?? 0) + 1);
      await tenantTable(db, table)
        .addColumn('id', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint(`${table}_pk`, ['tenant_id', 'id'])
        .execute();
    },
  };
}

async function storedVersion(db: AnyKysely, module: string): Promise<number | undefined> {
  const row = (await db
    .selectFrom(MIGRATIONS_TABLE)
    .select('version')
    .where('module', '=', module)
    .executeTakeFirst()) as { version: number } | undefined;
  return row?.version;
}

/** Whether `table` is visible (in the suite's own schema on PostgreSQL). */
async function tableExists(db: AnyKysely, table: string): Promise<boolean> {
  return db
    .selectFrom(table)
    .selectAll()
    .limit(1)
    .execute()
    .then(
      () => true,
      () => false,
    );
}

describeEachDatabase('migrations', (open, databases) => {
  it('applies each migration once, however often migrate runs', async () => {
    const database = await open();
    const module = moduleName();
    const runs = new Map<number, number>();
    const set: MigrationSet = {
      module,
      migrations: [createTable(1, `${module}_a`, runs), createTable(2, `${module}_b`, runs)],
    };

    await database.migrate(set);
    await database.migrate(set);
    await database.migrate(set);

    expect([...runs]).toEqual([
      [1, 1],
      [2, 1],
    ]);
    expect(await storedVersion(database.kysely, module)).toBe(2);
  });

  it('applies only the new migrations when a later Warden adds some', async () => {
    const database = await open();
    const module = moduleName();
    const runs = new Map<number, number>();
    const first = createTable(1, `${module}_a`, runs);
    await database.migrate({ module, migrations: [first] });

    await database.migrate({ module, migrations: [first, createTable(2, `${module}_b`, runs)] });

    expect([...runs]).toEqual([
      [1, 1],
      [2, 1],
    ]);
    expect(await tableExists(database.kysely, `${module}_b`)).toBe(true);
  });

  it('keeps one version row per module', async () => {
    const database = await open();
    const [one, two] = [moduleName(), moduleName()];
    const runs = new Map<number, number>();

    await database.migrate({ module: one, migrations: [createTable(1, `${one}_a`, runs)] });
    await database.migrate({ module: two, migrations: [] });

    expect(await storedVersion(database.kysely, one)).toBe(1);
    expect(await storedVersion(database.kysely, two)).toBe(0);
  });

  it('stamps applied_at from the injected clock', async () => {
    const clock = new FakeClock(1_700_000_000_123);
    const database = await databases.open({ clock });
    const module = moduleName();

    await database.migrate({ module, migrations: [createTable(1, `${module}_a`, new Map())] });

    const row = (await database.kysely
      .selectFrom(MIGRATIONS_TABLE)
      .selectAll()
      .where('module', '=', module)
      .executeTakeFirstOrThrow()) as Record<string, unknown>;
    expect(row).toEqual({
      module,
      version: 1,
      name: `create_${module}_a`,
      applied_at: 1_700_000_000_123,
    });
  });

  it('refuses a database whose module schema is newer, changing nothing', async () => {
    const database = await open();
    const module = moduleName();
    const runs = new Map<number, number>();
    const migrations = [createTable(1, `${module}_a`, runs), createTable(2, `${module}_b`, runs)];
    await database.migrate({ module, migrations });

    const error: unknown = await database
      .migrate({ module, migrations: migrations.slice(0, 1) })
      .catch((e: unknown) => e);

    expect(isStorageError(error, 'STORAGE_SCHEMA_TOO_NEW')).toBe(true);
    expect(error).toMatchObject({
      category: 'failed_precondition',
      details: { module, storedVersion: 2, knownVersion: 1 },
    });
    expect(await storedVersion(database.kysely, module)).toBe(2);
  });

  it('rolls a failing migration back with the ones before it in the same run', async () => {
    const database = await open();
    const module = moduleName();
    const failing: Migration = {
      version: 2,
      name: 'explode',
      up: () => Promise.reject(new Error('boom')),
    };

    const error: unknown = await database
      .migrate({ module, migrations: [createTable(1, `${module}_a`, new Map()), failing] })
      .catch((e: unknown) => e);

    expect(error).toMatchObject({
      code: 'STORAGE_MIGRATION_FAILED',
      details: { module, version: 2, name: 'explode' },
    });
    expect(await tableExists(database.kysely, `${module}_a`)).toBe(false);
    expect(await storedVersion(database.kysely, module)).toBeUndefined();
  });

  it('validates the set before touching the database', async () => {
    const database = await databases.fresh();
    const module = moduleName();

    const error: unknown = await database
      .migrate({ module, migrations: [createTable(2, `${module}_a`, new Map())] })
      .catch((e: unknown) => e);

    expect(error).toMatchObject({
      code: 'STORAGE_MIGRATION_INVALID',
      category: 'invalid_argument',
    });
    expect(await tableExists(database.kysely, MIGRATIONS_TABLE)).toBe(false);
  });
});

describeEachDatabase('migrations as a module grows', (open) => {
  it('runs every migration exactly once, whatever releases run and in what order', async () => {
    const database = await open();
    // Each run deploys a release knowing the first `known` migrations; older releases refuse.
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 6 }),
        async (releases) => {
          const module = moduleName();
          const runs = new Map<number, number>();
          const all = [1, 2, 3, 4, 5].map((v) => createTable(v, `${module}_${v}`, runs));
          let newest = 0;
          for (const known of releases) {
            const outcome: unknown = await database
              .migrate({ module, migrations: all.slice(0, known) })
              .catch((e: unknown) => e);
            if (known < newest)
              expect(isStorageError(outcome, 'STORAGE_SCHEMA_TOO_NEW')).toBe(true);
            else expect(outcome).toBeUndefined();
            newest = Math.max(newest, known);
          }
          expect(await storedVersion(database.kysely, module)).toBe(newest);
          expect([...runs.values()].every((count) => count === 1)).toBe(true);
          expect(runs.size).toBe(newest);
        },
      ),
      { numRuns: 15 },
    );
  });
});

describe('validateMigrationSet', () => {
  const up = () => Promise.resolve();
  const step = (version: number, name = `step_${version}`): Migration => ({ version, name, up });

  it.each([
    ['a gap', [step(1), step(3)]],
    ['a repeated version', [step(1), step(1)]],
    ['versions out of order', [step(2), step(1)]],
    ['a start other than 1', [step(0)]],
    ['a fractional version', [step(1.5)]],
    ['an empty name', [step(1, ' ')]],
  ])('refuses %s', (_label, migrations) => {
    expect(() => {
      validateMigrationSet({ module: 'rbac', migrations });
    }).toThrow(expect.objectContaining({ code: 'STORAGE_MIGRATION_INVALID' }) as Error);
  });

  it.each(['', 'RBAC', '1rbac', 'rb-ac', 'x'.repeat(64)])(
    'refuses the module name %j',
    (module) => {
      expect(() => {
        validateMigrationSet({ module, migrations: [] });
      }).toThrow(expect.objectContaining({ code: 'STORAGE_MIGRATION_INVALID' }) as Error);
    },
  );

  it('accepts versions 1..n in order', () => {
    expect(() => {
      validateMigrationSet({ module: 'rbac', migrations: [step(1), step(2), step(3)] });
    }).not.toThrow();
  });
});
