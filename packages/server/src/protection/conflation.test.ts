import { describe, expect, it } from 'vitest';
import { LatestValues } from './conflation.js';

describe('LatestValues', () => {
  it('keeps only the newest value per (event, key), in publish order', () => {
    const l = new LatestValues<number>(100);
    l.record('price', 'BTC', 1, 100);
    l.record('price', 'ETH', 2, 10);
    l.record('price', 'BTC', 3, 101);
    l.record('trade', undefined, 4, 7);
    l.record('price', 'BTC', 5, 102);
    expect(l.since(0).map((e) => [e.event, e.key, e.value])).toEqual([
      ['price', 'ETH', 10],
      ['trade', undefined, 7],
      ['price', 'BTC', 102],
    ]);
  });

  it('returns only entries newer than the given sequence', () => {
    const l = new LatestValues<string>(10);
    l.record('e', 'a', 1, 'a1');
    l.record('e', 'b', 2, 'b2');
    l.record('e', 'a', 3, 'a3');
    expect(l.since(2).map((e) => e.value)).toEqual(['a3']);
    expect(l.since(3)).toEqual([]);
  });

  it('keeps "no key" distinct from the empty key and keys distinct across events', () => {
    const l = new LatestValues<number>(10);
    l.record('e', undefined, 1, 1);
    l.record('e', '', 2, 2);
    l.record('f', '', 3, 3);
    expect(l.size).toBe(3);
  });

  it('evicts the slot updated longest ago past maxKeys and counts it', () => {
    const l = new LatestValues<number>(2);
    l.record('e', 'a', 1, 1);
    l.record('e', 'b', 2, 2);
    l.record('e', 'a', 3, 3); // a is now the newest
    l.record('e', 'c', 4, 4); // evicts b
    expect(l.since(0).map((e) => e.key)).toEqual(['a', 'c']);
    expect(l.evicted).toBe(1);
  });
});
