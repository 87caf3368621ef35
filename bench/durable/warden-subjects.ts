import { randomBytes } from 'node:crypto';
import { EventBusService, NatsEventLog } from '../../dist/index.js';
import type { EventBusOptions } from '../../dist/index.js';
import type { DeliverySink } from '../bus/delivery-sink.js';
import { CHANNEL, CONSUMERS } from '../bus/security-event.js';
import type { BusUnderTest, OpenBus } from '../bus/subjects.js';
import { SECURITY_ONLY } from './channel-config.js';
import { createTempDir } from './temp-dir.js';

/** A bus with one async handler per named consumer of the `security` channel, wired to the sink. */
async function openBus(sink: DeliverySink, options: EventBusOptions): Promise<OpenBus> {
  const bus = new EventBusService(SECURITY_ONLY, options);
  const subscriptions = CONSUMERS.map((consumer, i) =>
    bus.subscribe(CHANNEL, sink.handlerFor(i), { consumer }),
  );
  await bus.ready();
  await Promise.all(subscriptions.map((s) => s.ready));
  return { emit: (event) => bus.emit(CHANNEL, event), close: () => bus.close() };
}

/** Warden on its embedded durable log: `dataDir` gives `<dir>/events.db` (WAL, synchronous=NORMAL). */
export const wardenOnSqlite: BusUnderTest = {
  label: 'Warden EventBusService (SQLite log)',
  awaited: true,
  async open(sink) {
    const dir = createTempDir('warden-bench-sqlite-');
    const bus = await openBus(sink, { dataDir: dir.path });
    return {
      emit: (event) => bus.emit(event),
      close: async () => {
        await bus.close();
        dir.remove();
      },
    };
  },
};

/**
 * Warden on the NATS log. Every open gets its own prefix, so a warm-up and the measured run
 * use separate streams and consumers on the same server.
 */
export function wardenOnNats(url: string): BusUnderTest {
  return {
    label: 'Warden EventBusService (NATS JetStream log, file storage)',
    awaited: true,
    async open(sink) {
      const log = new NatsEventLog({
        servers: [url],
        storage: 'file',
        prefix: `wb${randomBytes(4).toString('hex')}`,
      });
      return openBus(sink, { log });
    },
  };
}
