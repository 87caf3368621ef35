import { describe, expect, it } from 'vitest';
import { parseStorageConfig } from './config.js';
import { StorageError, redactConnectionString } from './errors.js';
import { openDatabase } from './open-database.js';

function issuesOf(input: unknown): { path: string; reason: string }[] {
  try {
    parseStorageConfig(input);
  } catch (error) {
    expect(error).toBeInstanceOf(StorageError);
    expect(error).toMatchObject({ code: 'STORAGE_CONFIG_INVALID', category: 'invalid_argument' });
    return (error as StorageError).details['issues'] as { path: string; reason: string }[];
  }
  throw new Error('expected STORAGE_CONFIG_INVALID');
}

const paths = (input: unknown): string[] => issuesOf(input).map((issue) => issue.path);

describe('parseStorageConfig', () => {
  it('accepts a SQLite file, in-memory SQLite and a PostgreSQL URL with options', () => {
    expect(parseStorageConfig({ driver: 'sqlite', file: './data/warden.db' })).toEqual({
      driver: 'sqlite',
      file: './data/warden.db',
    });
    expect(parseStorageConfig({ driver: 'sqlite', file: ':memory:' }).driver).toBe('sqlite');
    const pg = {
      driver: 'postgres',
      connectionString: 'postgresql://warden:pw@db.internal:5433/warden?sslmode=require',
      poolSize: 20,
      schema: 'warden_main',
      connectTimeoutMs: 2000,
    };
    expect(parseStorageConfig(pg)).toEqual(pg);
  });

  it('returns a frozen copy', () => {
    const input = { driver: 'sqlite', file: 'x.db' };
    const config = parseStorageConfig(input);
    expect(config).not.toBe(input);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('refuses an unknown driver', () => {
    expect(paths({ driver: 'mysql', file: 'x' })).toEqual(['driver']);
  });

  it.each([[''], ['   '], [42], [undefined]])('refuses the SQLite file %j', (file) => {
    expect(paths({ driver: 'sqlite', file })).toEqual(['file']);
  });

  it.each(['', 'not a url', 'mysql://u@h/db', 'postgres://'])(
    'refuses the connection string %j',
    (connectionString) => {
      expect(paths({ driver: 'postgres', connectionString })).toEqual(['connectionString']);
    },
  );

  it.each([0, -1, 1.5, '10', Number.NaN])('refuses the pool size %j', (poolSize) => {
    expect(paths({ driver: 'postgres', connectionString: 'postgres://h/db', poolSize })).toEqual([
      'poolSize',
    ]);
  });

  it.each(['', 'Public', '1st', 'a-b', 'x"; drop', 'a'.repeat(64)])(
    'refuses the schema %j',
    (schema) => {
      expect(paths({ driver: 'postgres', connectionString: 'postgres://h/db', schema })).toEqual([
        'schema',
      ]);
    },
  );

  it('lists every bad path at once, unknown keys included', () => {
    expect(
      paths({
        driver: 'postgres',
        connectionString: 'nope',
        poolSize: 0,
        connectTimeoutMs: -5,
        pool: 3,
      }),
    ).toEqual(['connectionString', 'poolSize', 'connectTimeoutMs', 'pool']);
  });

  it('refuses a value that is not an object', () => {
    expect(paths('sqlite://x')).toEqual(['']);
    expect(paths(null)).toEqual(['']);
  });

  it('keeps the password out of the message and details of a bad URL', () => {
    const secret = 'hunter2-s3cret';
    let caught: unknown;
    try {
      parseStorageConfig({ driver: 'postgres', connectionString: `mysql://app:${secret}@h/db` });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(StorageError);
    expect(JSON.stringify(caught)).not.toContain(secret);
    expect((caught as StorageError).message).not.toContain(secret);
  });
});

describe('openDatabase', () => {
  it('validates the configuration at the boundary', async () => {
    const error: unknown = await openDatabase({
      driver: 'sqlite',
      file: '',
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'STORAGE_CONFIG_INVALID',
      details: { issues: [{ path: 'file', reason: expect.any(String) as unknown }] },
    });
  });
});

describe('redactConnectionString', () => {
  it('hides the password and password-like query parameters', () => {
    expect(
      redactConnectionString('postgres://app:pw@h:5432/db?sslpassword=x&sslmode=require'),
    ).toBe('postgres://app:***@h:5432/db?sslpassword=***&sslmode=require');
  });

  it('hides credentials in a string that is not a URL', () => {
    expect(redactConnectionString('postgres://app:p w@h:5432/d b%')).not.toContain('p w');
  });
});
