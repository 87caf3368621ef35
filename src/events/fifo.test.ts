import { describe, expect, it } from 'vitest';
import { Fifo } from './fifo.js';

function drain<T>(fifo: Fifo<T>): T[] {
  const out: T[] = [];
  for (let item = fifo.shift(); item !== undefined; item = fifo.shift()) out.push(item);
  return out;
}

describe('Fifo', () => {
  it('returns items in the order they were pushed, across growth', () => {
    const fifo = new Fifo<number>();
    for (let i = 0; i < 100; i++) fifo.push(i);
    expect(fifo.size).toBe(100);
    expect(drain(fifo)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(fifo.size).toBe(0);
    expect(fifo.peek()).toBeUndefined();
  });

  it('keeps the order when the ring wraps around and then grows', () => {
    const fifo = new Fifo<number>();
    const expected: number[] = [];
    let next = 0;
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 3; i++) fifo.push(next++);
      expect(fifo.shift()).toBe(round);
    }
    for (let i = 0; i < 40; i++) fifo.push(next++);
    for (let i = 50; i < next; i++) expected.push(i);
    expect(drain(fifo)).toEqual(expected);
  });

  it('puts unshifted items in front, in the order unshifted last first', () => {
    const fifo = new Fifo<string>();
    fifo.push('c');
    fifo.unshift('b');
    fifo.unshift('a');
    for (let i = 0; i < 20; i++) fifo.unshift(`x${i}`); // forces growth at the front
    expect(fifo.peek()).toBe('x19');
    expect(drain(fifo).slice(-3)).toEqual(['a', 'b', 'c']);
  });
});
