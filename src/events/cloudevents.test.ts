import assert from 'node:assert/strict';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cloudEventExtensionNames, fromCloudEvent, toCloudEvent } from './cloudevents.js';
import { ValidationError } from './errors.js';
import type { DomainEvent } from './schema.js';
import { eventIssues } from './validate-event.js';

function loginEvent(overrides: Partial<DomainEvent<unknown>> = {}): DomainEvent<unknown> {
  return {
    id: 'evt-1',
    type: 'auth.login_failed',
    source: 'auth-service',
    time: '2025-05-22T10:00:00Z',
    dataVersion: '2.1',
    correlationId: 'req-42',
    data: { userId: 'u-1', attempts: 3 },
    metadata: {
      tenantId: 'tenant-a',
      entityId: 'entity-9',
      user: 'u-1',
      ip: '203.0.113.7',
      userAgent: 'curl/8.0',
      crossTenant: true,
      sourceTenantId: 'tenant-a',
      targetTenantId: 'tenant-b',
    },
    ...overrides,
  };
}

/** The CloudEvent of `loginEvent()` with `overrides` applied; an undefined override removes the attribute. */
function validCloudEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const merged = { ...toCloudEvent(loginEvent()), ...overrides };
  return Object.fromEntries(Object.entries(merged).filter(([, value]) => value !== undefined));
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

describe('toCloudEvent', () => {
  it('maps the context attributes and known metadata to lowercase extensions', () => {
    expect(toCloudEvent(loginEvent())).toStrictEqual({
      specversion: '1.0',
      id: 'evt-1',
      source: 'auth-service',
      type: 'auth.login_failed',
      time: '2025-05-22T10:00:00Z',
      datacontenttype: 'application/json',
      dataversion: '2.1',
      correlationid: 'req-42',
      data: { userId: 'u-1', attempts: 3 },
      tenantid: 'tenant-a',
      entityid: 'entity-9',
      user: 'u-1',
      ip: '203.0.113.7',
      useragent: 'curl/8.0',
      crosstenant: true,
      sourcetenantid: 'tenant-a',
      targettenantid: 'tenant-b',
    });
  });

  it('carries unknown metadata as JSON in wardenmetadata', () => {
    const cloud = toCloudEvent(
      loginEvent({
        metadata: { tenantId: 't', region: 'eu', retries: [1, 2], nested: { a: null } },
      }),
    );
    expect(cloud['tenantid']).toBe('t');
    expect(cloud['region']).toBeUndefined();
    expect(JSON.parse(cloud['wardenmetadata'] as string)).toStrictEqual({
      region: 'eu',
      retries: [1, 2],
      nested: { a: null },
    });
  });

  it('treats metadata keys named like Object.prototype members (valueOf, toString) as unknown', () => {
    const event = loginEvent({ metadata: { valueOf: '', toString: 'x' } });
    const cloud = toCloudEvent(event);
    expect(JSON.parse(cloud['wardenmetadata'] as string)).toStrictEqual({
      valueOf: '',
      toString: 'x',
    });
    expect(fromCloudEvent(JSON.parse(JSON.stringify(cloud)) as unknown)).toStrictEqual(event);
  });

  it('writes no wardenmetadata when all metadata is known, and "{}" for empty metadata', () => {
    expect(toCloudEvent(loginEvent())).not.toHaveProperty('wardenmetadata');
    expect(toCloudEvent(loginEvent({ metadata: {} }))['wardenmetadata']).toBe('{}');
  });

  it('omits correlationid, data and metadata extensions the event does not have', () => {
    const event: DomainEvent<unknown> = loginEvent();
    delete event.correlationId;
    delete event.metadata;
    delete (event as Partial<DomainEvent<unknown>>).data;
    const cloud = toCloudEvent(event);
    expect(Object.keys(cloud).sort()).toEqual(
      ['specversion', 'id', 'source', 'type', 'time', 'datacontenttype', 'dataversion'].sort(),
    );
    expect(fromCloudEvent(cloud)).toStrictEqual(event);
  });

  it('uses only CloudEvents-legal extension names (lowercase alphanumeric, at most 20)', () => {
    const names = cloudEventExtensionNames();
    expect(names).toEqual(expect.arrayContaining(['tenantid', 'correlationid', 'wardenmetadata']));
    for (const name of names) expect(name).toMatch(/^[a-z0-9]{1,20}$/);
  });
});

