import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { EventBusService } from '../../bus.js';
import { eventBusConfig } from '../../config.js';
import { createEvent } from '../../create-event.js';
import type { DomainEvent } from '../../schema.js';

it('runs on the durable SQLite log whenever the bus is given a data directory', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'warden-default-log-'));
  try {
    const first = new EventBusService(eventBusConfig, { dataDir });
    await first.emit(
      'security',
      createEvent({ type: 'auth.login_succeeded', source: 'test', data: { n: 1 } }),
    );
    expect((await first.health()).log).toBe('sqlite');
    expect(existsSync(join(dataDir, 'events.db'))).toBe(true);
    await first.close();

    // The event waits on disk for the configured consumer across the restart.
    const second = new EventBusService(eventBusConfig, { dataDir });
    const seen: unknown[] = [];
    second.subscribe('security', async (e: DomainEvent<unknown>) => void seen.push(e.data), {
      consumer: 'audit-logger',
    });
    await second.drain();
    expect(seen).toEqual([{ n: 1 }]);
    await second.close();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
