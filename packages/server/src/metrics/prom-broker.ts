import { Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import type { BrokerReport, GaugeSource } from './metrics.js';
import { histogramCollector, tallyCounter } from './prom-collectors.js';
import { BROKER_BUCKETS } from './prom-labels.js';
import { HistogramCell, cell } from './tally.js';
import type { Cell } from './tally.js';

/** Series that only a cluster node (one with a broker) exposes. */
export const BROKER_METRIC_NAMES = [
  'switchyard_broker_connected',
  'switchyard_broker_queue_depth',
  'switchyard_broker_published_total',
  'switchyard_broker_published_bytes_total',
  'switchyard_broker_received_total',
  'switchyard_broker_received_bytes_total',
  'switchyard_broker_dropped_total',
  'switchyard_broker_reconnects_total',
  'switchyard_broker_publish_latency_seconds',
] as const;

/** The cells behind the broker's series, written by its {@link BrokerReport}. */
interface BrokerCells {
  readonly published: Cell;
  readonly publishedBytes: Cell;
  readonly received: Cell;
  readonly receivedBytes: Cell;
  readonly dropped: Cell;
  readonly reconnects: Cell;
  readonly latency: HistogramCell;
}

/**
 * The cluster broker's series, registered only on a cluster node (when the gauge source has a
 * broker), so a single node never shows a broker that looks down.
 */
export function brokerMetrics(registry: Registry): { report: BrokerReport; gauges(source: GaugeSource): void } {
  const cells: BrokerCells = {
    published: cell({}, true),
    publishedBytes: cell({}, true),
    received: cell({}, true),
    receivedBytes: cell({}, true),
    dropped: cell({}, true),
    reconnects: cell({}, true),
    latency: new HistogramCell({}, BROKER_BUCKETS),
  };
  let registered = false;
  return {
    report: {
      linkChanged: () => {},
      published(messages, bytes) {
        cells.published.value += messages;
        cells.publishedBytes.value += bytes;
      },
      received(messages, bytes) {
        cells.received.value += messages;
        cells.receivedBytes.value += bytes;
      },
      dropped(messages) {
        cells.dropped.value += messages;
      },
      reconnected() {
        cells.reconnects.value++;
      },
      publishLatency(seconds) {
        cells.latency.observe(seconds);
      },
    },
    gauges(source) {
      if (registered) return;
      registered = true;
      registerBrokerSeries(registry, source, cells);
    },
  };
}

// The broker's counters, in the order of the scrape: name, help, and the cell each reads.
const BROKER_COUNTERS: ReadonlyArray<readonly [string, string, keyof Omit<BrokerCells, 'latency'>]> = [
  ['switchyard_broker_published_total', 'Messages this node published to the cluster broker.', 'published'],
  ['switchyard_broker_published_bytes_total', 'Bytes this node published to the cluster broker.', 'publishedBytes'],
  ['switchyard_broker_received_total', 'Messages this node received from the cluster broker.', 'received'],
  ['switchyard_broker_received_bytes_total', 'Bytes this node received from the cluster broker.', 'receivedBytes'],
  [
    'switchyard_broker_dropped_total',
    'Cross-node copies refused because the broker queue was full (Redis unreachable or frozen).',
    'dropped',
  ],
  ['switchyard_broker_reconnects_total', 'Times the link to the cluster broker came back.', 'reconnects'],
];

function registerBrokerSeries(registry: Registry, source: GaugeSource, cells: BrokerCells): void {
  const gauge = (name: string, help: string, read: () => number): void => {
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  };
  gauge('switchyard_broker_connected', 'Whether the link to the cluster broker is up (1) or down (0).', () =>
    source.brokerConnected === undefined ? 0 : source.brokerConnected(),
  );
  gauge(
    'switchyard_broker_queue_depth',
    'Messages waiting to be written to or acknowledged by the cluster broker.',
    () => (source.brokerQueueDepth === undefined ? 0 : source.brokerQueueDepth()),
  );
  for (const [name, help, key] of BROKER_COUNTERS) tallyCounter(registry, name, help, [], () => [cells[key]]);
  histogramCollector(
    registry,
    'switchyard_broker_publish_latency_seconds',
    'Time from writing a message to the cluster broker to its acknowledgement.',
    [],
    () => [cells.latency],
  );
}
