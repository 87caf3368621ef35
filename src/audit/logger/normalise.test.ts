import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createEventFactory } from '../../events/index.js';
import type { BaseEvent, CreateEventInput } from '../../events/index.js';
import { FakeClock } from '../../events/testing.js';
import { AUDIT_OUTCOMES, PLATFORM_TENANT_ID } from '../record.js';
import { KNOWN_AUDIT_TYPES, REDACTED, UNREADABLE_PAYLOAD, normaliseEvent } from './index.js';

const createEvent = createEventFactory({ clock: new FakeClock() });
const tenant = () => `tenant-${randomUUID().slice(0, 8)}`;
let counter = 0;
const newId = () => `record-${String(++counter)}`;

function normalise<T>(input: CreateEventInput<T>, channel = 'security') {
  return normaliseEvent(createEvent(input), channel, newId);
}

describe('normaliseEvent: RBAC events', () => {
  it('records a granted permission check with its user, resource and resource id', () => {
    const tenantId = tenant();
    const record = normalise(
      {
        type: 'rbac.permission_check',
        source: 'rbac-service',
        data: {
          userId: 'alice',
          resource: 'doc',
          action: 'read',
          granted: true,
          context: { resourceId: 'doc-7', entityId: 'sales' },
        },
        metadata: { tenantId, ip: '10.0.0.1', userAgent: 'curl/8' },
        correlationId: 'corr-1',
      },
      'rbac',
    );
    expect(record).toMatchObject({
      tenantId,
      action: 'rbac.permission_check',
      actor: { userId: 'alice', ip: '10.0.0.1', userAgent: 'curl/8' },
      target: { resource: 'doc', resourceId: 'doc-7' },
      outcome: 'granted',
      entityId: 'sales',
      correlationId: 'corr-1',
      source: 'rbac-service',
      sourceChannel: 'rbac',
    });
  });

  it('records a refused permission check as denied, the metadata entity winning', () => {
    const record = normalise({
      type: 'rbac.permission_check',
      source: 'rbac-service',
      data: {
        userId: 'bob',
        resource: 'doc',
        action: 'write',
        granted: false,
        context: { entityId: 'x' },
      },
      metadata: { tenantId: tenant(), entityId: 'hq' },
    });
    expect(record.outcome).toBe('denied');
    expect(record.entityId).toBe('hq');
    expect(record.target).toEqual({ resource: 'doc', resourceId: null });
  });

  it('records a role change by its author, targeting the role assignment, and keeps the target user', () => {
    const record = normalise({
      type: 'rbac.role_change',
      source: 'rbac-service',
      data: { targetUserId: 'carol', changedBy: 'admin', changeType: 'assigned', roleId: 'editor' },
      metadata: { tenantId: tenant() },
    });
    expect(record.actor.userId).toBe('admin');
    expect(record.target).toEqual({ resource: 'rbac.role_assignment', resourceId: 'editor' });
    expect(record.outcome).toBe('success');
    expect(record.payload).toMatchObject({ targetUserId: 'carol' });
  });

  it.each([
    [{ roleId: 'editor', permissionId: 'doc:read' }, 'rbac.role', 'editor'],
    [{ permissionId: 'doc:read' }, 'rbac.permission', 'doc:read'],
    [{ details: { userId: 'dave' } }, 'rbac.user', 'dave'],
    [{ details: { entityId: 'emea' } }, 'rbac.entity', 'emea'],
    [{ details: { tenantId: 'acme' } }, 'rbac.tenant', 'acme'],
    [{}, 'rbac.policy', null],
  ])('records a permission change %j against %s', (fields, resource, resourceId) => {
    const record = normalise({
      type: 'rbac.permission_change',
      source: 'rbac-service',
      data: { changedBy: 'admin', changeType: 'created', ...fields },
      metadata: { tenantId: tenant() },
    });
    expect(record.actor.userId).toBe('admin');
    expect(record.target).toEqual({ resource, resourceId });
    expect(record.outcome).toBe('success');
  });
});

