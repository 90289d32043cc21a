/**
 * Plain-number storage behind the Prometheus metrics. A hook touches one of these with a property
 * read and an addition; the label sets are built once, and the text exposition is produced from
 * them only when `/metrics` is scraped. No prom-client here: `prometheus.ts` wires these to it.
 */

/** Label names to label values of one series. */
export type Labels = Readonly<Record<string, string>>;

/** One counter series. */
export interface Cell {
  readonly labels: Labels;
  value: number;
  /** Exposed even while 0, so that `rate()` has a baseline from the first scrape. */
  readonly initial: boolean;
}

/** Creates a counter series. */
export function cell(labels: Labels, initial = true): Cell {
  return { labels, value: 0, initial };
}

/** Builds a record with one entry per key, for lookups by a fixed-enum label on the hot path. */
export function keyed<K extends string, V>(keys: readonly K[], make: (key: K) => V): Record<K, V> {
  const out = {} as Record<K, V>;
  for (const key of keys) out[key] = make(key);
  return out;
}

/** One histogram series: per-bucket counts (the last slot is `+Inf`), sum and count. */
export class HistogramCell {
  readonly labels: Labels;
  readonly #bounds: readonly number[];
  readonly #counts: Float64Array;
  #sum = 0;
  #count = 0;

  /** `bounds` are the bucket upper bounds, ascending, without `+Inf`. */
  constructor(labels: Labels, bounds: readonly number[]) {
    this.labels = labels;
    this.#bounds = bounds;
    this.#counts = new Float64Array(bounds.length + 1);
  }

  /** Records one value: counts it in the first bucket whose bound is at least `value`. */
  observe(value: number): void {
    let i = 0;
    for (const bound of this.#bounds) {
      if (value <= bound) break;
      i++;
    }
    this.#counts[i] = (this.#counts[i] ?? 0) + 1;
    this.#sum += value;
    this.#count++;
  }

  /** The series as cumulative `(le, count)` pairs ending with `+Inf`, then sum and count. */
  snapshot(): { buckets: Array<{ le: string; count: number }>; sum: number; count: number } {
    const buckets: Array<{ le: string; count: number }> = [];
    let acc = 0;
    this.#bounds.forEach((bound, i) => {
      acc += this.#counts[i] ?? 0;
      buckets.push({ le: String(bound), count: acc });
    });
    buckets.push({ le: '+Inf', count: this.#count });
    return { buckets, sum: this.#sum, count: this.#count };
  }

  /** Forgets every observation. */
  reset(): void {
    this.#counts.fill(0);
    this.#sum = 0;
    this.#count = 0;
  }
}

/**
 * Histogram series created on their first observation. A label set a deployment never produces
 * (server-to-client requests on a server that sends none, timeouts with no timeout configured)
 * never costs a bucket series in the scrape.
 */
export class LazyHistograms<K extends string> {
  readonly #cells = new Map<K, HistogramCell>();
  readonly #bounds: readonly number[];
  readonly #labels: (key: K) => Labels;

  /** `labels` maps a key to the label set of its series. */
  constructor(bounds: readonly number[], labels: (key: K) => Labels) {
    this.#bounds = bounds;
    this.#labels = labels;
  }

  /** Records `value` in the series of `key`, creating it on first use. */
  observe(key: K, value: number): void {
    let c = this.#cells.get(key);
    if (c === undefined) {
      c = new HistogramCell(this.#labels(key), this.#bounds);
      this.#cells.set(key, c);
    }
    c.observe(value);
  }

  /** The series observed so far. */
  cells(): Iterable<HistogramCell> {
    return this.#cells.values();
  }
}
