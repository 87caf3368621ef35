import { describe, expect, it } from 'vitest';
import { WardenError } from '../shared/errors.js';
import { ValidationError } from './errors.js';
import {
  DEFAULT_MAX_EVENT_SIZE_BYTES,
  eventIssues,
  isRfc3339,
  validateEvent,
} from './validate-event.js';

type EventRecord = Record<string, unknown>;

function validEvent(overrides: EventRecord = {}): EventRecord {
  return {
    id: 'evt-1',
    type: 'auth.login_failed',
    source: 'auth-service',
    time: '2025-05-22T10:00:00Z',
    dataVersion: '1.0',
    correlationId: 'req-42',
    data: { userId: 'u-1', attempts: 3 },
    metadata: { tenantId: 'tenant-a', user: 'u-1', crossTenant: false },
    ...overrides,
  };
}

function without(key: string): EventRecord {
  return Object.fromEntries(Object.entries(validEvent()).filter(([name]) => name !== key));
}

function withMetadata(metadata: unknown): EventRecord {
  return validEvent({ metadata });
}

function paths(value: unknown): string[] {
  return eventIssues(value)
    .map((issue) => issue.path)
    .sort();
}

function caught(action: () => unknown): ValidationError {
  try {
    action();
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('expected a ValidationError, nothing was thrown');
}

describe('validateEvent', () => {
  it('accepts a valid event and returns it with its JSON encoding and size', () => {
    const event = validEvent();
    const validated = validateEvent(event);
    expect(validated.event).toBe(event);
    expect(validated.json).toBe(JSON.stringify(event));
    expect(JSON.parse(validated.json)).toEqual(event);
    expect(validated.sizeBytes).toBe(Buffer.byteLength(validated.json, 'utf8'));
  });

  it('accepts an event with only the required fields', () => {
    const event = {
      id: 'e',
      type: 'a.b',
      source: 's',
      time: '2025-05-22T10:00:00Z',
      dataVersion: '1',
    };
    expect(eventIssues(event)).toEqual([]);
    expect(validateEvent(event).event).toBe(event);
  });

  it('reports sizeBytes in UTF-8 bytes, not UTF-16 units, well under the limit', () => {
    const validated = validateEvent(validEvent({ data: 'é€😀'.repeat(10) }));
    expect(validated.sizeBytes).toBe(Buffer.byteLength(validated.json, 'utf8'));
    expect(validated.sizeBytes).toBeGreaterThan(validated.json.length);
  });

  it('throws a ValidationError with code, category and issues for an invalid event', () => {
    const error = caught(() => validateEvent(without('id')));
    expect(error).toBeInstanceOf(WardenError);
    expect(error.code).toBe('EVENT_INVALID');
    expect(error.category).toBe('invalid_argument');
    expect(error.issues).toEqual([{ path: 'id', reason: 'is required' }]);
    expect(error.details).toEqual({ issues: error.issues });
    expect(error.message).toContain('id: is required');
  });

  it('lists every failing field at once', () => {
    const event = {
      type: 'Login',
      source: '',
      time: 'yesterday',
      correlationId: 7,
      metadata: { tenantId: 1, crossTenant: 'no', ip: '' },
    };
    const error = caught(() => validateEvent(event));
    expect(error.issues.map((issue) => issue.path).sort()).toEqual(
      [
        'id',
        'type',
        'source',
        'time',
        'dataVersion',
        'correlationId',
        'metadata.tenantId',
        'metadata.ip',
        'metadata.crossTenant',
      ].sort(),
    );
  });
});

describe('eventIssues', () => {
  it.each([
    ['null', null],
    ['an array', [validEvent()]],
    ['a string', 'auth.login'],
    ['undefined', undefined],
  ])('rejects %s as a whole with an empty path', (_name, value) => {
    expect(eventIssues(value)).toEqual([{ path: '', reason: 'must be an object' }]);
  });

  it.each(['id', 'type', 'source', 'time', 'dataVersion'])('requires %s', (key) => {
    expect(eventIssues(without(key))).toEqual([{ path: key, reason: 'is required' }]);
  });

  it.each([
    ['id', 42],
    ['id', ''],
    ['id', 'x'.repeat(129)],
    ['source', 'x'.repeat(257)],
    ['dataVersion', 1],
    ['dataVersion', 'x'.repeat(33)],
    ['time', 1_747_908_000_000],
  ])('rejects %s = %j', (key, value) => {
    expect(paths(validEvent({ [key]: value }))).toEqual([key]);
  });

  it('accepts an id of exactly 128 characters and a source of 256', () => {
    expect(eventIssues(validEvent({ id: 'x'.repeat(128), source: 's'.repeat(256) }))).toEqual([]);
  });

  it.each([
    'auth.login_failed',
    'rbac.permission_check',
    'system.dead_letter.added',
    'a.b',
    'a1.2x',
  ])('accepts the type %j', (type) => {
    expect(eventIssues(validEvent({ type }))).toEqual([]);
  });

  it.each([
    'Login',
    'auth',
    'auth..x',
    'auth.',
    '.auth',
    'Auth.login',
    '1auth.login',
    'auth.Login',
    'auth login.x',
  ])('rejects the type %j', (type) => {
    expect(paths(validEvent({ type }))).toEqual(['type']);
  });

  it.each(['2025-02-30T00:00:00Z', '2025-05-22T10:00:00', '2025-05-22', 'yesterday'])(
    'rejects the time %j',
    (time) => {
      expect(paths(validEvent({ time }))).toEqual(['time']);
    },
  );

  it.each([
    ['a number', 42],
    ['longer than 128 characters', 'c'.repeat(129)],
    ['null', null],
  ])('rejects a correlationId that is %s', (_name, correlationId) => {
    expect(paths(validEvent({ correlationId }))).toEqual(['correlationId']);
  });

  it('accepts a missing correlationId and one of 128 characters', () => {
    expect(eventIssues(without('correlationId'))).toEqual([]);
    expect(eventIssues(validEvent({ correlationId: 'c'.repeat(128) }))).toEqual([]);
  });

  it.each([
    ['a string', 'tenant-a'],
    ['an array', ['tenant-a']],
    ['null', null],
  ])('rejects metadata that is %s', (_name, metadata) => {
    expect(paths(withMetadata(metadata))).toEqual(['metadata']);
  });

  it.each([
    ['tenantId', 42],
    ['tenantId', ''],
    ['tenantId', 't'.repeat(257)],
    ['user', { id: 'u-1' }],
    ['ip', 127],
    ['userAgent', false],
    ['entityId', 9],
    ['sourceTenantId', null],
    ['targetTenantId', ['t']],
  ])('rejects metadata.%s = %j', (key, value) => {
    expect(paths(withMetadata({ [key]: value }))).toEqual([`metadata.${key}`]);
  });

  it.each(['yes', 1, null])('rejects metadata.crossTenant = %j', (crossTenant) => {
    expect(paths(withMetadata({ tenantId: 't', crossTenant }))).toEqual(['metadata.crossTenant']);
  });

  it('accepts metadata with extra keys of any type', () => {
    const metadata = { tenantId: 't', crossTenant: true, region: 'eu', attempts: 3, tags: ['a'] };
    expect(eventIssues(withMetadata(metadata))).toEqual([]);
  });
});

describe('EVENT_TOO_LARGE', () => {
  // The event's JSON with an empty `data` string; padding `data` adds exactly its UTF-8 length.
  const base = validEvent({ data: '' });
  const baseBytes = Buffer.byteLength(JSON.stringify(base), 'utf8');
  const limit = baseBytes + 10;

  it('accepts an event of exactly the limit', () => {
    const validated = validateEvent(validEvent({ data: 'x'.repeat(10) }), limit);
    expect(validated.sizeBytes).toBe(limit);
  });

  it('rejects an event one byte over the limit', () => {
    const error = caught(() => validateEvent(validEvent({ data: 'x'.repeat(11) }), limit));
    expect(error.code).toBe('EVENT_TOO_LARGE');
    expect(error.category).toBe('invalid_argument');
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]?.path).toBe('');
    expect(error.issues[0]?.reason).toContain(`${limit + 1} bytes`);
  });

  it('counts multi-byte characters in UTF-8 bytes', () => {
    // 'é' is one UTF-16 unit but two UTF-8 bytes; '😀' is two units and four bytes.
    expect(validateEvent(validEvent({ data: 'é'.repeat(5) }), limit).sizeBytes).toBe(limit);
    expect(validateEvent(validEvent({ data: '😀😀xx' }), limit).sizeBytes).toBe(limit);
    expect(caught(() => validateEvent(validEvent({ data: `${'é'.repeat(5)}x` }), limit)).code).toBe(
      'EVENT_TOO_LARGE',
    );
    expect(caught(() => validateEvent(validEvent({ data: '😀😀😀' }), limit)).code).toBe(
      'EVENT_TOO_LARGE',
    );
  });

  it('defaults the limit to 256 KiB', () => {
    expect(DEFAULT_MAX_EVENT_SIZE_BYTES).toBe(256 * 1024);
    const room = DEFAULT_MAX_EVENT_SIZE_BYTES - baseBytes;
    expect(validateEvent(validEvent({ data: 'x'.repeat(room) })).sizeBytes).toBe(
      DEFAULT_MAX_EVENT_SIZE_BYTES,
    );
    expect(caught(() => validateEvent(validEvent({ data: 'x'.repeat(room + 1) }))).code).toBe(
      'EVENT_TOO_LARGE',
    );
  });

  it('checks the schema before the size', () => {
    const error = caught(() => validateEvent({ ...without('id'), data: 'x'.repeat(100) }, 10));
    expect(error.code).toBe('EVENT_INVALID');
  });
});

