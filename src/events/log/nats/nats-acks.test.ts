import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventFactory } from '../../create-event.js';
import { numbers, range } from '../conformance-harness.js';
import type { TestEvent } from '../conformance-harness.js';
import type { ChannelSpec, LogCursor, LogEntry } from '../contract.js';
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

const makeEvent = createEventFactory();

async function fetchAll(cursor: LogCursor, count: number): Promise<LogEntry[]> {
  const entries: LogEntry[] = [];
  const giveUpAt = Date.now() + 10_000;
  while (entries.length < count && Date.now() < giveUpAt) {
    entries.push(...(await cursor.fetch(count - entries.length)));
    await new Promise<void>((resolve) => setTimeout(resolve, 5));
  }
  return entries;
}

describe('NatsEventLog acknowledgements', () => {
  it('does not redeliver after a restart what was acknowledged just before close', async () => {
    const prefix = `t${randomBytes(4).toString('hex')}`;
    const spec: ChannelSpec = { name: `ch-${prefix}`, consumers: ['c'], dedupWindowMs: 60_000 };
    const open = async () => {
      const log = new NatsEventLog({ servers: [server.url], prefix, storage: 'memory' });
      await log.init();
      return { log, channel: await log.openChannel(spec) };
    };
    const first = await open();
    for (const n of range(3)) {
      const event = makeEvent({
        type: 'test.happened',
        source: 'nats-acks',
        data: { n },
        metadata: { tenantId: 'acme' },
      }) as TestEvent;
      const request = { event, json: JSON.stringify(event), priority: 'normal' as const };
      await first.channel.append(request, { sync: false });
    }
    const cursor = await first.channel.openCursor({ kind: 'named', name: 'c' });
    const entries = await fetchAll(cursor, 3);
    for (const entry of entries) await cursor.ack(entry);
    await first.log.close(); // same turn as the acks

    const second = await open();
    const again = await second.channel.openCursor({ kind: 'named', name: 'c' });
    await again.refresh?.();
    const lagAfterRestart = again.lag();
    await second.log.close();

    expect(numbers(entries.map((entry) => entry.event))).toEqual([0, 1, 2]);
    expect(lagAfterRestart).toBe(0);
  });
});
