import { readFileSync } from 'node:fs';
import { CODEC_NAMES, ENVELOPE_TYPES } from '@switchyard/protocol';
import type { CloseClass, CodecName, EnvelopeType } from '@switchyard/protocol';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Histogram } from 'prom-client';
import type {
  BrokerReport,
  CloseReason,
  GaugeSource,
  LimitKind,
  RequestDirection,
  RequestOutcome,
  ServerMetrics,
  UpgradeRejectReason,
} from './metrics.js';
import { HistogramCell, cell, keyed } from './tally.js';
import type { Cell } from './tally.js';

/**
 * The Prometheus implementation of {@link ServerMetrics}: the only module that imports prom-client.
 * docs/metrics.md lists every metric; docs/grafana/switchyard.json and docs/prometheus/alerts.yml
 * query them, and `dashboard.test.ts` keeps the three in step with this file.
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

// Envelope kinds each direction can carry (envelope.ts): these series start at 0 so that rate()
// has a baseline from the first scrape; any other kind still counts, its series appears on first use.
const RECEIVED_KINDS = [
  'event',
  'request',
  'reply',
  'join',
  'leave',
  'publish',
  'presence-get',
  'refresh',
  'ping',
  'pong',
] as const;
const SENT_KINDS = ['welcome', 'request', 'reply', 'push', 'presence', 'notice', 'ping', 'pong'] as const;
const UPGRADE_REASONS: readonly UpgradeRejectReason[] = [
  'missing_token',
  'invalid_token',
  'expired_token',
  'forbidden_origin',
  'unsupported_protocol',
  'too_many_connections',
  'server_full',
  'bad_request',
  'shutting_down',
];
const DIRECTIONS: readonly RequestDirection[] = ['client_to_server', 'server_to_client'];
const OUTCOMES: readonly RequestOutcome[] = ['ok', 'error', 'timeout', 'disconnected'];
const HANDLER_KINDS = ['request', 'event', 'authorize'] as const;
const LIMIT_KINDS = ['rooms_per_connection', 'room_name', 'http_body'] as const satisfies readonly LimitKind[];

/** Request and ack round trips: a millisecond up to a client's longest sensible timeout. */
const REQUEST_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Time a publish spends inside the server: tens of microseconds when healthy. */
const PUBLISH_BUCKETS = [
  0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5,
];

/**
 * A counter whose hot path is `cell.value += n`. prom-client's own `inc()` hashes and validates
 * the label set on every call; here that work happens once per scrape instead of once per message.
 */
function tallyCounter(
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
function histogramCollector(
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
    get: async () => {
      const values: Array<{ metricName: string; labels: Record<string, string>; value: number }> = [];
      for (const c of cells()) {
        const { buckets, sum, count } = c.snapshot();
        for (const { le, count: n } of buckets)
          values.push({ metricName: `${name}_bucket`, labels: { le, ...c.labels }, value: n });
        values.push({ metricName: `${name}_sum`, labels: { ...c.labels }, value: sum });
        values.push({ metricName: `${name}_count`, labels: { ...c.labels }, value: count });
      }
      return { name, help, type: 'histogram', values, aggregator: 'sum' };
    },
    reset: () => {
      for (const c of cells()) c.reset();
    },
  };
  registry.registerMetric(collector as unknown as Histogram);
}

// Default metrics describe the process, not a server, and prom-client cannot stop the GC observer
// and event-loop monitor it starts: one private registry per process serves every instance.
let processRegistry: Registry | undefined;

function getProcessRegistry(): Registry {
  if (processRegistry === undefined) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
    // Gauges named like counters break the naming rules (`promtool check metrics` rejects them);
    // the same totals remain as the per-type breakdowns `nodejs_active_handles{type}` and so on.
    for (const name of [
      'nodejs_active_handles_total',
      'nodejs_active_requests_total',
      'nodejs_active_resources_total',
    ]) {
      processRegistry.removeSingleMetric(name);
    }
  }
  return processRegistry;
}

