import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { settle } from '../../../shared/fake-clock.js';
import { EventBusService } from '../../bus.js';
import type { ChannelConfig } from '../../config.js';
import { range } from '../conformance-harness.js';
import type { ChannelLog, ChannelSpec, ConsumerRef, EventLog, LogCursor } from '../contract.js';
import { SqliteEventLog } from './sqlite-event-log.js';
import { gate, openRestartHarness, randomName } from './sqlite-restart-harness.js';
import type { RestartHarness } from './sqlite-restart-harness.js';

const open: RestartHarness[] = [];

async function harness(channel: ChannelConfig): Promise<RestartHarness> {
  const h = await openRestartHarness(channel);
  open.push(h);
  return h;
}

afterEach(async () => {
  for (const h of open.splice(0)) await h.dispose();
});

function storedCount(h: RestartHarness): number {
  return h.log.db.prepare('SELECT COUNT(*) FROM events').pluck().get() as number;
}

describe('SqliteEventLog group commit', () => {
  it('commits 2,000 concurrent emits in far fewer transactions than events', async () => {
    const h = await harness({ bufferSize: 1_000, consumers: ['c'] });
    const before = h.log.stats();

    await Promise.all(range(2_000).map((n) => h.bus.emit(h.channel, h.event(n))));
    const after = h.log.stats();

    expect(after.appends - before.appends).toBe(2_000);
    expect(after.commits - before.commits).toBeGreaterThan(0);
    expect(after.commits - before.commits).toBeLessThanOrEqual(20);
    expect(after.syncCommits - before.syncCommits).toBe(0);
    expect(storedCount(h)).toBe(2_000);
  });

  it('stores every row of a commit larger than one multi-row insert, with its own seq and JSON', async () => {
    const h = await harness({ bufferSize: 1_000, consumers: ['c'] });
    const count = 2 * 64 + 7; // two full multi-row inserts and a remainder
    const before = h.log.stats();

    await Promise.all(range(count).map((n) => h.bus.emit(h.channel, h.event(n))));
    const rows = h.log.db.prepare('SELECT seq, lane, json FROM events ORDER BY seq').all() as {
      seq: number;
      lane: number;
      json: string;
    }[];

    expect(h.log.stats().commits - before.commits).toBe(1);
    expect(rows.map((row) => row.seq)).toEqual(range(count).map((n) => n + 1));
    expect(rows.map((row) => (JSON.parse(row.json) as { data: { n: number } }).data.n)).toEqual(
      range(count),
    );
    expect(new Set(rows.map((row) => row.lane))).toEqual(new Set([1]));
  });

  it('makes a sync commit for emitWithGuarantee and none for a plain emit', async () => {
    const h = await harness({ bufferSize: 100, consumers: ['c'] });
    const s0 = h.log.stats();
    await h.bus.emit(h.channel, h.event(0));
    const s1 = h.log.stats();
    await h.bus.emitWithGuarantee(h.channel, h.event(1));
    const s2 = h.log.stats();
    // A guaranteed append makes its whole group commit power-loss safe.
    await Promise.all([
      h.bus.emit(h.channel, h.event(2)),
      h.bus.emitWithGuarantee(h.channel, h.event(3), { priority: 'high' }),
      h.bus.emit(h.channel, h.event(4)),
    ]);
    const s3 = h.log.stats();

    expect([s1.commits - s0.commits, s1.syncCommits - s0.syncCommits]).toEqual([1, 0]);
    expect([s2.commits - s1.commits, s2.syncCommits - s1.syncCommits]).toEqual([1, 1]);
    expect([s3.commits - s2.commits, s3.syncCommits - s2.syncCommits]).toEqual([1, 1]);
    expect(s3.appends - s0.appends).toBe(5);
  });
});

/** Wraps a log and counts the entries each consumer's cursor has handed out. */
function countingFetches(log: EventLog, fetched: Map<string, number>): EventLog {
  const wrapCursor = (cursor: LogCursor): LogCursor => ({
    get consumer() {
      return cursor.consumer;
    },
    fetch: (max) => {
      const entries = cursor.fetch(max);
      if (entries instanceof Promise) throw new Error('the SQLite log fetches synchronously');
      const name = cursor.consumer.name;
      fetched.set(name, (fetched.get(name) ?? 0) + entries.length);
      return entries;
    },
    ack: (entry) => cursor.ack(entry),
    deadLetter: (entry, record) => cursor.deadLetter(entry, record),
    lag: () => cursor.lag(),
    onAvailable: (listener) => {
      cursor.onAvailable(listener);
    },
    close: () => cursor.close(),
  });
  const wrapChannel = (channel: ChannelLog): ChannelLog => ({
    name: channel.name,
    deadLetters: channel.deadLetters,
    append: (request, options) => channel.append(request, options),
    openCursor: (consumer: ConsumerRef) => {
      const cursor = channel.openCursor(consumer);
      if (cursor instanceof Promise) throw new Error('the SQLite log opens cursors synchronously');
      return wrapCursor(cursor);
    },
    retained: () => channel.retained(),
    lagOf: (consumer) => channel.lagOf(consumer),
    onRelease: (listener) => {
      channel.onRelease(listener);
    },
  });
  return {
    name: log.name,
    durability: log.durability,
    supportsPowerLossDurability: log.supportsPowerLossDurability,
    supportsOffHeapBacklog: log.supportsOffHeapBacklog,
    init: () => log.init(),
    openChannel: async (spec: ChannelSpec) => wrapChannel(await log.openChannel(spec)),
    close: () => log.close(),
  };
}

describe('SqliteEventLog memory bound', () => {
  it('holds at most batchSize entries for a stalled consumer while 50,000 events wait on disk', async () => {
    const h = await harness({ bufferSize: 100, consumers: [] }); // lends its directory, clock and events
    const channel = randomName('stalled');
    const fetched = new Map<string, number>();
    const log = new SqliteEventLog({ path: join(h.dir, 'stalled.db'), clock: h.clock });
    const bus = new EventBusService(
      {
        channels: { [channel]: { bufferSize: 5_000, consumers: ['stuck'] } },
        defaultConsumer: 'x',
      },
      { log: countingFetches(log, fetched), clock: h.clock },
    );
    const stuck = gate();
    try {
      bus.subscribe(channel, () => stuck.wait, {
        consumer: 'stuck',
        batchSize: 64,
        maxConcurrency: 4,
      });
      for (let start = 0; start < 50_000; start += 5_000) {
        await Promise.all(
          range(5_000).map((i) => bus.emit(channel, h.event(start + i, `tenant-${i % 8}`))),
        );
      }
      await settle();
      const health = await bus.health();
      const consumer = health.channels[0]?.consumers.find((c) => c.consumer === 'stuck');

      expect(consumer).toMatchObject({ lag: 50_000, inFlight: 4 });
      expect(fetched.get('stuck')).toBeGreaterThan(0);
      expect(fetched.get('stuck')).toBeLessThanOrEqual(64);
      expect(log.db.prepare('SELECT COUNT(*) FROM events').pluck().get()).toBe(50_000);
    } finally {
      const closing = bus.close({ timeoutMs: 100 });
      await h.clock.advanceAsync(100);
      await closing;
    }
  });
});
