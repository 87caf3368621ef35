import { describe, expect, it } from 'vitest';
import { SqliteEntry, TailCache } from './sqlite-entry.js';

const entry = (seq: number) =>
  new SqliteEntry(
    seq,
    1,
    {
      id: `e-${seq}`,
      type: 'test.happened',
      source: 'tail-cache',
      time: '2025-05-22T10:00:00Z',
      dataVersion: '1.0',
    },
    0,
    null,
  );

/** Every `after` the cache answers, with what it answers. */
function served(cache: TailCache, upTo: number): Map<number, number[]> {
  const answers = new Map<number, number[]>();
  for (let after = 0; after <= upTo; after++) {
    const entries = cache.read(after, Number.MAX_SAFE_INTEGER);
    if (entries !== undefined)
      answers.set(
        after,
        entries.map((e) => e.seq),
      );
  }
  return answers;
}

describe('TailCache', () => {
  it('holds between its capacity and 1.25 times it, and serves reads only from its floor up', () => {
    const capacity = 8;
    // Seqs advance by 3: a channel's seqs are shared by its three lanes, so a lane has gaps.
    const cache = new TailCache(0, capacity);
    const pushed: number[] = [];
    let floor = 0;
    let most = 0;
    for (let i = 1; i <= 200; i++) {
      const seq = i * 3;
      cache.push(entry(seq));
      pushed.push(seq);

      const answers = served(cache, seq);
      const lowest = Math.min(...answers.keys());
      for (const [after, seqs] of answers) {
        // Served means complete: every pushed seq above `after`, nothing missing.
        expect(seqs).toEqual(pushed.filter((s) => s > after));
      }
      // The answered range is contiguous from the floor to the tail, and the floor only rises.
      expect(answers.size).toBe(seq - lowest + 1);
      expect(lowest).toBeGreaterThanOrEqual(floor);
      floor = lowest;
      const held = answers.get(lowest)?.length ?? 0;
      expect(held).toBeGreaterThanOrEqual(Math.min(i, capacity));
      most = Math.max(most, held);
      // The newest `capacity` entries are always served from memory.
      const newest = pushed.slice(-capacity);
      expect(answers.get((newest[0] as number) - 1)).toEqual(newest);
    }
    // Trimmed as it reaches 1.25 x capacity (10 of 8), back down to the capacity.
    expect(most).toBe(capacity * 1.25 - 1);
    expect(cache.read(0, 10)).toBeUndefined();
  });

  it('covers everything above the tail it was created at, and nothing below', () => {
    const cache = new TailCache(100, 4);
    cache.push(entry(101));
    cache.push(entry(104));

    expect(cache.read(99, 10)).toBeUndefined();
    expect(cache.read(100, 10)?.map((e) => e.seq)).toEqual([101, 104]);
    expect(cache.read(101, 10)?.map((e) => e.seq)).toEqual([104]);
    expect(cache.read(104, 10)).toEqual([]);
    expect(cache.read(100, 1)?.map((e) => e.seq)).toEqual([101]);
  });
});