function packageVersion(): string {
  try {
    const pkg: unknown = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    const version = (pkg as { version?: unknown }).version;
    return typeof version === 'string' ? version : 'unknown';
  } catch {
    // Bundled without its package.json: the label still exists, with an honest value.
    return 'unknown';
  }
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

  const liveGauge = (name: string, help: string, read: (s: GaugeSource) => number): void => {
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(source === undefined ? 0 : read(source));
      },
    });
  };
  liveGauge('switchyard_connections', 'Open WebSocket connections.', (s) => s.connections());
  liveGauge('switchyard_rooms', 'Rooms with at least one member on this server.', (s) => s.rooms());
  liveGauge('switchyard_subscriptions', 'Room memberships (connection-room pairs) on this server.', (s) =>
    s.subscriptions(),
  );

  const buildInfo = new Gauge({
    name: 'switchyard_build_info',
    help: 'Always 1; labels carry the server and Node.js versions.',
    labelNames: ['version', 'node'],
    registers: [registry],
  });
  buildInfo.set(
    { version: options.buildInfo?.version ?? packageVersion(), node: options.buildInfo?.node ?? process.version },
    1,
  );

  const byCodec = (): Record<CodecName, Cell> => keyed(CODEC_NAMES, (codec) => cell({ codec }, true));
  const byKind = (codec: CodecName, initialKinds: readonly string[]): Record<EnvelopeType, Cell> =>
    keyed(ENVELOPE_TYPES, (kind) => cell({ codec, kind }, initialKinds.includes(kind)));

  const opened = byCodec();
  const closed = new Map<string, Cell>();
  const rejected = keyed(UPGRADE_REASONS, (reason) => cell({ reason }, true));
  const received = keyed(CODEC_NAMES, (codec) => byKind(codec, RECEIVED_KINDS));
  const sent = keyed(CODEC_NAMES, (codec) => byKind(codec, SENT_KINDS));
  const receivedBytes = byCodec();
  const sentBytes = byCodec();
  const deliveries = byCodec();
  const ackTimeouts = keyed(DIRECTIONS, (direction) => cell({ direction }, true));
  const drops = keyed(['drop', 'latest'] as const, (policy) => cell({ policy }, true));
  const sendPressure = keyed(['backpressure', 'dropped'] as const, (result) => cell({ result }, true));
  const slowCloses = cell({}, true);
  const rateLimited = cell({}, true);
  const limitRejections = keyed(LIMIT_KINDS, (limit) => cell({ limit }, true));
  const handlerErrors = keyed(HANDLER_KINDS, (kind) => cell({ kind }, true));

  const nested = (table: Record<CodecName, Record<EnvelopeType, Cell>>): Cell[] =>
    Object.values(table).flatMap((row) => Object.values(row));
  tallyCounter(
    registry,
    'switchyard_connections_opened_total',
    'WebSocket connections accepted, by negotiated codec.',
    ['codec'],
    () => Object.values(opened),
  );
  tallyCounter(
    registry,
    'switchyard_connections_closed_total',
    'WebSocket connections closed, by close-code class and reason.',
    ['class', 'reason'],
    () => closed.values(),
  );
  tallyCounter(
    registry,
    'switchyard_upgrade_rejections_total',
    'HTTP upgrades refused before a socket opened, by reason.',
    ['reason'],
    () => Object.values(rejected),
  );
  tallyCounter(
    registry,
    'switchyard_messages_received_total',
    'Envelopes received from clients, by codec and envelope kind.',
    ['codec', 'kind'],
    () => nested(received),
  );
  tallyCounter(
    registry,
    'switchyard_messages_sent_total',
    'Frames encoded and handed to the transport (a room publish counts once), by codec and envelope kind.',
    ['codec', 'kind'],
    () => nested(sent),
  );
  tallyCounter(
    registry,
    'switchyard_received_bytes_total',
    'Payload bytes received from clients, by codec.',
    ['codec'],
    () => Object.values(receivedBytes),
  );
  tallyCounter(
    registry,
    'switchyard_sent_bytes_total',
    'Payload bytes written to clients (frame size times recipients), by codec.',
    ['codec'],
    () => Object.values(sentBytes),
  );
  tallyCounter(
    registry,
    'switchyard_deliveries_total',
    'Frames delivered to connections: a room publish counts its subscribers, by codec.',
    ['codec'],
    () => Object.values(deliveries),
  );
  tallyCounter(
    registry,
    'switchyard_ack_timeouts_total',
    'Requests whose reply did not arrive in time, by direction.',
    ['direction'],
    () => Object.values(ackTimeouts),
  );
  tallyCounter(
    registry,
    'switchyard_backpressure_drops_total',
    'Messages skipped for slow consumers, by room slow-consumer policy.',
    ['policy'],
    () => Object.values(drops),
  );
  tallyCounter(
    registry,
    'switchyard_send_backpressure_total',
    'send() calls that reported backpressure or dropped the frame, by result.',
    ['result'],
    () => Object.values(sendPressure),
  );
  tallyCounter(
    registry,
    'switchyard_slow_consumer_closes_total',
    'Connections closed as slow consumers (close code 4201).',
    [],
    () => [slowCloses],
  );
  tallyCounter(
    registry,
    'switchyard_rate_limited_messages_total',
    'Client messages refused by the per-connection rate limit.',
    [],
    () => [rateLimited],
  );
  tallyCounter(
    registry,
    'switchyard_limit_rejections_total',
    'Joins, publishes, presence reads and HTTP API calls refused by a limit, by limit.',
    ['limit'],
    () => Object.values(limitRejections),
  );
  tallyCounter(
    registry,
    'switchyard_handler_errors_total',
    'Handlers that threw something other than an RpcError, by handler kind.',
    ['kind'],
    () => Object.values(handlerErrors),
  );

  const requestCells = keyed(DIRECTIONS, (direction) =>
    keyed(OUTCOMES, (outcome) => new HistogramCell({ direction, outcome }, REQUEST_BUCKETS)),
  );
  const publishCell = new HistogramCell({}, PUBLISH_BUCKETS);
  histogramCollector(
    registry,
    'switchyard_request_duration_seconds',
    'Time from a request to its reply (or timeout or disconnect), by direction and outcome.',
    ['direction', 'outcome'],
    () => Object.values(requestCells).flatMap((row) => Object.values(row)),
  );
  histogramCollector(
    registry,
    'switchyard_publish_latency_seconds',
    'Time from a publish entering the server to its hand-off to the transport.',
    [],
    () => [publishCell],
  );

  const broker = brokerMetrics(registry);

  return {
    setGaugeSource(next) {
      source = next;
      if (next.brokerConnected !== undefined) broker.gauges(next);
    },
    broker: broker.report,
    connectionOpened(codec) {
      opened[codec].value++;
    },
    connectionClosed(closeClass: CloseClass, reason: CloseReason) {
      const key = `${closeClass}\u0000${reason}`;
      let c = closed.get(key);
      if (c === undefined) {
        c = cell({ class: closeClass, reason }, true);
        closed.set(key, c);
      }
      c.value++;
    },
    upgradeRejected(reason) {
      rejected[reason].value++;
    },
    messageReceived(codec, kind, bytes) {
      received[codec][kind].value++;
      receivedBytes[codec].value += bytes;
    },
    messageSent(codec, kind, bytes, recipients) {
      sent[codec][kind].value++;
      deliveries[codec].value += recipients;
      sentBytes[codec].value += bytes * recipients;
    },
    requestCompleted(direction, outcome, seconds) {
      requestCells[direction][outcome].observe(seconds);
      if (outcome === 'timeout') ackTimeouts[direction].value++;
    },
    publishLatency(seconds) {
      publishCell.observe(seconds);
    },
    backpressureDropped(policy, count) {
      drops[policy].value += count;
    },
    sendBackpressure(result) {
      sendPressure[result].value++;
    },
    slowConsumerClosed() {
      slowCloses.value++;
    },
    rateLimited() {
      rateLimited.value++;
    },
    limitRejected(limit) {
      limitRejections[limit].value++;
    },
    handlerError(kind) {
      handlerErrors[kind].value++;
    },
    async scrape() {
      const own = await registry.metrics();
      const body = processMetrics === undefined ? own : `${own}\n${await processMetrics.metrics()}`;
      return { contentType: registry.contentType, body };
    },
  };
}

