import { readFileSync } from 'node:fs';
import {
  CLIENT_ENVELOPE_TYPES,
  CODEC_NAMES,
  ENVELOPE_TYPES,
  ErrorCode,
  SERVER_ENVELOPE_TYPES,
} from '@switchyard/protocol';
import type { CloseClass, CodecName, EnvelopeType } from '@switchyard/protocol';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Histogram } from 'prom-client';
import type {
  AnsweredKind,
  BrokerReport,
  CloseReason,
  DeliveryKind,
  GaugeSource,
  HttpApiRoute,
  OperationKind,
  LimitKind,
  RequestDirection,
  RequestOutcome,
  ServerMetrics,
  UpgradeRejectReason,
} from './metrics.js';
import { HistogramCell, LazyHistograms, cell, keyed } from './tally.js';
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
const RECEIVED_KINDS = CLIENT_ENVELOPE_TYPES;
const SENT_KINDS = SERVER_ENVELOPE_TYPES;
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
const HANDLER_KINDS = ['request', 'event', 'authorize'] as const;
const LIMIT_KINDS = ['rooms_per_connection', 'room_name', 'http_body'] as const satisfies readonly LimitKind[];

// Bucket bounds come from latencies measured on a loopback server (scripts/metrics-latencies.mjs,
// docs/metrics.md#buckets): a synchronous handler is answered ~4 µs after its request is decoded,
// a presence read in ~6 µs, an acknowledged publish in ~15 µs, a join in ~20 µs, an HTTP API
// publish in ~50 µs, an HS256 upgrade in ~120 µs. Each ladder starts below the healthy case and
// ends where a client gives up; bounds stay 2–2.5× apart so p50 and p99 keep their meaning.
/** Request round trips and client calls: 5 µs up to a client's longest sensible timeout. */
const REQUEST_BUCKETS = [
  0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.01, 0.05, 0.25, 1, 5, 30,
];
/** Time a publish spends inside the server: tens of microseconds when healthy. */
const PUBLISH_BUCKETS = [0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.001, 0.005, 0.025, 0.1];
/** Upgrade decisions: token verification, ~0.1 ms for HMAC, more for RSA and EC keys. */
const UPGRADE_BUCKETS = [0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.01, 0.05];
/** Backend HTTP API calls, from the collected body to the answer. */
const HTTP_BUCKETS = [0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.01, 0.1, 1];

const DELIVERY_KINDS = [
  'push',
  'reply',
  'request',
  'presence',
  'notice',
  'control',
] as const satisfies readonly DeliveryKind[];
/** Which delivery kind each server envelope is. */
const DELIVERY_KIND_OF: Readonly<Record<EnvelopeType, DeliveryKind>> = {
  push: 'push',
  reply: 'reply',
  request: 'request',
  presence: 'presence',
  notice: 'notice',
  welcome: 'control',
  ping: 'control',
  pong: 'control',
  // Client-only kinds: never sent by a server, listed so the table is total.
  event: 'control',
  join: 'control',
  leave: 'control',
  publish: 'control',
  'presence-get': 'control',
  refresh: 'control',
};
const ANSWERED_KINDS = [
  'request',
  'join',
  'leave',
  'publish',
  'presence-get',
  'refresh',
] as const satisfies readonly AnsweredKind[];
const ERROR_CODES = Object.values(ErrorCode);
/**
 * The codes the server itself answers each kind with: these series start at 0. Any other code
 * (a handler's RpcError) still counts; its series appears on first use.
 */
