import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUBPROTOCOL_JSON, SUBPROTOCOL_MSGPACK, jsonCodec } from '@switchyard/protocol';
import type { ClientEnvelope, Codec, ServerEnvelope } from '@switchyard/protocol';
import { msgpackCodec } from '@switchyard/protocol/msgpack';
import { WebSocket } from 'ws';
import { startTestRedis, type TestRedis } from '../test-support/redis-server.js';
import { startTestServer } from '../testing/index.js';

/**
 * Keeps docs/grafana/switchyard.json, docs/prometheus/alerts.yml and docs/metrics.md in step with
 * the code: every metric and label their queries use must exist in a live `/metrics` scrape of a
 * real server that has seen real traffic. The server is a cluster member on a private
 * `redis-server`, so the Broker row and the broker alerts are checked too. No Prometheus needed
 * (scripts/prometheus-check.sh evaluates the same queries with a real one).
 */

const docs = (path: string): string => readFileSync(new URL(`../../../../docs/${path}`, import.meta.url), 'utf8');

// ---- What the files query ---------------------------------------------------------------------

interface Query {
  readonly where: string;
  readonly expr: string;
}

interface GrafanaPanel {
  title?: string;
  targets?: Array<{ expr?: string }>;
  panels?: GrafanaPanel[];
}

function dashboardQueries(dashboard: {
  panels?: GrafanaPanel[];
  templating?: { list?: Array<{ name: string; type: string; query?: unknown }> };
}): Query[] {
  const out: Query[] = [];
  const walk = (panels: GrafanaPanel[] | undefined): void => {
    for (const panel of panels ?? []) {
      for (const target of panel.targets ?? [])
        if (target.expr) out.push({ where: `panel "${panel.title}"`, expr: target.expr });
      walk(panel.panels);
    }
  };
  walk(dashboard.panels);
  for (const variable of dashboard.templating?.list ?? []) {
    if (variable.type !== 'query') continue;
    const q = variable.query;
    const text = typeof q === 'string' ? q : ((q as { query?: string } | undefined)?.query ?? '');
    // label_values(selector, label): the selector is a query, and its series must carry the label.
    const m = /^label_values\((.*),\s*([a-zA-Z_]\w*)\)$/.exec(text.trim());
    if (m === null) throw new Error(`variable ${variable.name}: unsupported query ${text}`);
    out.push({ where: `variable $${variable.name}`, expr: `sum by (${m[2]}) (${m[1]})` });
  }
  return out;
}

/** `expr:` values of a rules file: plain, quoted or block scalars (`|`, `>`). */
function alertQueries(yaml: string): Query[] {
  const out: Query[] = [];
  const lines = yaml.split('\n');
  let alert = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const name = /^\s*- alert:\s*(\S+)/.exec(line);
    if (name !== null) alert = name[1]!;
    const m = /^(\s*)expr:\s*(.*)$/.exec(line);
    if (m === null) continue;
    let value = m[2]!.trim();
    if (value === '|' || value === '>' || value === '|-' || value === '>-') {
      const block: string[] = [];
      while (i + 1 < lines.length && (lines[i + 1]!.trim() === '' || lines[i + 1]!.search(/\S/) > m[1]!.length))
        block.push(lines[++i]!.trim());
      value = block.join(' ');
    } else if (/^['"]/.test(value)) {
      value = value.startsWith('"') ? (JSON.parse(value) as string) : value.slice(1, -1).replaceAll("''", "'");
    }
    out.push({ where: `alert ${alert}`, expr: value });
  }
  return out;
}

const KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'offset',
  'inf',
  'nan',
]);
// Target labels Prometheus adds at scrape time, and the label histogram_quantile() consumes.
const TARGET_LABELS = new Set(['job', 'instance']);

interface MetricRef {
  readonly name: string;
  /** Label names of the selector's matchers. */
  readonly matchers: string[];
}