/** Broker latency: a Redis round trip on a healthy link is well under a millisecond. */
const BROKER_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5, 2.5];

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

/**
 * The cluster broker's series, registered only on a cluster node (when the gauge source has a
 * broker), so a single node never shows a broker that looks down.
 */
function brokerMetrics(registry: Registry): { report: BrokerReport; gauges(source: GaugeSource): void } {
  const published = cell({}, true);
  const publishedBytes = cell({}, true);
  const received = cell({}, true);
  const receivedBytes = cell({}, true);
  const dropped = cell({}, true);
  const reconnects = cell({}, true);
  const latency = new HistogramCell({}, BROKER_BUCKETS);
  const register = (source: GaugeSource): void => {
    const counter = (name: string, help: string, c: Cell): void => tallyCounter(registry, name, help, [], () => [c]);
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
    counter('switchyard_broker_published_total', 'Messages this node published to the cluster broker.', published);
    counter(
      'switchyard_broker_published_bytes_total',
      'Bytes this node published to the cluster broker.',
      publishedBytes,
    );
    counter('switchyard_broker_received_total', 'Messages this node received from the cluster broker.', received);
    counter(
      'switchyard_broker_received_bytes_total',
      'Bytes this node received from the cluster broker.',
      receivedBytes,
    );
    counter(
      'switchyard_broker_dropped_total',
      'Cross-node copies refused because the broker queue was full (Redis unreachable or frozen).',
      dropped,
    );
    counter('switchyard_broker_reconnects_total', 'Times the link to the cluster broker came back.', reconnects);
    histogramCollector(
      registry,
      'switchyard_broker_publish_latency_seconds',
      'Time from writing a message to the cluster broker to its acknowledgement.',
      [],
      () => [latency],
    );
  };
  let registered = false;
  return {
    report: {
      linkChanged: () => {},
      published(messages, bytes) {
        published.value += messages;
        publishedBytes.value += bytes;
      },
      received(messages, bytes) {
        received.value += messages;
        receivedBytes.value += bytes;
      },
      dropped(messages) {
        dropped.value += messages;
      },
      reconnected() {
        reconnects.value++;
      },
      publishLatency(seconds) {
        latency.observe(seconds);
      },
    },
    gauges(source) {
      if (registered) return;
      registered = true;
      register(source);
    },
  };
}
