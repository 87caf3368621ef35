import { randomBytes } from 'node:crypto';
import {
  AckPolicy,
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from '@nats-io/jetstream';
import type { ConsumerMessages, JetStreamClient } from '@nats-io/jetstream';
import { connect, nanos } from '@nats-io/transport-node';
import { tenantOf } from '../../dist/index.js';
import type { DeliverySink } from '../bus/delivery-sink.js';
import { CHANNEL, CONSUMERS } from '../bus/security-event.js';
import type { SecurityEvent } from '../bus/security-event.js';
import type { BusUnderTest } from '../bus/subjects.js';

/**
 * What the raw JetStream side shares with Warden's NATS log (nats-channel-log.ts), so the
 * two differ only in what Warden adds: the same stream and consumer settings, the same
 * subject scheme and the same per-lane prefetch.
 */
export const JETSTREAM_SETTINGS = Object.freeze({
  /** Warden's `dedupWindowMs` default, the stream's duplicate window. */
  duplicateWindowMs: 120_000,
  /** Warden's `ackWaitMs` default. */
  ackWaitMs: 30_000,
  /** Warden's `prefetch` default: `consume({ max_messages })` per server-side consumer. */
  prefetch: 256,
  /** Warden's `max(1000, prefetch * 4)`. */
  maxAckPending: 1024,
});

/**
 * Plain JetStream: one file-storage stream with interest retention, one durable pull consumer
 * per named consumer (explicit acks), each read with `consume()` by a loop that awaits the
 * handler and acks every message. The producer awaits each publish ack (the bounded window
 * of outstanding acks is the measuring loop's).
 */
export function rawJetStream(url: string): BusUnderTest {
  return {
    label: 'NATS JetStream (file storage, interest retention, 3 durable pull consumers)',
    awaited: true,
    async open(sink) {
      const nc = await connect({ servers: url, noAsyncTraces: true });
      const id = randomBytes(4).toString('hex');
      const root = `raw${id}.${CHANNEL}`;
      const stream = `raw${id}_${CHANNEL}`;
      const jsm = await jetstreamManager(nc);
      await jsm.streams.add({
        name: stream,
        subjects: [`${root}.>`],
        storage: StorageType.File,
        num_replicas: 1,
        retention: RetentionPolicy.Interest,
        duplicate_window: nanos(JETSTREAM_SETTINGS.duplicateWindowMs),
      });
      const js = jetstream(nc);
      const readers: ConsumerMessages[] = [];
      for (const [i, consumer] of CONSUMERS.entries()) {
        await jsm.consumers.add(stream, {
          durable_name: consumer,
          ack_policy: AckPolicy.Explicit,
          deliver_policy: DeliverPolicy.New,
          filter_subject: `${root}.normal.>`,
          ack_wait: nanos(JETSTREAM_SETTINGS.ackWaitMs),
          max_ack_pending: JETSTREAM_SETTINGS.maxAckPending,
          max_deliver: -1,
        });
        const messages = await (
          await js.consumers.get(stream, consumer)
        ).consume({ max_messages: JETSTREAM_SETTINGS.prefetch });
        readers.push(messages);
        void deliver(messages, sink.handlerFor(i));
      }
      return {
        emit: (event) => publish(js, root, event),
        close: async () => {
          await Promise.all(readers.map((messages) => messages.close()));
          await nc.drain();
        },
      };
    },
  };
}

/** `<root>.normal.<tenant>`, as Warden names the subject of a normal-priority event. */
function publish(js: JetStreamClient, root: string, event: SecurityEvent): Promise<unknown> {
  return js.publish(`${root}.normal.${tenantOf(event) ?? '_'}`, JSON.stringify(event));
}

async function deliver(
  messages: ConsumerMessages,
  handle: ReturnType<DeliverySink['handlerFor']>,
): Promise<void> {
  for await (const msg of messages) {
    await handle(msg.json<SecurityEvent>());
    msg.ack();
  }
}
