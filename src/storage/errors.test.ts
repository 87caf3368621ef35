import { describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE } from '../shared/error-catalogue.js';
import { WardenError } from '../shared/errors.js';
import {
  STORAGE_ERROR_CATEGORIES,
  STORAGE_ERROR_CODES,
  StorageError,
  invalidStorageConfig,
  isStorageError,
} from './errors.js';

describe('storage error codes', () => {
  it.each(Object.values(STORAGE_ERROR_CODES))(
    '%s is in the catalogue with the category StorageError raises',
    (code) => {
      const entry = ERROR_CATALOGUE.find((e) => e.code === code);
      expect(entry?.category).toBe(new StorageError(code, 'x').category);
      expect(entry?.category).toBe(STORAGE_ERROR_CATEGORIES[code]);
    },
  );

  it('names every key after its value', () => {
    for (const [key, code] of Object.entries(STORAGE_ERROR_CODES)) expect(code).toBe(key);
  });

  it('is a WardenError that callers can narrow by code', () => {
    const error = new StorageError('STORAGE_CONFLICT', 'taken');
    expect(error).toBeInstanceOf(WardenError);
    expect(isStorageError(error)).toBe(true);
    expect(isStorageError(error, 'STORAGE_CONFLICT', 'STORAGE_BUSY')).toBe(true);
    expect(isStorageError(error, 'STORAGE_BUSY')).toBe(false);
    expect(isStorageError(new Error('taken'))).toBe(false);
  });

  it('lists every config issue in the message and details', () => {
    const error = invalidStorageConfig([
      { path: 'poolSize', reason: 'must be a positive integer' },
      { path: 'schema', reason: 'bad' },
    ]);
    expect(error.message).toContain('poolSize: must be a positive integer');
    expect(error.message).toContain('schema: bad');
    expect(error.toJSON().details).toEqual({
      issues: [
        { path: 'poolSize', reason: 'must be a positive integer' },
        { path: 'schema', reason: 'bad' },
      ],
    });
  });
});