describe('normaliseEvent: auth events', () => {
  it('records a failed login with the attempted user name and the device from the data', () => {
    const record = normalise({
      type: 'auth.login_failed',
      source: 'auth-service',
      data: { username: 'eve', ip: '192.0.2.9', userAgent: 'Mozilla/5.0', reason: 'bad_password' },
      metadata: { tenantId: tenant() },
    });
    expect(record.actor).toEqual({ userId: 'eve', ip: '192.0.2.9', userAgent: 'Mozilla/5.0' });
    expect(record.target.resource).toBe('auth.session');
    expect(record.outcome).toBe('failure');
  });

  it('takes the outcome of a known auth type from the type, not from the payload', () => {
    const record = normalise({
      type: 'auth.login_succeeded',
      source: 'auth-service',
      data: { userId: 'frank', sessionId: 's-1', success: false },
      metadata: { tenantId: tenant() },
    });
    expect(record.outcome).toBe('success');
    expect(record.target).toEqual({ resource: 'auth.session', resourceId: 's-1' });
  });

  it('records a password change by an administrator against the changed account', () => {
    const record = normalise({
      type: 'auth.password_changed',
      source: 'auth-service',
      data: { changedBy: 'admin', targetUserId: 'grace', newPassword: 'hunter2' },
      metadata: { tenantId: tenant() },
    });
    expect(record.actor.userId).toBe('admin');
    expect(record.target).toEqual({ resource: 'auth.account', resourceId: 'grace' });
    expect(record.payload).toEqual({
      changedBy: 'admin',
      targetUserId: 'grace',
      newPassword: REDACTED,
    });
  });

  it.each([
    ['auth.account_locked', 'failure'],
    ['auth.token_issued', 'success'],
    ['auth.token_revoked', 'success'],
    ['auth.logout', 'success'],
    ['auth.mfa_challenge_failed', 'failure'],
    ['auth.sso_login_succeeded', 'success'],
    ['auth.session_touched', 'unknown'],
  ])('records %s as %s', (type, outcome) => {
    const record = normalise({ type, source: 'auth-service', data: { userId: 'heidi' } });
    expect(record.outcome).toBe(outcome);
    expect(record.actor.userId).toBe('heidi');
  });

  it('targets the token by its id and never keeps the token itself', () => {
    const record = normalise({
      type: 'auth.token_issued',
      source: 'auth-service',
      data: { userId: 'ivan', tokenId: 'jti-1', accessToken: 'eyJhbGciOi...', refresh_token: 'r' },
    });
    expect(record.target).toEqual({ resource: 'auth.token', resourceId: 'jti-1' });
    expect(JSON.stringify(record)).not.toContain('eyJhbGciOi');
    expect(record.payload).toMatchObject({ accessToken: REDACTED, refresh_token: REDACTED });
  });
});

describe('normaliseEvent: system events', () => {
  it('files a bus event without a tenant under the platform tenant', () => {
    const record = normalise(
      {
        type: 'system.circuit_breaker.opened',
        source: 'event-bus',
        data: { channel: 'security', consumer: 'alert-service', from: 'closed', to: 'open' },
      },
      'system',
    );
    expect(record.tenantId).toBe(PLATFORM_TENANT_ID);
    expect(record.target).toEqual({
      resource: 'event_bus.consumer',
      resourceId: 'security/alert-service',
    });
    expect(record.outcome).toBe('failure');
    expect(record.actor).toEqual({ userId: null, ip: null, userAgent: null });
  });

  it('files a system event that carries a tenant under that tenant', () => {
    const tenantId = tenant();
    const record = normalise(
      {
        type: 'system.dead_letter.added',
        source: 'event-bus',
        data: { deadLetterId: 'dl-1' },
        metadata: { tenantId },
      },
      'system',
    );
    expect(record.tenantId).toBe(tenantId);
    expect(record.target).toEqual({ resource: 'event_bus.dead_letter', resourceId: 'dl-1' });
  });

  it.each([
    ['system.event_log.disconnected', 'failure'],
    ['system.event_log.reconnected', 'success'],
    ['system.circuit_breaker.half_opened', 'unknown'],
    ['system.circuit_breaker.closed', 'success'],
  ])('records %s as %s against the bus part', (type, outcome) => {
    const record = normalise({ type, source: 'event-bus', data: { log: 'sqlite' } }, 'system');
    expect(record.outcome).toBe(outcome);
    expect(record.target.resource).toMatch(/^event_bus\./);
  });

  it('has a dedicated mapping for each RBAC type and the bus types', () => {
    expect(KNOWN_AUDIT_TYPES).toEqual(
      expect.arrayContaining([
        'rbac.permission_check',
        'rbac.role_change',
        'rbac.permission_change',
        'system.dead_letter.added',
      ]),
    );
  });
});

