import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { settle } from '../../../shared/fake-clock.js';
import type { ChannelConfig } from '../../config.js';
import type { Subscription } from '../../subscribe-options.js';
import { range } from '../conformance-harness.js';
import type { TestEvent } from '../conformance-harness.js';
import type { RetentionConfig } from './sqlite-retention.js';
import { gate, openRestartHarness } from './sqlite-restart-harness.js';
import type { RestartHarness } from './sqlite-restart-harness.js';

const open: RestartHarness[] = [];

async function harness(channel: ChannelConfig, retention: RetentionConfig) {
  // A long interval keeps the background pass out of the way: each test runs retention by hand.
  const h = await openRestartHarness(channel, {
    log: { retention: { intervalMs: 3_600_000, ...retention } },
  });
  open.push(h);
  return h;
}

afterEach(async () => {
  for (const h of open.splice(0)) await h.dispose();
});

const STORED_EVENTS = `SELECT e.json FROM events e JOIN channels c ON c.id = e.channel_id
  WHERE c.name = ? ORDER BY e.seq`;

/** The `n` of every event of the channel still in the file. */
function stored(h: RestartHarness): number[] {
  const rows = h.log.db.prepare(STORED_EVENTS).pluck().all(h.channel) as string[];
  return rows.map((json) => (JSON.parse(json) as TestEvent).data.n);
}

/** Unsubscribing writes the consumer's position, which is what retention reads. */
async function persistPositions(...subscriptions: Subscription[]): Promise<void> {
  for (const subscription of subscriptions) subscription.unsubscribe();
  await settle();
}

function subscribeRecording(h: RestartHarness, consumer: string, seen: number[]): Subscription {
  return h.bus.subscribe(h.channel, async (e: TestEvent) => void seen.push(e.data.n), {
    consumer,
  });
}

