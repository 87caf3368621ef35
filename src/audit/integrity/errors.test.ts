import { describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE } from '../../shared/error-catalogue.js';
import { WardenError } from '../../shared/errors.js';
import { AUDIT_INTEGRITY_ERROR_CODES, AuditIntegrityError } from './errors.js';

describe('AuditIntegrityError', () => {
  it('lists every code in the catalogue with the category the class raises', () => {
    for (const code of Object.values(AUDIT_INTEGRITY_ERROR_CODES)) {
      const entry = ERROR_CATALOGUE.find((e) => e.code === code);
      expect(entry?.category).toBe(new AuditIntegrityError(code, 'x').category);
    }
  });

  it('names every code key after its value', () => {
    for (const [key, code] of Object.entries(AUDIT_INTEGRITY_ERROR_CODES)) expect(code).toBe(key);
  });

  it('is a WardenError with a serialisable view', () => {
    const error = new AuditIntegrityError('AUDIT_PROOF_INVALID', 'bad sizes', {
      details: { size: 3 },
    });
    expect(error).toBeInstanceOf(WardenError);
    expect(error.toJSON()).toEqual({
      code: 'AUDIT_PROOF_INVALID',
      category: 'invalid_argument',
      message: 'bad sizes',
      details: { size: 3 },
    });
  });
});
