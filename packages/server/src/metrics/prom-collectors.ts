import { Counter } from 'prom-client';
import type { Histogram, Registry } from 'prom-client';
import type { Cell, HistogramCell } from './tally.js';

/**
 * A counter whose hot path is `cell.value += n`. prom-client's own `inc()` hashes and validates
 * the label set on every call; here that work happens once per scrape instead of once per message.
 */
export function tallyCounter(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly string[],
  cells: () => Iterable<Cell>,
): void {
  new Counter({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const c of cells()) if (c.value > 0 || c.initial) this.inc(c.labels, c.value);
    },
  });
}

/**
 * A histogram fed from {@link HistogramCell}s. prom-client's `Histogram` cannot take pre-counted
 * buckets and its `observe()` costs 0.2–0.6 µs (label validation and hashing) on every call; the
 * registry serialises any collector with a name, help, type and `get()` in Histogram's value shape.
 */
export function histogramCollector(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly string[],
  cells: () => Iterable<HistogramCell>,
): void {
  const collector = {
    name,
    help,
    type: 'histogram',
    labelNames,
    aggregator: 'sum',
    get: () => {
      const values: Array<{ metricName: string; labels: Record<string, string>; value: number }> = [];
      for (const c of cells()) {
        const { buckets, sum, count } = c.snapshot();
        for (const { le, count: n } of buckets)
          values.push({ metricName: `${name}_bucket`, labels: { le, ...c.labels }, value: n });
        values.push({ metricName: `${name}_sum`, labels: { ...c.labels }, value: sum });
        values.push({ metricName: `${name}_count`, labels: { ...c.labels }, value: count });
      }
      return Promise.resolve({ name, help, type: 'histogram', values, aggregator: 'sum' });
    },
    reset: () => {
      for (const c of cells()) c.reset();
    },
  };
  registry.registerMetric(collector as unknown as Histogram);
}
