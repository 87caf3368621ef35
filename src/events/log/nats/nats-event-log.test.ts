import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { describeEventLogConformance } from '../conformance.js';
import { NatsEventLog } from './nats-event-log.js';
import { startNatsServer } from './nats-test-server.js';
import type { NatsTestServer } from './nats-test-server.js';

let server: NatsTestServer;
beforeAll(async () => {
  server = await startNatsServer();
});
afterAll(async () => {
  await server.dispose();
});

describeEventLogConformance({
  name: 'nats',
  offHeapBacklog: true,
  realTimeDedupWindow: true,
  // Every log gets its own prefix: tests share one server but never each other's streams.
  create: () =>
    new NatsEventLog({
      servers: [server.url],
      prefix: `t${randomBytes(4).toString('hex')}`,
      storage: 'memory',
    }),
});
