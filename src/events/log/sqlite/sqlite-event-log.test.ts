import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeEventLogConformance } from '../conformance.js';
import { SqliteEventLog } from './sqlite-event-log.js';

const dirs: string[] = [];

describeEventLogConformance({
  name: 'sqlite',
  offHeapBacklog: true,
  create: (clock) => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-sqlite-'));
    dirs.push(dir);
    return new SqliteEventLog({ path: join(dir, 'events.db'), clock });
  },
  dispose: async () => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  },
});
