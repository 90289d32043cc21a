import { describe, expect, it } from 'vitest';
import { HistogramCell, cell, keyed } from './tally.js';

describe('HistogramCell', () => {
  it('counts a value in the first bucket whose bound is at least the value, cumulatively', () => {
    const h = new HistogramCell({ outcome: 'ok' }, [0.1, 1, 10]);
    for (const v of [0, 0.1, 0.10001, 1, 10, 11, 1e9]) h.observe(v);
    const snap = h.snapshot();
    expect(snap.buckets).toEqual([
      { le: '0.1', count: 2 },
      { le: '1', count: 4 },
      { le: '10', count: 5 },
      { le: '+Inf', count: 7 },
    ]);
    expect(snap.count).toBe(7);
    expect(snap.sum).toBeCloseTo(0 + 0.1 + 0.10001 + 1 + 10 + 11 + 1e9, 3);
    expect(h.labels).toEqual({ outcome: 'ok' });
  });

  it('formats small bounds as Prometheus reads them and forgets everything on reset', () => {
    const h = new HistogramCell({}, [0.00001, 0.5]);
    h.observe(0.000001);
    expect(h.snapshot().buckets[0]).toEqual({ le: '0.00001', count: 1 });
    h.reset();
    expect(h.snapshot()).toEqual({
      buckets: [
        { le: '0.00001', count: 0 },
        { le: '0.5', count: 0 },
        { le: '+Inf', count: 0 },
      ],
      sum: 0,
      count: 0,
    });
  });
});

describe('cell and keyed', () => {
  it('builds one independent entry per key', () => {
    const table = keyed(['a', 'b'] as const, (k) => cell({ k }));
    table.a.value += 2;
    expect(table.a).toEqual({ labels: { k: 'a' }, value: 2, initial: true });
    expect(table.b.value).toBe(0);
    expect(cell({}, false).initial).toBe(false);
  });
});