const EXPECTED_ERRORS: Readonly<Record<AnsweredKind, readonly ErrorCode[]>> = {
  request: [ErrorCode.NOT_FOUND, ErrorCode.BAD_REQUEST, ErrorCode.INTERNAL, ErrorCode.TIMEOUT, ErrorCode.RATE_LIMITED],
  join: [ErrorCode.FORBIDDEN, ErrorCode.BAD_REQUEST, ErrorCode.LIMIT_EXCEEDED, ErrorCode.RATE_LIMITED],
  leave: [ErrorCode.RATE_LIMITED],
  publish: [ErrorCode.FORBIDDEN, ErrorCode.BAD_REQUEST, ErrorCode.INTERNAL, ErrorCode.RATE_LIMITED],
  'presence-get': [ErrorCode.FORBIDDEN, ErrorCode.BAD_REQUEST, ErrorCode.RATE_LIMITED],
  refresh: [ErrorCode.UNAUTHORIZED, ErrorCode.RATE_LIMITED],
};

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
  // Figures that cost a pass over the connections are read once per scrape, in scrape().
  let slowNow = { connections: 0, bufferedBytes: 0 };

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
  liveGauge('switchyard_history_messages', 'Messages kept in memory for recovery by rooms with history.', (s) =>
    s.historyMessages === undefined ? 0 : s.historyMessages(),
  );
  liveGauge('switchyard_history_bytes', 'Bytes of the messages kept in memory for recovery (canonical frames).', (s) =>
    s.historyBytes === undefined ? 0 : s.historyBytes(),
  );
  liveGauge(
    'switchyard_buffered_bytes',
    'Bytes waiting in the send buffers of all connections, as last read (capped by limits.maxBufferedBytes).',
    (s) => (s.bufferedBytes === undefined ? 0 : s.bufferedBytes()),
  );
  liveGauge('switchyard_users', 'Distinct users with at least one open connection on this server.', (s) => s.users());
  liveGauge('switchyard_slow_consumers', 'Connections paused as slow consumers right now.', () => slowNow.connections);
  liveGauge(
    'switchyard_slow_consumer_buffered_bytes',
    'Bytes queued in the send buffers of connections paused as slow consumers.',
    () => slowNow.bufferedBytes,
  );
  new Gauge({
    name: 'switchyard_connections_by_protocol',
    help: 'Open WebSocket connections, by codec and protocol version.',
    labelNames: ['codec', 'protocol'],
    registers: [registry],
    collect() {
      this.reset();
      // Every enabled format shows, even at 0; a format with no connection and no codec is absent.
      for (const codec of CODEC_NAMES) for (const protocol of ['1', '2']) this.set({ codec, protocol }, 0);
      if (source === undefined) return;
      for (const f of source.connectionsByFormat())
        this.inc({ codec: f.codec, protocol: String(f.protocol) }, f.connections);
    },
  });
  const inFlight = keyed(DIRECTIONS, () => 0);
  new Gauge({
    name: 'switchyard_requests_in_flight',
    help: 'Requests started and not yet answered, timed out or abandoned by a close, by direction.',
    labelNames: ['direction'],
    registers: [registry],
    collect() {
      for (const direction of DIRECTIONS) this.set({ direction }, inFlight[direction]);
    },
  });

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
  const deliveries = keyed(CODEC_NAMES, (codec) => keyed(DELIVERY_KINDS, (kind) => cell({ codec, kind }, true)));
  const replayed = cell({}, true);
  const replyErrors = keyed(ANSWERED_KINDS, (kind) =>
    keyed(ERROR_CODES, (code) => cell({ kind, code }, EXPECTED_ERRORS[kind].includes(code))),
  );
  const apiKeyFailures = cell({}, true);
  const emptyRoomPublishes = cell({}, true);
  const httpRequests = new Map<string, Cell>();
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
    'Frames delivered to connections: a room publish counts its subscribers, by codec and kind.',
    ['codec', 'kind'],
    () => Object.values(deliveries).flatMap((row) => Object.values(row)),
  );
  tallyCounter(
    registry,
    'switchyard_backpressure_replays_total',
    'Skipped messages of latest-policy rooms replayed to slow consumers when they caught up.',
    [],
    () => [replayed],
  );
  tallyCounter(
    registry,
    'switchyard_reply_errors_total',
    'Client requests, joins, publishes, presence reads and refreshes answered with an error, by kind and code.',
    ['kind', 'code'],
    () => Object.values(replyErrors).flatMap((row) => Object.values(row)),
  );
  tallyCounter(
    registry,
    'switchyard_http_requests_total',
    'Backend HTTP API requests answered, by route and status.',
    ['route', 'status'],
    () => httpRequests.values(),
  );
  tallyCounter(
    registry,
    'switchyard_api_key_failures_total',
    'Backend HTTP API requests refused for a missing or wrong API key.',
    [],
    () => [apiKeyFailures],
  );
  tallyCounter(
    registry,
    'switchyard_empty_room_publishes_total',
    'Room publishes that found no member to deliver to on this server.',
    [],
    () => [emptyRoomPublishes],
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

  const requests = new LazyHistograms<`${RequestDirection}:${RequestOutcome}`>(REQUEST_BUCKETS, (key) => {
    const [direction = '', outcome = ''] = key.split(':');
    return { direction, outcome };
  });
  const operations = new LazyHistograms<OperationKind>(REQUEST_BUCKETS, (kind) => ({ kind }));
  const upgrades = new LazyHistograms<'accepted' | 'rejected'>(UPGRADE_BUCKETS, (outcome) => ({ outcome }));
  const httpDurations = new LazyHistograms<HttpApiRoute>(HTTP_BUCKETS, (route) => ({ route }));
  const publishes = new LazyHistograms<'all'>(PUBLISH_BUCKETS, () => ({}));
  histogramCollector(
    registry,
    'switchyard_request_duration_seconds',
    'Time from a request to its reply (or timeout or disconnect), by direction and outcome.',
    ['direction', 'outcome'],
    () => requests.cells(),
  );
  histogramCollector(
    registry,
    'switchyard_operation_duration_seconds',
    'Time from a join, acknowledged publish or presence read arriving to its reply, authorization hooks included.',
    ['kind'],
    () => operations.cells(),
  );
  histogramCollector(
    registry,
    'switchyard_publish_latency_seconds',
    'Time from a publish entering the server to its hand-off to the transport.',
    [],
    () => publishes.cells(),
  );
  histogramCollector(
    registry,
    'switchyard_upgrade_duration_seconds',
    'Time to decide an upgrade (token verification included), by outcome.',
    ['outcome'],
    () => upgrades.cells(),
  );
  histogramCollector(
    registry,
    'switchyard_http_request_duration_seconds',
    'Time to answer a backend HTTP API request once its body has arrived, by route.',
    ['route'],
    () => httpDurations.cells(),
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
      deliveries[codec][DELIVERY_KIND_OF[kind]].value += recipients;
      sentBytes[codec].value += bytes * recipients;
    },
    requestStarted(direction) {
      inFlight[direction]++;
    },
    requestCompleted(direction, outcome, seconds) {
      inFlight[direction] = Math.max(0, inFlight[direction] - 1);
      requests.observe(`${direction}:${outcome}`, seconds);
      if (outcome === 'timeout') ackTimeouts[direction].value++;
    },
    operationCompleted(kind, seconds) {
      operations.observe(kind, seconds);
    },
    replyError(kind, code) {
      // A JavaScript caller can throw an RpcError with any code: unknown codes count as INTERNAL.
      (replyErrors[kind][code] ?? replyErrors[kind].INTERNAL).value++;
    },
    upgradeDecided(outcome, seconds) {
      upgrades.observe(outcome, seconds);
    },
    httpRequest(route, status, seconds) {
      const key = `${route} ${status}`;
      let c = httpRequests.get(key);
      if (c === undefined) {
        c = cell({ route, status: String(status) }, true);
        httpRequests.set(key, c);
      }
      c.value++;
      httpDurations.observe(route, seconds);
    },
    apiKeyFailed() {
      apiKeyFailures.value++;
    },
    emptyRoomPublish() {
      emptyRoomPublishes.value++;
    },
    publishLatency(seconds) {
      publishes.observe('all', seconds);
    },
    backpressureDropped(policy, count) {
      drops[policy].value += count;
    },
    backpressureReplayed(count) {
      replayed.value += count;
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
      slowNow = source === undefined ? { connections: 0, bufferedBytes: 0 } : source.slowConsumers();
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