/** Metric selectors of a PromQL expression, and the labels its `by (…)` / `on (…)` clauses group on. */
function parsePromQL(expr: string): { metrics: MetricRef[]; grouping: string[] } {
  const grouping: string[] = [];
  const metrics: MetricRef[] = [];
  let rest = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  rest = rest.replace(
    /\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g,
    (_, _kw: string, labels: string) => {
      grouping.push(
        ...labels
          .split(',')
          .map((l) => l.trim())
          .filter(Boolean),
      );
      return ' ';
    },
  );
  rest = rest
    .replace(/\boffset\s+\d+[smhdwy]+/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b\d+(?:\.\d+)?(?:e[+-]?\d+)?\b/gi, ' ');
  for (const m of rest.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\{[^}]*\})?(\s*\()?/g)) {
    const [, name, selector, call] = m;
    if (call !== undefined || KEYWORDS.has(name!.toLowerCase())) continue;
    const matchers = [...(selector ?? '').matchAll(/([a-zA-Z_]\w*)\s*(?:=~|!~|!=|=)/g)].map((l) => l[1]!);
    metrics.push({ name: name!, matchers });
  }
  return { metrics, grouping };
}

// ---- What the server exposes ------------------------------------------------------------------

interface Exposition {
  /** Family name to type, from `# TYPE`. */
  readonly types: Map<string, string>;
  /** Sample name to the label names seen on its samples. */
  readonly samples: Map<string, Set<string>>;
}