describe('fromCloudEvent', () => {
  it('reverses toCloudEvent for an event with every known metadata field', () => {
    const event = loginEvent();
    expect(fromCloudEvent(toCloudEvent(event))).toStrictEqual(event);
  });

  it('reads known metadata from extensions and the rest from wardenmetadata', () => {
    const event = fromCloudEvent(
      validCloudEvent({ tenantid: 'tenant-z', wardenmetadata: '{"region":"eu"}' }),
    );
    expect(event.metadata).toMatchObject({ tenantId: 'tenant-z', region: 'eu' });
  });

  it('defaults dataVersion to "1.0" when dataversion is absent', () => {
    expect(fromCloudEvent(validCloudEvent({ dataversion: undefined })).dataVersion).toBe('1.0');
  });

  it.each([
    ['a wrong specversion', { specversion: '0.3' }, ['specversion']],
    ['a missing id', { id: undefined }, ['id']],
    ['an empty source', { source: '' }, ['source']],
    ['a numeric type', { type: 7 }, ['type']],
    ['wardenmetadata that is not JSON', { wardenmetadata: '{region' }, ['wardenmetadata']],
    ['wardenmetadata that is a JSON array', { wardenmetadata: '[1]' }, ['wardenmetadata']],
    [
      'wardenmetadata that is not a string',
      { wardenmetadata: { region: 'eu' } },
      ['wardenmetadata'],
    ],
    ['a non-JSON datacontenttype', { datacontenttype: 'text/plain' }, ['datacontenttype']],
    ['a non-string datacontenttype', { datacontenttype: 1 }, ['datacontenttype']],
    [
      'several problems',
      { specversion: '2.0', id: '', datacontenttype: 'application/xml', wardenmetadata: 'null' },
      ['datacontenttype', 'id', 'specversion', 'wardenmetadata'],
    ],
  ])('rejects %s with EVENT_CLOUDEVENT_INVALID', (_name, overrides, expectedPaths) => {
    const error = caught(() => fromCloudEvent(validCloudEvent(overrides)));
    expect(error.code).toBe('EVENT_CLOUDEVENT_INVALID');
    expect(error.category).toBe('invalid_argument');
    expect(error.issues.map((issue) => issue.path).sort()).toEqual(expectedPaths);
  });

  it.each([null, [], 'event', 42])('rejects %j as a whole', (value) => {
    const error = caught(() => fromCloudEvent(value));
    expect(error.code).toBe('EVENT_CLOUDEVENT_INVALID');
    expect(error.issues).toEqual([{ path: '', reason: 'must be an object' }]);
  });

  it.each(['application/json', 'application/json; charset=utf-8', 'application/cloudevents+json'])(
    'accepts the datacontenttype %j',
    (datacontenttype) => {
      expect(fromCloudEvent(validCloudEvent({ datacontenttype })).id).toBe('evt-1');
    },
  );

  it('rejects a well-formed CloudEvent that is not a canonical event with EVENT_INVALID', () => {
    const error = caught(() =>
      fromCloudEvent(validCloudEvent({ type: 'Login', time: 'yesterday', tenantid: 5 })),
    );
    expect(error.code).toBe('EVENT_INVALID');
    expect(error.issues.map((issue) => issue.path).sort()).toEqual([
      'metadata.tenantId',
      'time',
      'type',
    ]);
  });
});

describe('CloudEvents round trip (property)', () => {
  const KNOWN_METADATA = [
    'tenantId',
    'entityId',
    'user',
    'ip',
    'userAgent',
    'crossTenant',
    'sourceTenantId',
    'targetTenantId',
  ];

  // Values as JSON gives them back: no -0, no undefined, plain prototypes.
  const json = fc
    .jsonValue({ maxDepth: 3, stringUnit: 'binary' })
    .map((value) => JSON.parse(JSON.stringify(value)) as unknown);
  // 'binary' strings may hold astral characters (two UTF-16 units): cut to the field's limit.
  const text = (maxLength: number) =>
    fc.string({ unit: 'binary', minLength: 1, maxLength }).map((s) => s.slice(0, maxLength));
  const segment = fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,8}$/);
  const type = fc
    .tuple(
      fc.stringMatching(/^[a-z][a-z0-9_-]{0,8}$/),
      fc.array(segment, { minLength: 1, maxLength: 3 }),
    )
    .map(([head, rest]) => [head, ...rest].join('.'));
  const time = fc
    .date({
      min: new Date('0000-01-01T00:00:00Z'),
      max: new Date('9999-12-31T23:59:59Z'),
      noInvalidDate: true,
    })
    .map((date) => date.toISOString());
  const extraKey = fc
    .string({ unit: 'binary', minLength: 1, maxLength: 12 })
    .filter((key) => !KNOWN_METADATA.includes(key) && key !== '__proto__');
  const someMetadata = fc
    .tuple(
      fc.record(
        {
          tenantId: text(256),
          entityId: text(256),
          user: text(256),
          ip: text(256),
          userAgent: text(256),
          crossTenant: fc.boolean(),
          sourceTenantId: text(256),
          targetTenantId: text(256),
        },
        { requiredKeys: [] },
      ),
      fc.dictionary(extraKey, json, { maxKeys: 4 }),
    )
    .map(([known, extra]) => ({ ...extra, ...known }));
  // Empty metadata is an edge of its own (it must come back as {}, not as no metadata).
  const metadata = fc.oneof(
    someMetadata,
    fc.constant(null).map(() => ({})),
  );
  const event = fc
    .record(
      {
        id: text(128),
        type,
        source: text(256),
        time,
        dataVersion: text(32),
        correlationId: text(128),
        data: json,
        metadata,
      },
      { requiredKeys: ['id', 'type', 'source', 'time', 'dataVersion', 'data'] },
    )
    // fc.record builds null-prototype objects; events are plain ones.
    .map((value): DomainEvent<unknown> => ({ ...value }));

  it('generates canonical events', () => {
    fc.assert(
      fc.property(event, (e) => {
        expect(eventIssues(e)).toEqual([]);
      }),
    );
  });

  it('fromCloudEvent(JSON round trip of toCloudEvent(e)) equals e', () => {
    fc.assert(
      fc.property(event, (e) => {
        const wire = JSON.parse(JSON.stringify(toCloudEvent(e))) as unknown;
        // node:assert, not toStrictEqual: vitest compares `.constructor`, which breaks on
        // metadata that legitimately has a "constructor" key.
        assert.deepStrictEqual(fromCloudEvent(wire), e);
      }),
      { numRuns: 500 },
    );
  });
});
