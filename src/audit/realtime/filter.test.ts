import { describe, expect, it } from 'vitest';
import type { AuditRecord } from '../record.js';
import { matchesFilter, matchesTypes } from './index.js';
import type { AuditFilter } from './index.js';

const record: AuditRecord = {
  id: 'r-1',
  tenantId: 't-1',
  action: 'auth.login_failed',
  actor: { userId: 'alice', ip: '10.0.0.1', userAgent: null },
  target: { resource: 'auth.session', resourceId: 's-1' },
  outcome: 'failure',
  entityId: 'hq',
  correlationId: 'c-1',
  source: 'auth',
  time: '2025-05-22T10:00:00.000Z',
  sourceEventId: 'e-1',
  sourceChannel: 'security',
  payload: { reason: 'Bad_Password', attempts: 3 },
};

describe('matchesFilter', () => {
  it.each<[string, AuditFilter]>([
    ['an empty filter', {}],
    ['an empty type list', { types: [] }],
    ['an exact type', { types: ['rbac.role_change', 'auth.login_failed'] }],
    ['a type prefix ending in a dot', { types: ['auth.'] }],
    [
      'every field at once',
      {
        actor: 'alice',
        resource: 'auth.session',
        resourceId: 's-1',
        outcome: 'failure',
        correlationId: 'c-1',
        entityId: 'hq',
      },
    ],
    ['payload text in another case', { text: 'bad_PASSWORD' }],
    ['payload text across JSON', { text: '"attempts":3' }],
  ])('matches %s', (_, filter) => {
    expect(matchesFilter(record, filter)).toBe(true);
  });

  it.each<[string, AuditFilter]>([
    ['another type', { types: ['auth.logout'] }],
    ['a prefix without its dot', { types: ['auth'] }],
    ['a partial type', { types: ['auth.login'] }],
    ['another actor', { actor: 'bob' }],
    ['another resource', { resource: 'auth.token' }],
    ['another resource id', { resourceId: 's-2' }],
    ['another outcome', { outcome: 'success' }],
    ['another correlation id', { correlationId: 'c-2' }],
    ['another entity', { entityId: 'emea' }],
    ['text absent from the payload', { text: 'alice' }],
    ['one mismatching field among matching ones', { actor: 'alice', outcome: 'denied' }],
  ])('rejects %s', (_, filter) => {
    expect(matchesFilter(record, filter)).toBe(false);
  });

  it('never matches a null field with a wanted value', () => {
    const anonymous = { ...record, actor: { userId: null, ip: null, userAgent: null } };
    expect(matchesFilter(anonymous, { actor: 'alice' })).toBe(false);
  });

  it('treats a dotted prefix as a prefix of the whole action only', () => {
    expect(matchesTypes('system.circuit_breaker.opened', ['system.circuit_breaker.'])).toBe(true);
    expect(matchesTypes('xsystem.dead_letter.added', ['system.'])).toBe(false);
  });
});