function parseExposition(body: string): Exposition {
  const types = new Map<string, string>();
  const samples = new Map<string, Set<string>>();
  for (const line of body.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type !== null) types.set(type[1]!, type[2]!);
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? \S+$/.exec(line);
    if (sample === null) continue;
    const labels = samples.get(sample[1]!) ?? new Set<string>();
    for (const l of (sample[2] ?? '').matchAll(/([a-zA-Z_]\w*)="/g)) labels.add(l[1]!);
    samples.set(sample[1]!, labels);
  }
  return { types, samples };
}

/** Why `ref` does not fit the scrape, or undefined when it does. */
function checkRef(scrape: Exposition, ref: MetricRef): string | undefined {
  const labels = scrape.samples.get(ref.name);
  // Prometheus writes `up` for every target it scrapes; no exporter exposes it.
  if (ref.name === 'up') return undefined;
  if (labels === undefined) {
    // A histogram family without observations yet (nodejs_gc_duration_seconds before the first GC)
    // still declares its _bucket, _sum and _count; Switchyard's own series must have samples.
    const family = /^(.*)_(bucket|sum|count)$/.exec(ref.name)?.[1];
    const declared = family !== undefined && scrape.types.get(family) === 'histogram';
    if (ref.name.startsWith('switchyard_') || !declared) return `metric ${ref.name} is not in the scrape`;
    return undefined;
  }
  const missing = ref.matchers.filter((l) => !TARGET_LABELS.has(l) && l !== '__name__' && !labels.has(l));
  return missing.length > 0 ? `${ref.name} has no label ${missing.join(', ')}` : undefined;
}

function checkQueries(scrape: Exposition, queries: readonly Query[]): string[] {
  const problems: string[] = [];
  for (const q of queries) {
    const { metrics, grouping } = parsePromQL(q.expr);
    if (metrics.length === 0) problems.push(`${q.where}: no metric found in ${q.expr}`);
    for (const ref of metrics) {
      const problem = checkRef(scrape, ref);
      if (problem !== undefined) problems.push(`${q.where}: ${problem}`);
    }
    const available = new Set(metrics.flatMap((r) => [...(scrape.samples.get(r.name) ?? [])]));
    for (const label of grouping) {
      if (!TARGET_LABELS.has(label) && !available.has(label))
        problems.push(`${q.where}: groups by ${label}, which none of its metrics carries`);
    }
  }
  return problems;
}

// ---- The tests --------------------------------------------------------------------------------

const dashboard = JSON.parse(docs('grafana/switchyard.json')) as Parameters<typeof dashboardQueries>[0];
const alertsYaml = docs('prometheus/alerts.yml');

describe('query extraction', () => {
  it('finds every query of the dashboard and the alert rules', () => {
    const panels = dashboardQueries(dashboard);
    expect(panels.length).toBe((JSON.stringify(dashboard).match(/"expr":/g) ?? []).length + 2);
    const alerts = alertQueries(alertsYaml);
    expect(alerts.length).toBe((alertsYaml.match(/^\s*- alert:/gm) ?? []).length);
    expect(alerts.length).toBeGreaterThanOrEqual(4);
  });

  it('reads metric names, matchers and grouping labels out of PromQL', () => {
    const parsed = parsePromQL(
      'histogram_quantile(0.99, sum by (job, le) (rate(switchyard_request_duration_seconds_bucket{direction="client_to_server", outcome=~"ok|error"}[5m]))) > 0.5 and on (instance) up',
    );
    expect(parsed.metrics).toEqual([
      { name: 'switchyard_request_duration_seconds_bucket', matchers: ['direction', 'outcome'] },
      { name: 'up', matchers: [] },
    ]);
    expect(parsed.grouping).toEqual(['job', 'le', 'instance']);
    expect(
      alertQueries(
        'groups:\n  - rules:\n      - alert: A\n        expr: |\n          sum(x)\n            > 1\n        for: 1m\n      - alert: B\n        expr: "y{a=\\"b\\"} > 0"\n',
      ),
    ).toEqual([
      { where: 'alert A', expr: 'sum(x) > 1' },
      { where: 'alert B', expr: 'y{a="b"} > 0' },
    ]);
  });

  it('flags names, matchers and groupings the scrape does not have', () => {
    const scrape = parseExposition('# TYPE a_total counter\na_total{codec="json"} 1\n# TYPE h histogram\n');
    expect(
      checkQueries(scrape, [
        { where: 'q', expr: 'sum by (codec) (rate(a_total{codec="json"}[1m])) + rate(h_sum[1m])' },
      ]),
    ).toEqual([]);
    expect(checkQueries(scrape, [{ where: 'q', expr: 'sum by (kind) (rate(a_total{room="x"}[1m])) + b' }])).toEqual([
      'q: a_total has no label room',
      'q: metric b is not in the scrape',
      'q: groups by kind, which none of its metrics carries',
    ]);
  });
});

describe('dashboard scoping and import', () => {
  it('every query of a metric another service may also expose keeps Switchyard targets only', () => {
    // switchyard_* series come from Switchyard alone; nodejs_* and process_* come from any Node.js
    // service, so the query must join on switchyard_build_info.
    const unscoped = dashboardQueries(dashboard).filter(
      (q) => /\b(nodejs|process)_\w+/.test(q.expr) && !/and on \(job, instance\) switchyard_build_info/.test(q.expr),
    );
    expect(unscoped).toEqual([]);
    const rules = alertQueries(alertsYaml).filter(
      (q) => /\bup\b|\b(nodejs|process)_\w+/.test(q.expr) && !/\bswitchyard_\w+/.test(q.expr),
    );
    expect(rules).toEqual([]);
  });

  it('declares its data source input for the import dialog', () => {
    const inputs = (dashboard as { __inputs?: Array<{ name: string; type: string; pluginId: string }> }).__inputs;
    expect(inputs).toEqual([
      expect.objectContaining({ name: 'DS_PROMETHEUS', type: 'datasource', pluginId: 'prometheus' }),
    ]);
  });
});

describe('dashboard, alerts and docs against a live scrape of a cluster member', () => {
  let body = '';
  let redis: TestRedis | undefined;

  beforeAll(async () => {
    redis = await startTestRedis();
    body = await scrapeAfterTraffic(redis.url);
  }, 60_000);

  afterAll(async () => {
    await redis?.stop();
  });

  it('every dashboard query uses metrics and labels the server exposes', () => {
    const scrape = parseExposition(body);
    expect(checkQueries(scrape, dashboardQueries(dashboard))).toEqual([]);
  });

  it('every alert rule uses metrics and labels the server exposes', () => {
    const scrape = parseExposition(body);
    expect(checkQueries(scrape, alertQueries(alertsYaml))).toEqual([]);
  });

  it('docs/metrics.md documents exactly the Switchyard metrics the server exposes', () => {
    const exposed = [...parseExposition(body).types.keys()].filter((n) => n.startsWith('switchyard_')).sort();
    const documented = [
      ...new Set([...docs('metrics.md').matchAll(/^\| `(switchyard_[a-z_]+)` \|/gm)].map((m) => m[1]!)),
    ].sort();
    expect(documented).toEqual(exposed);
  });

  it('docs/metrics.md lists every alert rule', () => {
    const rules = [...alertsYaml.matchAll(/^\s*- alert:\s*(\S+)/gm)].map((m) => m[1]!).sort();
    const documented = [...docs('metrics.md').matchAll(/^\| `(Switchyard[A-Za-z]+)` \|/gm)].map((m) => m[1]!).sort();
    expect(documented).toEqual(rules);
  });

  it('the scrape reflects the traffic the server saw', () => {
    const value = (line: string): number =>
      Number(new RegExp(`^${line.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(body)?.[1] ?? NaN);
    expect(value('switchyard_connections_opened_total{codec="json"}')).toBeGreaterThanOrEqual(1);
    expect(value('switchyard_connections_opened_total{codec="msgpack"}')).toBeGreaterThanOrEqual(1);
    expect(value('switchyard_connections_closed_total{class="normal",reason="client"}')).toBeGreaterThanOrEqual(1);
    expect(value('switchyard_upgrade_rejections_total{reason="invalid_token"}')).toBeGreaterThanOrEqual(1);
    expect(value('switchyard_upgrade_rejections_total{reason="missing_token"}')).toBeGreaterThanOrEqual(1);
    expect(value('switchyard_messages_received_total{codec="json",kind="publish"}')).toBeGreaterThanOrEqual(1);
    expect(value('switchyard_messages_received_total{codec="msgpack",kind="join"}')).toBeGreaterThanOrEqual(1);
    expect(value('switchyard_messages_sent_total{codec="msgpack",kind="push"}')).toBeGreaterThanOrEqual(1);
    expect(value('switchyard_deliveries_total{codec="msgpack",kind="push"}')).toBeGreaterThanOrEqual(1);
    expect(value('switchyard_deliveries_total{codec="json",kind="reply"}')).toBeGreaterThanOrEqual(1);
    expect(value('switchyard_http_requests_total{route="publish",status="200"}')).toBe(1);
    expect(value('switchyard_api_key_failures_total')).toBe(1);
    expect(value('switchyard_users')).toBe(1);
    expect(value('switchyard_received_bytes_total{codec="json"}')).toBeGreaterThan(0);
    expect(value('switchyard_sent_bytes_total{codec="msgpack"}')).toBeGreaterThan(0);
    expect(
      value('switchyard_request_duration_seconds_count{direction="client_to_server",outcome="ok"}'),
    ).toBeGreaterThanOrEqual(1);
    expect(
      value('switchyard_request_duration_seconds_count{direction="client_to_server",outcome="error"}'),
    ).toBeGreaterThanOrEqual(1);
    expect(value('switchyard_handler_errors_total{kind="request"}')).toBeGreaterThanOrEqual(1);
    expect(value('switchyard_publish_latency_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(value('switchyard_connections')).toBe(1);
    expect(value('switchyard_rooms')).toBe(1);
    expect(value('switchyard_subscriptions')).toBe(1);
    // The room push, the HTTP publish and the presence changes crossed Redis and came back.
    expect(value('switchyard_broker_connected')).toBe(1);
    expect(value('switchyard_broker_published_total')).toBeGreaterThanOrEqual(2);
    expect(value('switchyard_broker_received_total')).toBeGreaterThanOrEqual(2);
    expect(value('switchyard_broker_publish_latency_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(value('switchyard_broker_queue_depth')).toBe(0);
    expect(value('switchyard_broker_dropped_total')).toBe(0);
    expect(value('switchyard_broker_reconnects_total')).toBe(0);
  });
});

// ---- Traffic ----------------------------------------------------------------------------------

interface Peer {
  readonly ws: WebSocket;
  send(envelope: ClientEnvelope): void;
  next(predicate: (e: ServerEnvelope) => boolean): Promise<ServerEnvelope>;
}

function connect(url: string, codec: Codec, token: string, viaHeader: boolean): Promise<Peer> {
  const subprotocol = codec.name === 'json' ? SUBPROTOCOL_JSON : SUBPROTOCOL_MSGPACK;
  const target = viaHeader ? url : `${url}?token=${encodeURIComponent(token)}`;
  const ws = new WebSocket(target, [subprotocol], viaHeader ? { headers: { authorization: `Bearer ${token}` } } : {});
  const inbox: ServerEnvelope[] = [];
  const waiters: Array<{ predicate: (e: ServerEnvelope) => boolean; resolve: (e: ServerEnvelope) => void }> = [];
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    const envelope = codec.decodeFromServer(isBinary ? new Uint8Array(data) : data.toString('utf8'), isBinary);
    const waiter = waiters.findIndex((w) => w.predicate(envelope));
    if (waiter >= 0) waiters.splice(waiter, 1)[0]!.resolve(envelope);
    else inbox.push(envelope);
  });
  const peer: Peer = {
    ws,
    send: (envelope) => ws.send(codec.encode(envelope)),
    next: (predicate) =>
      new Promise((resolve, reject) => {
        const found = inbox.findIndex(predicate);
        if (found >= 0) return resolve(inbox.splice(found, 1)[0]!);
        waiters.push({ predicate, resolve });
        ws.once('close', (code) => reject(new Error(`closed with ${code} while waiting`)));
      }),
  };
  return new Promise((resolve, reject) => {
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    void peer.next((e) => e.t === 'welcome').then(() => resolve(peer), reject);
  });
}

/** Resolves with the HTTP status of a refused upgrade. */
function refusedStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, [SUBPROTOCOL_JSON]);
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('open', () => reject(new Error('the upgrade was accepted')));
    ws.once('error', () => {});
  });
}

const reply =
  (id: number) =>
  (e: ServerEnvelope): boolean =>
    e.t === 'reply' && e.id === id;

const API_KEY = 'dashboard-test-api-key';

async function scrapeAfterTraffic(redisUrl: string): Promise<string> {
  const t = await startTestServer({
    apiKey: API_KEY,
    redis: { url: redisUrl },
    rooms: [{ pattern: 'lobby', clientPublish: true }],
  });
  try {
    // The runtime row groups GC pauses by kind, which needs at least one collection observed
    // since the server's metrics started: short-lived garbage well past the young generation.
    let kept = 0;
    for (let i = 0; i < 200_000; i++) kept += new Array<number>(64).fill(i).length;
    expect(kept).toBe(200_000 * 64);
    t.server.onRequest('echo', (_ctx: unknown, data: unknown) => data);
    t.server.onRequest('boom', () => {
      throw new Error('handler failure, expected by the test');
    });
    const alice = await connect(t.url, jsonCodec, t.token('alice'), true);
    const bob = await connect(t.url, msgpackCodec, t.token('bob'), false);

    alice.send({ t: 'join', id: 1, room: 'lobby', presence: true });
    bob.send({ t: 'join', id: 1, room: 'lobby' });
    await Promise.all([alice.next(reply(1)), bob.next(reply(1))]);
    alice.send({ t: 'publish', id: 2, room: 'lobby', event: 'chat', data: { text: 'hello' } });
    await Promise.all([alice.next(reply(2)), bob.next((e) => e.t === 'push' && e.event === 'chat')]);
    alice.send({ t: 'request', id: 3, name: 'echo', data: { n: 1 } });
    alice.send({ t: 'request', id: 4, name: 'boom' });
    alice.send({ t: 'event', event: 'typing', data: { room: 'lobby' } });
    alice.send({ t: 'ping', ts: 1 });
    await Promise.all([alice.next(reply(3)), alice.next(reply(4)), alice.next((e) => e.t === 'pong')]);

    for (const key of [API_KEY, 'wrong-key']) {
      const res = await fetch(`${t.httpUrl}/v1/publish`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ room: 'lobby', event: 'news' }),
      });
      expect(res.status).toBe(key === API_KEY ? 200 : 401);
    }
    expect(await refusedStatus(`${t.url}?token=not-a-jwt`)).toBe(401);
    expect(await refusedStatus(t.url)).toBe(401);

    const closed = new Promise((resolve) => bob.ws.once('close', resolve));
    bob.ws.close(1000);
    await closed;

    // The server handles bob's close on its own schedule, and Redis acknowledges the presence
    // change it publishes a moment later: scrape until both have happened.
    for (let attempt = 0; ; attempt++) {
      const res = await fetch(`${t.httpUrl}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = await res.text();
      const settled = /^switchyard_connections 1$/m.test(text) && /^switchyard_broker_queue_depth 0$/m.test(text);
      if (settled || attempt === 50) {
        alice.ws.close(1000);
        return text;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await t.close();
  }
}
