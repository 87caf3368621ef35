import { join } from 'node:path';
import type { Clock } from '../../shared/clock.js';
import { EVENT_ERROR_CODES, ValidationError } from '../errors.js';
import type { ValidationIssue } from '../errors.js';
import type { EventLog } from './contract.js';
import { MemoryEventLog } from './memory/memory-event-log.js';
import { NatsEventLog } from './nats/nats-event-log.js';
import type { NatsEventLogConfig } from './nats/nats-event-log.js';
import { SqliteEventLog } from './sqlite/sqlite-event-log.js';
import type { SqliteEventLogConfig } from './sqlite/sqlite-event-log.js';

/** Which log the bus runs on, as it appears in Warden's config (`bus: { driver, ... }`). */
export type EventLogConfig =
  | { readonly driver: 'memory' }
  | ({ readonly driver: 'sqlite'; readonly dataDir: string } & Omit<
      SqliteEventLogConfig,
      'path' | 'clock'
    >)
  | ({ readonly driver: 'nats' } & NatsEventLogConfig);

export const EVENT_LOG_DRIVERS = ['memory', 'sqlite', 'nats'] as const;

/**
 * Makes the event log a config names. `sqlite` keeps `<dataDir>/events.db`.
 * @throws ValidationError `BUS_CONFIG_INVALID` naming every bad field.
 */
export function createEventLog(config: unknown, clock?: Clock): EventLog {
  const parsed = parseEventLogConfig(config);
  switch (parsed.driver) {
    case 'memory':
      return new MemoryEventLog(clock === undefined ? {} : { clock });
    case 'sqlite': {
      const { driver: _driver, dataDir, ...rest } = parsed;
      return new SqliteEventLog({
        ...rest,
        path: join(dataDir, 'events.db'),
        ...(clock === undefined ? {} : { clock }),
      });
    }
    case 'nats': {
      const { driver: _driver, ...rest } = parsed;
      return new NatsEventLog(rest);
    }
  }
}

function parseEventLogConfig(value: unknown): EventLogConfig {
  const issues: ValidationIssue[] = [];
  if (typeof value !== 'object' || value === null) {
    throw invalid([{ path: 'bus', reason: 'must be an object with a driver' }]);
  }
  const record = value as Record<string, unknown>;
  const driver = record['driver'];
  if (!EVENT_LOG_DRIVERS.includes(driver as (typeof EVENT_LOG_DRIVERS)[number])) {
    throw invalid([
      { path: 'bus.driver', reason: `must be one of ${EVENT_LOG_DRIVERS.join(', ')}` },
    ]);
  }
  if (driver === 'sqlite' && (typeof record['dataDir'] !== 'string' || record['dataDir'] === '')) {
    issues.push({ path: 'bus.dataDir', reason: 'must be a directory path' });
  }
  if (driver === 'nats') {
    const servers = record['servers'];
    if (!Array.isArray(servers) || servers.length === 0) {
      issues.push({ path: 'bus.servers', reason: 'must be a non-empty array of NATS URLs' });
    } else {
      servers.forEach((server: unknown, i) => {
        if (typeof server !== 'string' || !/^(nats|tls|wss?):\/\/[^\s]+$/.test(server)) {
          issues.push({
            path: `bus.servers.${i}`,
            reason: 'must be a URL such as nats://127.0.0.1:4222',
          });
        }
      });
    }
  }
  for (const key of [
    'connectTimeoutMs',
    'publishTimeoutMs',
    'ackWaitMs',
    'prefetch',
    'replicas',
    'maxBatch',
    'tailCacheSize',
  ]) {
    const field = record[key];
    if (
      field !== undefined &&
      (typeof field !== 'number' || !Number.isInteger(field) || field <= 0)
    ) {
      issues.push({ path: `bus.${key}`, reason: 'must be a positive integer' });
    }
  }
  if (issues.length > 0) throw invalid(issues);
  return value as EventLogConfig;
}

function invalid(issues: readonly ValidationIssue[]): ValidationError {
  return new ValidationError(
    EVENT_ERROR_CODES.BUS_CONFIG_INVALID,
    'invalid event log config',
    issues,
  );
}
