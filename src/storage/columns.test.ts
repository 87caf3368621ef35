import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  readBoolean,
  readEpochMs,
  readJson,
  readOptionalEpochMs,
  writeBoolean,
  writeJson,
} from './columns.js';

const corrupt = expect.objectContaining({ code: 'STORAGE_CORRUPT' }) as Error;

describe('column conventions', () => {
  it('reads an epoch-ms cell given as a number, a numeric string or a bigint', () => {
    expect(readEpochMs(1_767_225_600_000)).toBe(1_767_225_600_000);
    expect(readEpochMs('1767225600000')).toBe(1_767_225_600_000);
    expect(readEpochMs(1_767_225_600_000n)).toBe(1_767_225_600_000);
    expect(readOptionalEpochMs(null)).toBeUndefined();
  });

  it.each([1.5, 'soon', null, 2 ** 53, {}])('refuses the timestamp %j', (value) => {
    expect(() => readEpochMs(value)).toThrow(corrupt);
  });

  it('round-trips booleans through 0/1', () => {
    expect(readBoolean(writeBoolean(true))).toBe(true);
    expect(readBoolean(writeBoolean(false))).toBe(false);
    expect(() => readBoolean(2)).toThrow(corrupt);
  });

  it('round-trips JSON through TEXT', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(readJson(writeJson(value))).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });

  it('refuses text that is not JSON', () => {
    expect(() => readJson('{"open": ')).toThrow(corrupt);
    expect(() => readJson(7)).toThrow(corrupt);
  });
});
