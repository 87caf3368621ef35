import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { StatementCache } from './statement-cache.js';

describe('StatementCache', () => {
  it('reuses the statement of a query it has prepared', () => {
    const cache = new StatementCache(new BetterSqlite3(':memory:'));

    const first = cache.prepare('select 1 as one');

    expect(cache.prepare('select 1 as one')).toBe(first);
    expect(cache.prepare('select 2 as two')).not.toBe(first);
    cache.close();
  });

  it('drops the least recently used statement past its capacity', () => {
    const cache = new StatementCache(new BetterSqlite3(':memory:'), 2);
    const one = cache.prepare('select 1');
    cache.prepare('select 2');
    cache.prepare('select 1'); // now the most recent

    cache.prepare('select 3');

    expect(cache.size).toBe(2);
    expect(cache.prepare('select 1')).toBe(one);
    cache.close();
  });

  it('closes the connection', () => {
    const connection = new BetterSqlite3(':memory:');
    new StatementCache(connection).close();
    expect(connection.open).toBe(false);
  });
});
