import { describe, expect, it } from 'vitest';
import type { ChannelConfig, EventBusConfig } from './config.js';
import {
  eventBusConfig,
  isValidName,
  maxEventSizeOf,
  parseEventBusConfig,
  resolveChannelConfig,
} from './config.js';
import { ValidationError } from './errors.js';

function caught(action: () => unknown): ValidationError {
  try {
    action();
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('expected a ValidationError, nothing was thrown');
}

function issuePaths(value: unknown): string[] {
  const error = caught(() => parseEventBusConfig(value));
  expect(error.code).toBe('BUS_CONFIG_INVALID');
  expect(error.category).toBe('invalid_argument');
  return error.issues.map((issue) => issue.path).sort();
}

function withChannel(channel: unknown): Record<string, unknown> {
  return { defaultConsumer: 'audit-logger', channels: { orders: channel } };
}

function isDeeplyFrozen(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return true;
  return Object.isFrozen(value) && Object.values(value).every(isDeeplyFrozen);
}

describe('eventBusConfig (the spec configuration)', () => {
  it('has the spec channels with their exact settings', () => {
    expect(eventBusConfig).toStrictEqual({
      channels: {
        security: {
          bufferSize: 1000,
          consumers: ['audit-logger', 'metrics-service', 'alert-service'],
          retryStrategy: { attempts: 3, backoff: 'exponential', initialDelay: 100, maxDelay: 5000 },
        },
        rbac: {
          bufferSize: 500,
          consumers: ['audit-logger', 'permission-cache-invalidator'],
          retryStrategy: { attempts: 2, backoff: 'fixed', delay: 200 },
        },
        audit: {
          bufferSize: 2000,
          consumers: ['audit-storage-service', 'audit-dashboard-realtime'],
          retryStrategy: {
            attempts: 5,
            backoff: 'exponential',
            initialDelay: 100,
            maxDelay: 10000,
          },
        },
      },
      defaultConsumer: 'audit-logger',
    });
  });

  it('is deeply frozen', () => {
    expect(isDeeplyFrozen(eventBusConfig)).toBe(true);
  });
});

describe('parseEventBusConfig', () => {
  it('accepts the spec configuration and returns an equal, deeply frozen copy', () => {
    const parsed = parseEventBusConfig(eventBusConfig);
    expect(parsed).toStrictEqual(eventBusConfig);
    expect(parsed).not.toBe(eventBusConfig);
    expect(parsed.channels['security']).not.toBe(eventBusConfig.channels['security']);
    expect(isDeeplyFrozen(parsed)).toBe(true);
  });

  it('is not affected by later changes to its input', () => {
    const input = {
      defaultConsumer: 'audit-logger',
      maxEventSizeBytes: 1024,
      channels: { orders: { bufferSize: 10, consumers: ['billing'] } },
    };
    const parsed = parseEventBusConfig(input);
    input.channels.orders.consumers.push('intruder');
    input.channels.orders.bufferSize = 1;
    expect(parsed.channels['orders']).toStrictEqual({ bufferSize: 10, consumers: ['billing'] });
    expect(Object.isFrozen(input)).toBe(false);
  });

  it('accepts every optional Warden setting', () => {
    const config: EventBusConfig = {
      defaultConsumer: 'audit-logger',
      maxEventSizeBytes: 4096,
      channels: {
        orders: {
          bufferSize: 10,
          consumers: ['billing', 'shipping_v2'],
          retryStrategy: { attempts: 1, backoff: 'fixed', delay: 0 },
          circuitBreaker: { failureThreshold: 2, cooldownMs: 0 },
          emitTimeoutMs: 0,
          dedupWindowMs: 60_000,
        },
      },
    };
    expect(parseEventBusConfig(config)).toStrictEqual(config);
  });

  it.each([null, [], 'config', 42])('rejects %j as a whole', (value) => {
    expect(issuePaths(value)).toEqual(['']);
  });

  it('lists every bad path at once', () => {
    const config = {
      defaultConsumer: 'audit logger',
      maxEventSizeBytes: 0,
      channels: {
        'bad channel': { bufferSize: 10, consumers: [] },
        zero: { bufferSize: 0, consumers: 'audit-logger' },
        names: { bufferSize: 10, consumers: ['ok', 'a b', 7, ''] },
        linear: {
          bufferSize: 10,
          consumers: [],
          retryStrategy: { attempts: 0, backoff: 'linear' },
        },
        negative: {
          bufferSize: 10,
          consumers: [],
          retryStrategy: { attempts: 2, backoff: 'fixed', delay: -1 },
        },
        exponential: {
          bufferSize: 10,
          consumers: [],
          retryStrategy: { attempts: 1.5, backoff: 'exponential', initialDelay: '100' },
        },
        breaker: {
          bufferSize: 2.5,
          consumers: [],
          circuitBreaker: { failureThreshold: 0, cooldownMs: -5 },
          emitTimeoutMs: -1,
          dedupWindowMs: Infinity,
        },
      },
    };
    expect(issuePaths(config)).toEqual(
      [
        'defaultConsumer',
        'maxEventSizeBytes',
        'channels.bad channel',
        'channels.zero.bufferSize',
        'channels.zero.consumers',
        'channels.names.consumers.1',
        'channels.names.consumers.2',
        'channels.names.consumers.3',
        'channels.linear.retryStrategy.attempts',
        'channels.linear.retryStrategy.backoff',
        'channels.negative.retryStrategy.delay',
        'channels.exponential.retryStrategy.attempts',
        'channels.exponential.retryStrategy.initialDelay',
        'channels.exponential.retryStrategy.maxDelay',
        'channels.breaker.bufferSize',
        'channels.breaker.circuitBreaker.failureThreshold',
        'channels.breaker.circuitBreaker.cooldownMs',
        'channels.breaker.emitTimeoutMs',
        'channels.breaker.dedupWindowMs',
      ].sort(),
    );
  });

  it.each([
    ['bufferSize 0', { bufferSize: 0, consumers: [] }, 'channels.orders.bufferSize'],
    ['bufferSize missing', { consumers: [] }, 'channels.orders.bufferSize'],
    ['consumers not an array', { bufferSize: 1, consumers: 'a' }, 'channels.orders.consumers'],
    [
      'a consumer named "a b"',
      { bufferSize: 1, consumers: ['a b'] },
      'channels.orders.consumers.0',
    ],
    [
      'backoff "linear"',
      { bufferSize: 1, consumers: [], retryStrategy: { attempts: 1, backoff: 'linear' } },
      'channels.orders.retryStrategy.backoff',
    ],
    [
      'a negative delay',
      { bufferSize: 1, consumers: [], retryStrategy: { attempts: 1, backoff: 'fixed', delay: -1 } },
      'channels.orders.retryStrategy.delay',
    ],
    [
      'attempts 0',
      { bufferSize: 1, consumers: [], retryStrategy: { attempts: 0, backoff: 'fixed', delay: 1 } },
      'channels.orders.retryStrategy.attempts',
    ],
    [
      'a retryStrategy that is not an object',
      { bufferSize: 1, consumers: [], retryStrategy: 'exponential' },
      'channels.orders.retryStrategy',
    ],
    [
      'a circuitBreaker that is not an object',
      { bufferSize: 1, consumers: [], circuitBreaker: true },
      'channels.orders.circuitBreaker',
    ],
    ['a channel that is not an object', 'orders', 'channels.orders'],
  ])('rejects %s with its path', (_name, channel, path) => {
    expect(issuePaths(withChannel(channel))).toEqual([path]);
  });

  it('rejects a missing or non-object channels map', () => {
    expect(issuePaths({ defaultConsumer: 'audit-logger' })).toEqual(['channels']);
    expect(issuePaths({ defaultConsumer: 'audit-logger', channels: [] })).toEqual(['channels']);
  });
});

describe('isValidName', () => {
  it.each(['a', 'audit-logger', 'A_1', '9lives', 'x'.repeat(64)])('accepts %j', (name) => {
    expect(isValidName(name)).toBe(true);
  });

  it.each(['', 'a b', '-lead', '_lead', 'a.b', 'a*', 'x'.repeat(65), 7, null])(
    'rejects %j',
    (name) => {
      expect(isValidName(name)).toBe(false);
    },
  );
});

describe('resolveChannelConfig', () => {
  it('fills every default for a bare channel', () => {
    expect(
      resolveChannelConfig('orders', { bufferSize: 100, consumers: ['audit-logger'] }),
    ).toEqual({
      name: 'orders',
      bufferSize: 100,
      consumers: ['audit-logger'],
      retryStrategy: { attempts: 3, backoff: 'exponential', initialDelay: 100, maxDelay: 5000 },
      failureThreshold: 5,
      cooldownMs: 10_000,
      emitTimeoutMs: 2_000,
      dedupWindowMs: 120_000,
    });
  });

  it('keeps every configured value', () => {
    const config: ChannelConfig = {
      bufferSize: 7,
      consumers: ['billing'],
      retryStrategy: { attempts: 2, backoff: 'fixed', delay: 200 },
      circuitBreaker: { failureThreshold: 1, cooldownMs: 50 },
      emitTimeoutMs: 0,
      dedupWindowMs: 10,
    };
    expect(resolveChannelConfig('orders', config)).toEqual({
      name: 'orders',
      bufferSize: 7,
      consumers: ['billing'],
      retryStrategy: { attempts: 2, backoff: 'fixed', delay: 200 },
      failureThreshold: 1,
      cooldownMs: 50,
      emitTimeoutMs: 0,
      dedupWindowMs: 10,
    });
  });

  it('fills one breaker default when only the other is given', () => {
    const resolved = resolveChannelConfig('orders', {
      bufferSize: 1,
      consumers: [],
      circuitBreaker: { cooldownMs: 1 },
    });
    expect(resolved.failureThreshold).toBe(5);
    expect(resolved.cooldownMs).toBe(1);
  });

  it('drops duplicate consumers, keeping their order, and freezes the result', () => {
    const resolved = resolveChannelConfig('orders', {
      bufferSize: 1,
      consumers: ['b', 'a', 'b', 'c', 'a'],
    });
    expect(resolved.consumers).toEqual(['b', 'a', 'c']);
    expect(Object.isFrozen(resolved)).toBe(true);
    expect(Object.isFrozen(resolved.consumers)).toBe(true);
  });

  it('resolves the spec security channel', () => {
    const security = eventBusConfig.channels['security']!;
    const resolved = resolveChannelConfig('security', security);
    expect(resolved.bufferSize).toBe(1000);
    expect(resolved.retryStrategy).toEqual(security.retryStrategy);
  });
});

describe('maxEventSizeOf', () => {
  it('defaults to 256 KiB and honours a configured limit', () => {
    expect(maxEventSizeOf(eventBusConfig)).toBe(262_144);
    expect(maxEventSizeOf({ ...eventBusConfig, maxEventSizeBytes: 10 })).toBe(10);
  });
});
