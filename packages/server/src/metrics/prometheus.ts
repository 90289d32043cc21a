import { Registry } from 'prom-client';
import type { GaugeSource, ServerMetrics } from './metrics.js';
import { brokerMetrics } from './prom-broker.js';
import { connectionCounts, protectionCounts, requestCounts } from './prom-counting.js';
import { registerLabelledGauges, registerLiveGauges, type GaugeReadings } from './prom-gauges.js';
import { createHistograms, registerHistograms } from './prom-histograms.js';
import { DIRECTIONS } from './prom-labels.js';
import { getProcessRegistry, packageVersion } from './prom-process.js';
import { createTallies, registerTallies } from './prom-tallies.js';
import { keyed } from './tally.js';

export { BROKER_METRIC_NAMES } from './prom-broker.js';

/**
 * The Prometheus implementation of {@link ServerMetrics}: this file and the `prom-*.ts` beside it
 * are the only modules that import prom-client. docs/metrics.md lists every metric;
 * docs/grafana/switchyard.json and docs/prometheus/alerts.yml query them, and `dashboard.test.ts`
 * keeps the three in step with these files.
 */

/** Options of {@link createPrometheusMetrics}. */
export interface PrometheusMetricsOptions {
  /** Also expose prom-client's process metrics (event-loop lag, heap, GC, CPU, file descriptors). @default true */
  defaultMetrics?: boolean;
  /** Labels of `switchyard_build_info`. */
  buildInfo?: {
    /** Server version. @default the version in @switchyard/server's package.json */
    version?: string;
    /** Node.js version. @default process.version */
    node?: string;
  };
}

/**
 * Creates Prometheus metrics backed by a registry of their own, so two servers in one process
 * never share or clash over series. Labels come only from fixed sets; counting never adds work
 * per fan-out recipient.
 *
 * @example
 * const metrics = createPrometheusMetrics({ defaultMetrics: false, buildInfo: { version: '1.2.3' } });
 * const server = createServer({ auth: { secret }, metricsSink: metrics });
 * const { contentType, body } = await metrics.scrape(); // what GET /metrics serves
 */
export function createPrometheusMetrics(options: PrometheusMetricsOptions = {}): ServerMetrics {
  const registry = new Registry();
  const withProcess = options.defaultMetrics ?? true;
  const processMetrics = withProcess ? getProcessRegistry() : undefined;
  let source: GaugeSource | undefined;
  // Figures that cost a pass over the connections are read once per scrape, in scrape().
  let slowNow = { connections: 0, bufferedBytes: 0 };
  const inFlight = keyed(DIRECTIONS, () => 0);
  const readings: GaugeReadings = { source: () => source, slowNow: () => slowNow, inFlight };

  // Registration order is the order of the scrape: gauges, counters, histograms, then the broker.
  registerLiveGauges(registry, readings);
  registerLabelledGauges(registry, readings, {
    version: options.buildInfo?.version ?? packageVersion(),
    node: options.buildInfo?.node ?? process.version,
  });
  const tallies = createTallies();
  registerTallies(registry, tallies);
  const histograms = createHistograms();
  registerHistograms(registry, histograms);
  const broker = brokerMetrics(registry);

  return {
    setGaugeSource(next) {
      source = next;
      if (next.brokerConnected !== undefined) broker.gauges(next);
    },
    broker: broker.report,
    ...connectionCounts(tallies),
    ...requestCounts(tallies, histograms, inFlight),
    ...protectionCounts(tallies, histograms),
    async scrape() {
      slowNow = source === undefined ? { connections: 0, bufferedBytes: 0 } : source.slowConsumers();
      const own = await registry.metrics();
      const body = processMetrics === undefined ? own : `${own}\n${await processMetrics.metrics()}`;
      return { contentType: registry.contentType, body };
    },
  };
}