describe('normaliseEvent: other events', () => {
  it('records an unknown type generically: actor from the metadata, target from the data', () => {
    const tenantId = tenant();
    const record = normalise(
      {
        type: 'billing.invoice_paid',
        source: 'billing',
        data: { resource: 'invoice', resourceId: 'inv-9', amount: 12 },
        metadata: { tenantId, user: 'judy', ip: '198.51.100.1' },
      },
      'billing',
    );
    expect(record).toMatchObject({
      tenantId,
      action: 'billing.invoice_paid',
      actor: { userId: 'judy', ip: '198.51.100.1', userAgent: null },
      target: { resource: 'invoice', resourceId: 'inv-9' },
      outcome: 'unknown',
      sourceChannel: 'billing',
      payload: { resource: 'invoice', resourceId: 'inv-9', amount: 12 },
    });
  });

  it.each([
    [{ outcome: 'denied' }, 'denied'],
    [{ outcome: 'exploded' }, 'unknown'],
    [{ success: true }, 'success'],
    [{ success: false }, 'failure'],
    [{ granted: true }, 'granted'],
    [{ granted: 'yes' }, 'unknown'],
  ])('takes a generic outcome from %j', (data, outcome) => {
    expect(normalise({ type: 'app.thing_done', source: 'app', data }).outcome).toBe(outcome);
  });

  it('copies the source event identity and takes the correlation id from the event, else the metadata', () => {
    const event = createEvent({
      type: 'app.thing_done',
      source: 'app',
      data: null,
      metadata: { correlationId: 'from-metadata' },
    });
    const record = normaliseEvent(event, 'system', () => 'rec-1');
    expect(record).toMatchObject({
      id: 'rec-1',
      sourceEventId: event.id,
      time: event.time,
      source: 'app',
      correlationId: 'from-metadata',
      payload: null,
    });
    const tooLong = normalise({
      type: 'app.x',
      source: 'app',
      data: {},
      metadata: { correlationId: 'c'.repeat(129) },
    });
    expect(tooLong.correlationId).toBeNull();
  });

  it('reads fields of the wrong type as null', () => {
    const record = normalise({
      type: 'rbac.permission_check',
      source: 'rbac-service',
      data: { userId: 42, resource: ['doc'], granted: 'true', context: 'nope' },
    });
    expect(record.actor.userId).toBeNull();
    expect(record.target).toEqual({ resource: null, resourceId: null });
    expect(record.outcome).toBe('unknown');
    expect(record.entityId).toBeNull();
  });

  it('records a payload whose getters throw, generically, without reading it', () => {
    const data = Object.defineProperty({}, 'userId', {
      enumerable: true,
      get() {
        throw new Error('boom');
      },
    });
    const record = normalise({ type: 'rbac.permission_check', source: 'rbac-service', data });
    expect(record.outcome).toBe('unknown');
    expect(record.payload).toBe(UNREADABLE_PAYLOAD);
  });

  it('never throws and fills every field with its type, whatever the payload', () => {
    const types = fc.constantFrom(...KNOWN_AUDIT_TYPES, 'auth.whatever_failed', 'app.thing');
    fc.assert(
      fc.property(types, fc.jsonValue(), fc.option(fc.string()), (type, data, user) => {
        const metadata = user === null || user === '' ? {} : { user };
        const record = normalise({ type, source: 'p', data, metadata });
        expect(AUDIT_OUTCOMES).toContain(record.outcome);
        expect(record.tenantId).toBe(PLATFORM_TENANT_ID);
        const { actor, target } = record;
        for (const value of [
          actor.userId,
          actor.ip,
          actor.userAgent,
          target.resource,
          target.resourceId,
          record.entityId,
        ]) {
          expect(value === null || typeof value === 'string').toBe(true);
        }
      }),
    );
  });

  it('does not trust the event envelope either: a non-object metadata reads as none', () => {
    const event = {
      ...createEvent({ type: 'app.x', source: 'a', data: {} }),
      metadata: 'tenant-a',
    } as unknown as BaseEvent;
    expect(normaliseEvent(event, 'system', newId).tenantId).toBe(PLATFORM_TENANT_ID);
  });
});
