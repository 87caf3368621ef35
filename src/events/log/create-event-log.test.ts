import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createEventLog } from './create-event-log.js';
import { MemoryEventLog } from './memory/memory-event-log.js';
import { NatsEventLog } from './nats/nats-event-log.js';
import { SqliteEventLog } from './sqlite/sqlite-event-log.js';

describe('createEventLog', () => {
  it('makes the log the driver names', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-create-log-'));
    try {
      expect(createEventLog({ driver: 'memory' })).toBeInstanceOf(MemoryEventLog);
      const sqlite = createEventLog({ driver: 'sqlite', dataDir: dir });
      expect(sqlite).toBeInstanceOf(SqliteEventLog);
      expect(sqlite instanceof SqliteEventLog && sqlite.file).toBe(join(dir, 'events.db'));
      expect(createEventLog({ driver: 'nats', servers: ['nats://127.0.0.1:4222'] })).toBeInstanceOf(
        NatsEventLog,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a bad config with every problem named by path', () => {
    expect(() => createEventLog({ driver: 'kafka' })).toThrow(
      expect.objectContaining({
        code: 'BUS_CONFIG_INVALID',
        issues: [expect.objectContaining({ path: 'bus.driver' })],
      }),
    );
    expect(() =>
      createEventLog({ driver: 'nats', servers: ['localhost'], publishTimeoutMs: -1 }),
    ).toThrow(
      expect.objectContaining({
        issues: [
          expect.objectContaining({ path: 'bus.servers.0' }),
          expect.objectContaining({ path: 'bus.publishTimeoutMs' }),
        ],
      }),
    );
    expect(() => createEventLog({ driver: 'sqlite' })).toThrow(
      expect.objectContaining({ issues: [expect.objectContaining({ path: 'bus.dataDir' })] }),
    );
    expect(() => createEventLog(null)).toThrow(
      expect.objectContaining({ code: 'BUS_CONFIG_INVALID' }),
    );
  });
});
