import { expect, it } from 'vitest';
import { ALERT_ERROR_CODES, AlertError } from '../../src/alerts/index.js';
import { ERROR_CATALOGUE } from '../../src/shared/error-catalogue.js';

it('lists every alert code in the catalogue with the category AlertError raises', () => {
  for (const code of Object.values(ALERT_ERROR_CODES)) {
    const entry = ERROR_CATALOGUE.find((e) => e.code === code);
    expect(entry?.category).toBe(new AlertError(code, 'x').category);
  }
});
