import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  BackPressureError,
  BusClosedError,
  EVENT_ERROR_CODES,
  ValidationError,
} from '../events/errors.js';
import { EventLogError, LOG_ERROR_CODES } from '../events/log/errors.js';
import { RBAC_ERROR_CODES, RbacError } from '../rbac/errors.js';
import { ERROR_CATALOGUE } from './error-catalogue.js';
import { ERROR_CATEGORIES } from './errors.js';

const docs = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
const codes = ERROR_CATALOGUE.map((entry) => entry.code);

function categoryOf(code: string): string | undefined {
  return ERROR_CATALOGUE.find((entry) => entry.code === code)?.category;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('ERROR_CATALOGUE', () => {
  it('lists each code once', () => {
    expect(new Set(codes).size).toBe(codes.length);
  });

  it('covers every event bus code', () => {
    for (const code of Object.values(EVENT_ERROR_CODES)) expect(codes).toContain(code);
    for (const code of Object.values(LOG_ERROR_CODES)) expect(codes).toContain(code);
  });

  it('covers every RBAC code with the category RbacError raises', () => {
    for (const code of Object.values(RBAC_ERROR_CODES)) {
      expect(codes).toContain(code);
      expect(categoryOf(code)).toBe(new RbacError(code, 'x').category);
    }
  });

  it('names every EVENT_ERROR_CODES key after its value', () => {
    for (const [key, code] of Object.entries(EVENT_ERROR_CODES)) expect(code).toBe(key);
  });

  it.each(ERROR_CATALOGUE.map((entry) => [entry.code, entry] as const))(
    '%s is well formed',
    (code, entry) => {
      expect(code).toMatch(/^[A-Z]+(_[A-Z]+)+$/);
      expect(ERROR_CATEGORIES).toContain(entry.category);
      expect(entry.description.length).toBeGreaterThan(10);
    },
  );

  it('matches the categories the error classes raise', () => {
    expect(categoryOf('BUS_BUFFER_FULL')).toBe(new BackPressureError('c', {}).category);
    expect(categoryOf('BUS_CLOSED')).toBe(new BusClosedError().category);
    for (const code of [
      EVENT_ERROR_CODES.EVENT_INVALID,
      EVENT_ERROR_CODES.EVENT_TOO_LARGE,
      EVENT_ERROR_CODES.EVENT_CLOUDEVENT_INVALID,
      EVENT_ERROR_CODES.BUS_CONFIG_INVALID,
      EVENT_ERROR_CODES.BUS_CHANNEL_INVALID,
      EVENT_ERROR_CODES.BUS_OPTIONS_INVALID,
    ]) {
      expect(categoryOf(code)).toBe(new ValidationError(code, 'x', []).category);
    }
    expect(categoryOf('BUS_CONSUMER_TAKEN')).toBe('conflict');
    for (const code of Object.values(LOG_ERROR_CODES)) {
      expect(categoryOf(code)).toBe(new EventLogError(code, 'x').category);
    }
  });

  it('is frozen', () => {
    expect(Object.isFrozen(ERROR_CATALOGUE)).toBe(true);
    for (const entry of ERROR_CATALOGUE) expect(Object.isFrozen(entry)).toBe(true);
  });
});

describe('docs/errors.md', () => {
  it.each(ERROR_CATALOGUE.map((entry) => [entry.code, entry.category] as const))(
    'documents %s with its category in the codes table',
    (code, category) => {
      const row = new RegExp(
        `^\\|\\s*\`${escapeRegExp(code)}\`\\s*\\|\\s*\`${category}\`\\s*\\|.+\\|$`,
        'm',
      );
      expect(docs).toMatch(row);
    },
  );

  it('documents no code that the catalogue lacks', () => {
    const documented = [...docs.matchAll(/^\|\s*`([A-Z]+(?:_[A-Z]+)+)`\s*\|/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual([...codes].sort());
  });

  it('maps every category to its HTTP status', () => {
    const statuses: Record<(typeof ERROR_CATEGORIES)[number], number> = {
      invalid_argument: 400,
      unauthenticated: 401,
      permission_denied: 403,
      not_found: 404,
      conflict: 409,
      failed_precondition: 422,
      resource_exhausted: 429,
      internal: 500,
      unavailable: 503,
      deadline_exceeded: 504,
    };
    for (const category of ERROR_CATEGORIES) {
      const row = new RegExp(
        `^\\|\\s*\`${category}\`\\s*\\|\\s*${statuses[category]}\\s*\\|$`,
        'm',
      );
      expect(docs).toMatch(row);
    }
  });
});