describe('SqliteEventLog retention', () => {
  it('removes events every named consumer acknowledged, never one still unacknowledged', async () => {
    const h = await harness({ bufferSize: 100, consumers: ['fast', 'slow'] }, {});
    const stuck = gate(); // 'slow' stops at event 4
    const fast: number[] = [];
    const slow: number[] = [];
    const fastSub = subscribeRecording(h, 'fast', fast);
    const slowSub = h.bus.subscribe(
      h.channel,
      async (e: TestEvent) => {
        slow.push(e.data.n);
        if (e.data.n === 4) await stuck.wait;
      },
      { consumer: 'slow' },
    );
    for (const n of range(10)) await h.bus.emit(h.channel, h.event(n));
    await h.until(() => fast.length === 10 && slow.length === 5, 'both consumers');
    await persistPositions(fastSub, slowSub);

    const removed = h.log.runRetention();
    const kept = stored(h);
    await h.restart({ abandonRunningHandlers: true });
    const slowAgain: number[] = [];
    const subs = [subscribeRecording(h, 'slow', slowAgain), subscribeRecording(h, 'fast', [])];
    await h.bus.drain();
    await persistPositions(...subs);
    const removedAfterRestart = h.log.runRetention();

    expect(removed).toBe(4);
    expect(kept).toEqual([4, 5, 6, 7, 8, 9]);
    expect(slowAgain).toEqual([4, 5, 6, 7, 8, 9]);
    expect(removedAfterRestart).toBe(6);
    expect(stored(h)).toEqual([]);
  });

  it('keeps everything while a configured consumer has never subscribed', async () => {
    const h = await harness({ bufferSize: 100, consumers: ['reader', 'absent'] }, {});
    const sub = subscribeRecording(h, 'reader', []);
    for (const n of range(5)) await h.bus.emit(h.channel, h.event(n));
    await h.bus.drain();
    await persistPositions(sub);

    expect(h.log.runRetention()).toBe(0);
    expect(stored(h)).toEqual(range(5));
  });

  it('keeps acknowledged events until they are minAgeMs old', async () => {
    const h = await harness({ bufferSize: 100, consumers: ['c'] }, { minAgeMs: 60_000 });
    for (const n of range(3)) await h.bus.emit(h.channel, h.event(n));
    await h.clock.advanceAsync(30_000);
    for (const n of [3, 4]) await h.bus.emit(h.channel, h.event(n));
    const sub = subscribeRecording(h, 'c', []);
    await h.bus.drain();
    await persistPositions(sub);

    const removed: number[] = [h.log.runRetention()];
    await h.clock.advanceAsync(29_999);
    removed.push(h.log.runRetention());
    await h.clock.advanceAsync(1);
    removed.push(h.log.runRetention());
    const keptAtOneMinute = stored(h);
    await h.clock.advanceAsync(30_000);
    removed.push(h.log.runRetention());

    expect(removed).toEqual([0, 0, 3, 2]);
    expect(keptAtOneMinute).toEqual([3, 4]);
    expect(stored(h)).toEqual([]);
  });

  it('caps young acknowledged events at maxAcknowledgedEvents per lane and keeps the unacknowledged', async () => {
    const h = await harness(
      { bufferSize: 100, consumers: ['c'] },
      { minAgeMs: 3_600_000, maxAcknowledgedEvents: 3 },
    );
    const stuck = gate(); // event 7 is never acknowledged
    const seen: number[] = [];
    const sub = h.bus.subscribe(
      h.channel,
      async (e: TestEvent) => {
        seen.push(e.data.n);
        if (e.data.n === 7) await stuck.wait;
      },
      { consumer: 'c' },
    );
    for (const n of range(5)) {
      await h.bus.emitWithGuarantee(h.channel, h.event(100 + n), { priority: 'high' });
    }
    for (const n of range(10)) await h.bus.emit(h.channel, h.event(n));
    await h.until(() => seen.includes(7), 'the stuck event');
    await persistPositions(sub);

    const removed = h.log.runRetention();

    // High lane: 100..104 all acknowledged, the newest 3 kept. Normal lane: 0..6 acknowledged,
    // the newest 3 of them kept, and 7..9 (never acknowledged) kept whatever the cap.
    expect(removed).toBe(2 + 4);
    expect(stored(h).sort((a, b) => a - b)).toEqual([4, 5, 6, 7, 8, 9, 102, 103, 104]);
  });

  it('deletes at most 1,000 rows per transaction by default and finishes on later turns', async () => {
    const h = await harness({ bufferSize: 3_000, consumers: ['c'] }, {});
    const sub = subscribeRecording(h, 'c', []);
    await Promise.all(range(2_500).map((n) => h.bus.emit(h.channel, h.event(n))));
    await h.bus.drain();
    await persistPositions(sub);

    const firstChunk = h.log.runRetention();
    const keptAfterFirstChunk = stored(h).length;
    await h.until(() => stored(h).length === 0, 'the rest of the pass');

    expect(firstChunk).toBe(1_000);
    expect(keptAfterFirstChunk).toBe(1_500);
  });

  it('after a restart trims exactly the acknowledged rows of lanes whose seqs interleave', async () => {
    // Chunks of 2 rows: a lane's seqs have gaps (the channel's other lane takes every other
    // one), so a chunk must count rows, not seqs, and the floor must be found again at open.
    const h = await harness({ bufferSize: 100, consumers: ['c'] }, { chunkSize: 2 });
    const emitBoth = async (n: number) => {
      await h.bus.emitWithGuarantee(h.channel, h.event(100 + n), { priority: 'high' });
      await h.bus.emit(h.channel, h.event(n));
    };
    const sub = subscribeRecording(h, 'c', []);
    for (const n of range(10)) await emitBoth(n);
    await h.bus.drain();
    await persistPositions(sub);
    for (const n of [10, 11]) await emitBoth(n); // never acknowledged
    h.log.runRetention(); // the first chunk of each lane; the pass goes on by itself
    await h.restart();
    const keptAtRestart = stored(h).length;

    let removedAfterRestart = 0;
    for (let pass = 0; pass < 10; pass++) removedAfterRestart += h.log.runRetention();

    expect(keptAtRestart).toBeGreaterThan(4);
    expect(removedAfterRestart).toBe(keptAtRestart - 4);
    expect(stored(h).sort((x, y) => x - y)).toEqual([10, 11, 110, 111]);
  });

  it('removes acknowledged events durably: a separate connection sees them gone after close', async () => {
    const h = await harness({ bufferSize: 100, consumers: ['c'] }, {});
    for (const n of range(8)) await h.bus.emit(h.channel, h.event(n));
    const sub = subscribeRecording(h, 'c', []);
    await h.bus.drain();
    await persistPositions(sub);
    h.log.runRetention();
    await h.close();

    const db = new BetterSqlite3(h.file, { readonly: true });
    try {
      expect(db.prepare(STORED_EVENTS).pluck().all(h.channel)).toEqual([]);
    } finally {
      db.close();
    }
  });
});