describe('non-serialisable data', () => {
  it('rejects a BigInt as EVENT_INVALID', () => {
    const error = caught(() => validateEvent(validEvent({ data: { amount: 10n } })));
    expect(error.code).toBe('EVENT_INVALID');
    expect(error.category).toBe('invalid_argument');
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]?.path).toBe('');
    expect(error.issues[0]?.reason).toMatch(/JSON-serialisable/);
  });

  it('rejects a cyclic payload as EVENT_INVALID', () => {
    const data: Record<string, unknown> = { name: 'loop' };
    data['self'] = data;
    const error = caught(() => validateEvent(validEvent({ data })));
    expect(error.code).toBe('EVENT_INVALID');
    expect(error.issues[0]?.reason).toMatch(/JSON-serialisable/);
  });
});

describe('isRfc3339', () => {
  it.each([
    '2025-05-22T10:00:00Z',
    '2025-05-22t10:00:00z',
    '2025-05-22T10:00:00.5Z',
    '2025-05-22T10:00:00.123456789+05:30',
    '2025-05-22T10:00:00-08:00',
    '2024-02-29T00:00:00Z',
    '2000-02-29T00:00:00Z',
    '0000-02-29T00:00:00Z',
    '0004-02-29T00:00:00Z',
    '2016-12-31T23:59:60Z',
    '2025-12-31T23:59:59+23:59',
  ])('accepts %j', (text) => {
    expect(isRfc3339(text)).toBe(true);
  });

  it.each([
    ['February 30th', '2025-02-30T00:00:00Z'],
    ['no offset', '2025-05-22T10:00:00'],
    ['a date only', '2025-05-22'],
    ['February 29th of a common year', '2025-02-29T00:00:00Z'],
    ['February 29th of 1900', '1900-02-29T00:00:00Z'],
    ['February 29th of 0100', '0100-02-29T00:00:00Z'],
    ['February 29th of 0001', '0001-02-29T00:00:00Z'],
    ['April 31st', '2025-04-31T00:00:00Z'],
    ['month 13', '2025-13-01T00:00:00Z'],
    ['month 0', '2025-00-10T00:00:00Z'],
    ['day 0', '2025-05-00T00:00:00Z'],
    ['hour 24', '2025-05-22T24:00:00Z'],
    ['minute 60', '2025-05-22T10:60:00Z'],
    ['second 61', '2025-05-22T10:00:61Z'],
    ['offset hour 24', '2025-05-22T10:00:00+24:00'],
    ['offset minute 60', '2025-05-22T10:00:00+05:60'],
    ['an offset without a colon', '2025-05-22T10:00:00+0530'],
    ['a space separator', '2025-05-22 10:00:00Z'],
    ['ten fractional digits', '2025-05-22T10:00:00.1234567890Z'],
    ['an empty fraction', '2025-05-22T10:00:00.Z'],
    ['a six-digit year', '+010000-01-01T00:00:00Z'],
    ['surrounding text', ' 2025-05-22T10:00:00Z'],
    ['an empty string', ''],
  ])('rejects %s', (_name, text) => {
    expect(isRfc3339(text)).toBe(false);
  });

  it('accepts what Date#toISOString produces', () => {
    expect(isRfc3339(new Date(Date.UTC(2025, 4, 22, 10, 0, 0, 7)).toISOString())).toBe(true);
  });
});
