import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { GaugeSource } from './metrics.js';
import { BROKER_METRIC_NAMES, createPrometheusMetrics } from './prometheus.js';

/** The value of one sample line, or undefined when the series is absent. */
function sample(body: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels);
  for (const line of body.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (m === null || m[1] !== name) continue;
    const got = new Map([...(m[2] ?? '').matchAll(/([a-zA-Z_]+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    if (got.size === wanted.length && wanted.every(([k, v]) => got.get(k) === v)) return Number(m[3]);
  }
  return undefined;
}

/** `# TYPE` lines as a family name to type map. */
function families(body: string): Map<string, string> {
  return new Map([...body.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
}

/** Label names used by the samples of every `switchyard_` family. */
function labelNames(body: string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const m of body.matchAll(/^(switchyard_[a-z_]+?)(?:_bucket|_sum|_count)?(?:\{(.*)\})? \S+$/gm)) {
    const set = out.get(m[1]!) ?? new Set<string>();
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_]+)="/g)) set.add(l[1]!);
    out.set(m[1]!, set);
  }
  return out;
}

const EXPECTED: Record<string, string> = {
  switchyard_connections: 'gauge',
  switchyard_rooms: 'gauge',
  switchyard_subscriptions: 'gauge',
  switchyard_history_messages: 'gauge',
  switchyard_history_bytes: 'gauge',
  switchyard_build_info: 'gauge',
  switchyard_connections_opened_total: 'counter',
  switchyard_connections_closed_total: 'counter',
  switchyard_upgrade_rejections_total: 'counter',
  switchyard_messages_received_total: 'counter',
  switchyard_messages_sent_total: 'counter',
  switchyard_received_bytes_total: 'counter',
  switchyard_sent_bytes_total: 'counter',
  switchyard_deliveries_total: 'counter',
  switchyard_request_duration_seconds: 'histogram',
  switchyard_ack_timeouts_total: 'counter',
  switchyard_backpressure_drops_total: 'counter',
  switchyard_slow_consumer_closes_total: 'counter',
  switchyard_send_backpressure_total: 'counter',
  switchyard_rate_limited_messages_total: 'counter',
  switchyard_limit_rejections_total: 'counter',
  switchyard_handler_errors_total: 'counter',
  switchyard_publish_latency_seconds: 'histogram',
  switchyard_users: 'gauge',
  switchyard_connections_by_protocol: 'gauge',
  switchyard_slow_consumers: 'gauge',
  switchyard_slow_consumer_buffered_bytes: 'gauge',
  switchyard_buffered_bytes: 'gauge',
  switchyard_requests_in_flight: 'gauge',
  switchyard_backpressure_replays_total: 'counter',
  switchyard_reply_errors_total: 'counter',
  switchyard_http_requests_total: 'counter',
  switchyard_api_key_failures_total: 'counter',
  switchyard_empty_room_publishes_total: 'counter',
  switchyard_operation_duration_seconds: 'histogram',
  switchyard_upgrade_duration_seconds: 'histogram',
  switchyard_http_request_duration_seconds: 'histogram',
};

/** A gauge source with fixed counts, overridable. */
function gauges(over: Partial<GaugeSource> = {}): GaugeSource {
  return {
    connections: () => 0,
    rooms: () => 0,
    subscriptions: () => 0,
    users: () => 0,
    connectionsByFormat: () => [],
    slowConsumers: () => ({ connections: 0, bufferedBytes: 0 }),
    ...over,
  };
}

// Fixed enums only: a room, user, connection or event name must never become a label.
const ALLOWED_LABELS = new Set([
  'codec',
  'kind',
  'class',
  'reason',
  'direction',
  'outcome',
  'policy',
  'result',
  'limit',
  'protocol',
  'code',
  'route',
  'status',
  'version',
  'node',
  'le',
]);

describe('createPrometheusMetrics', () => {
  it('exposes every Switchyard metric with its documented type, and nothing else under the prefix', async () => {
    const { body, contentType } = await createPrometheusMetrics({ defaultMetrics: false }).scrape();
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    const own = [...families(body)].filter(([name]) => name.startsWith('switchyard_'));
    expect(Object.fromEntries(own)).toEqual(EXPECTED);
  });

  it('a cluster node also exposes the broker series (a single node does not)', async () => {
    const metrics = createPrometheusMetrics({ defaultMetrics: false });
    metrics.setGaugeSource(gauges({ brokerConnected: () => 1, brokerQueueDepth: () => 7 }));
    metrics.broker.published(3, 300);
    metrics.broker.publishLatency(0.0002);
    const { body } = await metrics.scrape();
    const own = [...families(body)].map(([name]) => name);
    for (const name of BROKER_METRIC_NAMES) expect(own, name).toContain(name);
    expect(body).toMatch(/^switchyard_broker_connected 1$/m);
    expect(body).toMatch(/^switchyard_broker_queue_depth 7$/m);
    expect(body).toMatch(/^switchyard_broker_published_total 3$/m);
    expect(body).toMatch(/^switchyard_broker_published_bytes_total 300$/m);
  });

  it('follows the naming rules: _total counters, base units, histograms not summaries, enum labels', async () => {
    const metrics = createPrometheusMetrics({ defaultMetrics: false });
    metrics.connectionClosed('terminal', 'protocol_error');
    metrics.publishLatency(0.001);
    const { body } = await metrics.scrape();
    for (const [name, type] of families(body)) {
      expect(type, name).not.toBe('summary');
      if (type === 'counter') expect(name, name).toMatch(/_total$/);
      if (type === 'histogram') expect(name, name).toMatch(/_seconds$/);
      expect(name).not.toMatch(/_(milliseconds|ms|kilobytes)(_|$)/);
    }
    for (const [name, labels] of labelNames(body)) {
      for (const label of labels) expect(ALLOWED_LABELS.has(label), `${name}{${label}}`).toBe(true);
    }
  });

  it('counts messages, bytes and deliveries from the subscriber count of a fan-out', async () => {
    const metrics = createPrometheusMetrics({ defaultMetrics: false });
    metrics.messageReceived('json', 'publish', 120);
    metrics.messageReceived('msgpack', 'request', 30);
    metrics.messageSent('json', 'push', 100, 250);
    metrics.messageSent('json', 'reply', 40, 1);
    metrics.messageSent('msgpack', 'push', 80, 0);
    const { body } = await metrics.scrape();
    expect(sample(body, 'switchyard_messages_received_total', { codec: 'json', kind: 'publish' })).toBe(1);
    expect(sample(body, 'switchyard_messages_received_total', { codec: 'msgpack', kind: 'request' })).toBe(1);
    expect(sample(body, 'switchyard_messages_received_total', { codec: 'json', kind: 'request' })).toBe(0);
    expect(sample(body, 'switchyard_received_bytes_total', { codec: 'json' })).toBe(120);
    expect(sample(body, 'switchyard_messages_sent_total', { codec: 'json', kind: 'push' })).toBe(1);
    expect(sample(body, 'switchyard_messages_sent_total', { codec: 'msgpack', kind: 'push' })).toBe(1);
    expect(sample(body, 'switchyard_deliveries_total', { codec: 'json', kind: 'push' })).toBe(250);
    expect(sample(body, 'switchyard_deliveries_total', { codec: 'json', kind: 'reply' })).toBe(1);
    expect(sample(body, 'switchyard_deliveries_total', { codec: 'msgpack', kind: 'push' })).toBe(0);
    expect(sample(body, 'switchyard_sent_bytes_total', { codec: 'json' })).toBe(100 * 250 + 40);
  });

  it('counts connections, closes by class and reason, and rejections by reason', async () => {
    const metrics = createPrometheusMetrics({ defaultMetrics: false });
    metrics.connectionOpened('msgpack');
    metrics.connectionOpened('msgpack');
    metrics.connectionClosed('slow', 'slow_consumer');
    metrics.connectionClosed('slow', 'slow_consumer');
    metrics.connectionClosed('normal', 'client');
    metrics.upgradeRejected('invalid_token');
    const { body } = await metrics.scrape();
    expect(sample(body, 'switchyard_connections_opened_total', { codec: 'msgpack' })).toBe(2);
    expect(sample(body, 'switchyard_connections_opened_total', { codec: 'json' })).toBe(0);
    expect(sample(body, 'switchyard_connections_closed_total', { class: 'slow', reason: 'slow_consumer' })).toBe(2);
    expect(sample(body, 'switchyard_connections_closed_total', { class: 'normal', reason: 'client' })).toBe(1);
    expect(
      sample(body, 'switchyard_connections_closed_total', { class: 'terminal', reason: 'kicked' }),
    ).toBeUndefined();
    expect(sample(body, 'switchyard_upgrade_rejections_total', { reason: 'invalid_token' })).toBe(1);
    expect(sample(body, 'switchyard_upgrade_rejections_total', { reason: 'missing_token' })).toBe(0);
  });

  it('reads the live gauges from the gauge source at scrape time', async () => {
    const metrics = createPrometheusMetrics({ defaultMetrics: false });
    expect(sample((await metrics.scrape()).body, 'switchyard_connections')).toBe(0);
    let connections = 3;
    metrics.setGaugeSource(
      gauges({
        connections: () => connections,
        rooms: () => 2,
        subscriptions: () => 5,
        users: () => 2,
        connectionsByFormat: () => [
          { codec: 'json', protocol: 1, connections: 1 },
          { codec: 'msgpack', protocol: 2, connections: 2 },
        ],
        slowConsumers: () => ({ connections: 1, bufferedBytes: 70_000 }),
        bufferedBytes: () => 250_000,
      }),
    );
    let { body } = await metrics.scrape();
    expect([
      sample(body, 'switchyard_connections'),
      sample(body, 'switchyard_rooms'),
      sample(body, 'switchyard_subscriptions'),
      sample(body, 'switchyard_users'),
      sample(body, 'switchyard_connections_by_protocol', { codec: 'json', protocol: '1' }),
      sample(body, 'switchyard_connections_by_protocol', { codec: 'json', protocol: '2' }),
      sample(body, 'switchyard_connections_by_protocol', { codec: 'msgpack', protocol: '2' }),
      sample(body, 'switchyard_slow_consumers'),
      sample(body, 'switchyard_slow_consumer_buffered_bytes'),
      sample(body, 'switchyard_buffered_bytes'),
    ]).toEqual([3, 2, 5, 2, 1, 0, 2, 1, 70_000, 250_000]);
    connections = 1;
    ({ body } = await metrics.scrape());
    expect(sample(body, 'switchyard_connections')).toBe(1);
  });

  it('times requests by direction and outcome, with inclusive upper bounds, and counts ack timeouts', async () => {
    const metrics = createPrometheusMetrics({ defaultMetrics: false });
    metrics.requestCompleted('client_to_server', 'ok', 0.0025);
    metrics.requestCompleted('client_to_server', 'ok', 0.0026);
    metrics.requestCompleted('server_to_client', 'timeout', 5);
    metrics.requestCompleted('server_to_client', 'disconnected', 0.2);
    const { body } = await metrics.scrape();
    const ok = { direction: 'client_to_server', outcome: 'ok' };
    expect(sample(body, 'switchyard_request_duration_seconds_bucket', { ...ok, le: '0.000025' })).toBe(0);
    expect(sample(body, 'switchyard_request_duration_seconds_bucket', { ...ok, le: '0.001' })).toBe(0);
    expect(sample(body, 'switchyard_request_duration_seconds_bucket', { ...ok, le: '0.0025' })).toBe(1);
    expect(sample(body, 'switchyard_request_duration_seconds_bucket', { ...ok, le: '0.01' })).toBe(2);
    expect(sample(body, 'switchyard_request_duration_seconds_bucket', { ...ok, le: '+Inf' })).toBe(2);
    expect(sample(body, 'switchyard_request_duration_seconds_count', ok)).toBe(2);
    expect(sample(body, 'switchyard_request_duration_seconds_sum', ok)).toBeCloseTo(0.0051, 9);
    expect(
      sample(body, 'switchyard_request_duration_seconds_count', { direction: 'server_to_client', outcome: 'timeout' }),
    ).toBe(1);
    // A series nothing has observed costs no bucket lines: it appears with its first observation.
    expect(
      sample(body, 'switchyard_request_duration_seconds_count', { direction: 'client_to_server', outcome: 'error' }),
    ).toBeUndefined();
    expect(sample(body, 'switchyard_ack_timeouts_total', { direction: 'server_to_client' })).toBe(1);
    expect(sample(body, 'switchyard_ack_timeouts_total', { direction: 'client_to_server' })).toBe(0);
  });

  it('records publish latency and every protection counter', async () => {
    const metrics = createPrometheusMetrics({ defaultMetrics: false });
    metrics.publishLatency(0.00002);
    metrics.publishLatency(2);
    metrics.backpressureDropped('latest', 7);
    metrics.backpressureDropped('drop', 1);
    metrics.sendBackpressure('dropped');
    metrics.slowConsumerClosed();
    metrics.rateLimited();
    metrics.rateLimited();
    metrics.handlerError('authorize');
    const { body } = await metrics.scrape();
    expect(sample(body, 'switchyard_publish_latency_seconds_bucket', { le: '0.000025' })).toBe(1);
    expect(sample(body, 'switchyard_publish_latency_seconds_bucket', { le: '0.1' })).toBe(1);
    expect(sample(body, 'switchyard_publish_latency_seconds_bucket', { le: '+Inf' })).toBe(2);
    expect(sample(body, 'switchyard_backpressure_drops_total', { policy: 'latest' })).toBe(7);
    expect(sample(body, 'switchyard_backpressure_drops_total', { policy: 'drop' })).toBe(1);
    expect(sample(body, 'switchyard_send_backpressure_total', { result: 'dropped' })).toBe(1);
    expect(sample(body, 'switchyard_send_backpressure_total', { result: 'backpressure' })).toBe(0);
    expect(sample(body, 'switchyard_slow_consumer_closes_total')).toBe(1);
    expect(sample(body, 'switchyard_rate_limited_messages_total')).toBe(2);
    expect(sample(body, 'switchyard_handler_errors_total', { kind: 'authorize' })).toBe(1);
    expect(sample(body, 'switchyard_handler_errors_total', { kind: 'request' })).toBe(0);
  });

  it('keeps a registry per instance: series never leak between servers', async () => {
    const a = createPrometheusMetrics({ defaultMetrics: false });
    const b = createPrometheusMetrics({ defaultMetrics: false });
    a.connectionOpened('json');
    a.rateLimited();
    a.requestCompleted('client_to_server', 'ok', 0.01);
    b.setGaugeSource(gauges({ connections: () => 9 }));
    const [bodyA, bodyB] = [(await a.scrape()).body, (await b.scrape()).body];
    expect(sample(bodyA, 'switchyard_connections_opened_total', { codec: 'json' })).toBe(1);
    expect(sample(bodyB, 'switchyard_connections_opened_total', { codec: 'json' })).toBe(0);
    expect(sample(bodyB, 'switchyard_rate_limited_messages_total')).toBe(0);
    expect(
      sample(bodyB, 'switchyard_request_duration_seconds_count', { direction: 'client_to_server', outcome: 'ok' }),
    ).toBeUndefined();
    expect(sample(bodyA, 'switchyard_connections')).toBe(0);
    expect(sample(bodyB, 'switchyard_connections')).toBe(9);
  });

  it('tracks requests in flight per direction, and the new call, upgrade and HTTP API series', async () => {
    const metrics = createPrometheusMetrics({ defaultMetrics: false });
    metrics.requestStarted('client_to_server');
    metrics.requestStarted('client_to_server');
    metrics.requestStarted('server_to_client');
    metrics.requestCompleted('client_to_server', 'disconnected', 1);
    metrics.operationCompleted('join', 0.00004);
    metrics.replyError('join', 'FORBIDDEN');
    metrics.replyError('request', 'NOT_A_CODE' as never);
    metrics.upgradeDecided('accepted', 0.00003);
    metrics.httpRequest('publish', 200, 0.0002);
    metrics.httpRequest('other', 401, 0.00001);
    metrics.apiKeyFailed();
    metrics.emptyRoomPublish();
    metrics.backpressureReplayed(3);
    const { body } = await metrics.scrape();
    expect(sample(body, 'switchyard_requests_in_flight', { direction: 'client_to_server' })).toBe(1);
    expect(sample(body, 'switchyard_requests_in_flight', { direction: 'server_to_client' })).toBe(1);
    expect(
      sample(body, 'switchyard_request_duration_seconds_count', {
        direction: 'client_to_server',
        outcome: 'disconnected',
      }),
    ).toBe(1);
    expect(sample(body, 'switchyard_operation_duration_seconds_bucket', { kind: 'join', le: '0.00005' })).toBe(1);
    expect(sample(body, 'switchyard_operation_duration_seconds_bucket', { kind: 'join', le: '0.000025' })).toBe(0);
    expect(sample(body, 'switchyard_reply_errors_total', { kind: 'join', code: 'FORBIDDEN' })).toBe(1);
    expect(sample(body, 'switchyard_reply_errors_total', { kind: 'request', code: 'INTERNAL' })).toBe(1);
    expect(sample(body, 'switchyard_reply_errors_total', { kind: 'refresh', code: 'UNAUTHORIZED' })).toBe(0);
    expect(sample(body, 'switchyard_upgrade_duration_seconds_count', { outcome: 'accepted' })).toBe(1);
    expect(sample(body, 'switchyard_http_requests_total', { route: 'publish', status: '200' })).toBe(1);
    expect(sample(body, 'switchyard_http_requests_total', { route: 'other', status: '401' })).toBe(1);
    expect(sample(body, 'switchyard_http_request_duration_seconds_count', { route: 'publish' })).toBe(1);
    expect(sample(body, 'switchyard_api_key_failures_total')).toBe(1);
    expect(sample(body, 'switchyard_empty_room_publishes_total')).toBe(1);
    expect(sample(body, 'switchyard_backpressure_replays_total')).toBe(3);
  });

  it('scrapes are stable: counters do not double when scraped twice', async () => {
    const metrics = createPrometheusMetrics({ defaultMetrics: false });
    metrics.messageReceived('json', 'event', 10);
    await metrics.scrape();
    metrics.messageReceived('json', 'event', 10);
    const { body } = await metrics.scrape();
    expect(sample(body, 'switchyard_messages_received_total', { codec: 'json', kind: 'event' })).toBe(2);
    expect(sample(body, 'switchyard_received_bytes_total', { codec: 'json' })).toBe(20);
  });

  it('reports build info from options, defaulting to the package and Node.js versions', async () => {
    const custom = (
      await createPrometheusMetrics({ defaultMetrics: false, buildInfo: { version: '9.9.9', node: 'v99' } }).scrape()
    ).body;
    expect(sample(custom, 'switchyard_build_info', { version: '9.9.9', node: 'v99' })).toBe(1);
    const defaults = (await createPrometheusMetrics({ defaultMetrics: false }).scrape()).body;
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    expect(sample(defaults, 'switchyard_build_info', { version, node: process.version })).toBe(1);
  });

  it('adds the process metrics (event loop, heap, GC) only when asked, shared by every instance', async () => {
    const without = (await createPrometheusMetrics({ defaultMetrics: false }).scrape()).body;
    expect(without).not.toMatch(/^nodejs_|^process_/m);
    const first = (await createPrometheusMetrics().scrape()).body;
    const second = (await createPrometheusMetrics({ defaultMetrics: true }).scrape()).body;
    for (const body of [first, second]) {
      const types = families(body);
      expect(types.get('nodejs_eventloop_lag_p99_seconds')).toBe('gauge');
      expect(types.get('nodejs_heap_size_used_bytes')).toBe('gauge');
      expect(types.get('nodejs_gc_duration_seconds')).toBe('histogram');
      expect(types.get('process_cpu_seconds_total')).toBe('counter');
      expect(types.get('switchyard_connections')).toBe('gauge');
      expect(types.get('nodejs_active_handles')).toBe('gauge');
      for (const [name, type] of types) if (name.endsWith('_total')) expect(type, name).toBe('counter');
    }
  });
});
