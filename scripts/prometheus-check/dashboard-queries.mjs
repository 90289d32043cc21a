#!/usr/bin/env node
// Evaluates every query of the Grafana dashboard and every alert rule through a real Prometheus
// that scrapes Switchyard beside unrelated targets, and compares values with what the traffic
// driver did. Fails (exit 1) when:
//   - a dashboard query errors or returns no data;
//   - a query returns series of another target, or its result with "All" selected differs from its
//     result with only the Switchyard target selected (an unscoped panel sums other services in);
//   - a template variable lists anything but the Switchyard job and instance;
//   - an alert rule is unhealthy or not evaluated, or its expression without thresholds returns
//     series of another target (or no data, unless it needs more history than the run has);
//   - open connections, users, publishes, HTTP API calls, hung requests in flight, or drops while
//     a consumer is still paused differ from the driver's own record at the sample's scrape time;
//   - on a cluster member (the driver started with --redis-url): the broker link, its reconnects
//     (one per subscriber link the driver killed) or its publish rate disagree with the driver.
// Used by scripts/prometheus-check.sh; it waits for the targets and data itself.
//
// usage: node dashboard-queries.mjs --prometheus URL --dashboard FILE --rules FILE --driver URL
//          --target HOST:PORT [--job switchyard] [--rate-interval 20s] [--warmup-sec 25]
//          [--retry-sec 30] [--timeout-sec 90]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    prometheus: { type: 'string' },
    dashboard: { type: 'string' },
    rules: { type: 'string' },
    driver: { type: 'string' },
    target: { type: 'string' },
    job: { type: 'string', default: 'switchyard' },
    'rate-interval': { type: 'string', default: '20s' },
    'warmup-sec': { type: 'string', default: '25' },
    'timeout-sec': { type: 'string', default: '90' },
    'retry-sec': { type: 'string', default: '30' },
  },
});
if (!args.prometheus || !args.dashboard || !args.driver || !args.target) {
  console.error('usage: dashboard-queries.mjs --prometheus URL --dashboard FILE --driver URL --target HOST:PORT');
  process.exit(2);
}
const base = args.prometheus.replace(/\/$/, '');
const deadline = Date.now() + Number(args['timeout-sec']) * 1000;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const JOB = args.job;
const TARGET = args.target;

/** Every query the dashboard sends: panel targets (rows included) and template variable queries. */
function dashboardQueries(dashboard) {
  const out = [];
  const walk = (panels) => {
    for (const panel of panels ?? []) {
      for (const target of panel.targets ?? []) if (target.expr) out.push({ panel: panel.title, expr: target.expr });
      walk(panel.panels);
    }
  };
  walk(dashboard.panels);
  for (const variable of dashboard.templating?.list ?? []) {
    const query = typeof variable.query === 'string' ? variable.query : variable.query?.query;
    if (variable.type !== 'query' || !query) continue;
    // label_values(selector, label) becomes the selector, which must return series carrying the label.
    const m = /^label_values\((.*),\s*([a-zA-Z_]\w*)\)$/.exec(query.trim());
    if (!m) throw new Error(`variable ${variable.name}: unsupported query ${query}`);
    out.push({ panel: `variable $${variable.name}`, expr: m[1], label: m[2] });
  }
  return out;
}

/** Grafana substitutes these before the query reaches Prometheus: "All" is `.+`, else the choice. */
function substitute(expr, job, instance) {
  return expr
    .replaceAll('$__rate_interval', args['rate-interval'])
    .replaceAll('$__interval', args['rate-interval'])
    .replaceAll('$__range', '5m')
    .replace(/\$\{?job\}?/g, job)
    .replace(/\$\{?instance\}?/g, instance);
}

async function query(expr, time) {
  const params = new URLSearchParams({ query: expr });
  if (time !== undefined) params.set('time', String(time));
  const res = await fetch(`${base}/api/v1/query?${params}`, { signal: AbortSignal.timeout(10_000) });
  const body = await res.json();
  if (body.status !== 'success') return { error: `${body.errorType}: ${body.error}` };
  return { data: body.data };
}

/** A query that must return one number. */
async function scalar(expr, time) {
  const r = await query(expr, time);
  if (r.error) throw new Error(`${expr}: ${r.error}`);
  const v = r.data.resultType === 'scalar' ? r.data.result : r.data.result[0]?.value;
  if (v === undefined) throw new Error(`${expr}: no data`);
  return Number(v[1]);
}

function isEmpty(data) {
  return (data.resultType === 'vector' || data.resultType === 'matrix') && data.result.length === 0;
}

/** Series of targets other than Switchyard's, by their job and instance labels. */
function foreign(data) {
  if (data.resultType !== 'vector' && data.resultType !== 'matrix') return [];
  return data.result
    .map((s) => s.metric)
    .filter((m) => (m.job !== undefined && m.job !== JOB) || (m.instance !== undefined && m.instance !== TARGET));
}

/** A canonical form of a result, to compare "All" with the Switchyard target alone. */
function canonical(data) {
  if (data.resultType === 'scalar') return [`scalar ${Number(data.result[1]).toPrecision(9)}`];
  return data.result
    .map((s) => {
      const labels = Object.entries(s.metric)
        .sort()
        .map(([k, v]) => `${k}=${v}`)
        .join(',');
      return `${labels} ${Number(s.value[1]).toPrecision(9)}`;
    })
    .sort();
}

async function waitFor(what, check) {
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // Prometheus still starting: retry until the deadline.
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(500);
  }
}

const dashboard = JSON.parse(readFileSync(args.dashboard, 'utf8'));
const queries = dashboardQueries(dashboard);
if (queries.length === 0) throw new Error('the dashboard has no queries');

await waitFor('Prometheus to be ready', async () => (await fetch(`${base}/-/ready`)).ok);
await waitFor('every target to be up', async () => {
  const r = await query('up == 1');
  return r.data && r.data.result.length >= 3;
});
const jobs = (await query('up')).data.result.map((s) => s.metric.job);
console.log(`dashboard-queries: targets up: ${jobs.join(', ')}`);
const firstScrape = Date.now();
await sleep(Number(args['warmup-sec']) * 1000);

// ---- Dashboard: data, Switchyard series only, "All" equals the Switchyard target alone --------
const retryUntil = Math.min(deadline, Date.now() + Number(args['retry-sec']) * 1000);
let failures = [];
for (;;) {
  failures = [];
  const time = Date.now() / 1000;
  for (const q of queries) {
    const all = substitute(q.expr, '.+', '.+');
    const r = await query(all, time);
    if (r.error) failures.push(`${q.panel}: ${all}\n    error: ${r.error}`);
    else if (isEmpty(r.data)) failures.push(`${q.panel}: ${all}\n    no data`);
    else if (q.label && !r.data.result.some((s) => q.label in s.metric))
      failures.push(`${q.panel}: ${all}\n    no series with label ${q.label}`);
    else if (foreign(r.data).length > 0)
      failures.push(`${q.panel}: ${all}\n    series of other targets: ${JSON.stringify(foreign(r.data))}`);
    else if (q.label) {
      const values = [...new Set(r.data.result.map((s) => s.metric[q.label]))];
      const want = q.label === 'job' ? JOB : TARGET;
      if (values.length !== 1 || values[0] !== want)
        failures.push(`${q.panel}: lists ${values.join(', ')}; want only ${want}`);
    } else {
      const one = substitute(q.expr, JOB, TARGET.replaceAll('.', '\\\\.'));
      const s = await query(one, time);
      const [a, b] = [canonical(r.data), s.error ? [s.error] : canonical(s.data)];
      if (JSON.stringify(a) !== JSON.stringify(b))
        failures.push(`${q.panel}: "All" differs from the Switchyard target alone\n    all: ${a}\n    one: ${b}`);
    }
  }
  if (failures.length === 0 || Date.now() > retryUntil) break;
  await sleep(2000);
}

// ---- Alert rules: healthy, evaluated, and without thresholds only Switchyard series ----------
const rulesBody = await (await fetch(`${base}/api/v1/rules`)).json();
const loaded = rulesBody.data.groups.flatMap((g) => g.rules.map((r) => ({ ...r, group: g.name })));
if (loaded.length === 0) failures.push('no alert rules loaded');
const runSec = (Date.now() - firstScrape) / 1000;
for (const rule of loaded) {
  if (rule.health !== 'ok') failures.push(`rule ${rule.name}: health ${rule.health} ${rule.lastError ?? ''}`);
  else if (Date.parse(rule.lastEvaluation) < firstScrape)
    failures.push(`rule ${rule.name}: not evaluated since the target came up`);
  // Every comparison with a constant passes, so the expression shows what it watches.
  const relaxed = rule.query.replace(/(>=|<=|==|!=|>|<)\s*-?\d+(?:\.\d+)?(?:e[+-]?\d+)?(?![\d.]|\s*\*)/g, '> -Inf');
  const r = await query(relaxed);
  const needsHistory = /offset\s+\d+h/.test(rule.query) && runSec < 3600;
  if (r.error) failures.push(`rule ${rule.name}: ${relaxed}\n    error: ${r.error}`);
  else if (foreign(r.data).length > 0)
    failures.push(`rule ${rule.name}: watches other targets: ${JSON.stringify(foreign(r.data))}`);
  else if (isEmpty(r.data) && !needsHistory) failures.push(`rule ${rule.name}: ${relaxed}\n    no data`);
  else if (isEmpty(r.data)) console.log(`dashboard-queries: rule ${rule.name} compares with an hour ago: no data yet`);
}

// ---- Values against the driver's record ------------------------------------------------------
const sel = `job="${JOB}"`;
/** The driver's snapshots within 250 ms of `t` (ms). */
async function driverAround(t) {
  const { history, hungRequests, cluster } = await (await fetch(args.driver)).json();
  const near = history.filter((s) => Math.abs(s.t - t) <= 250);
  if (near.length === 0) throw new Error(`the driver has no record around ${new Date(t).toISOString()}`);
  return { near, history, hungRequests, cluster };
}
const within = (v, lo, hi) => v >= lo - 1e-9 && v <= hi + 1e-9;
const span = (near, f) => [Math.min(...near.map(f)), Math.max(...near.map(f))];
const matched = [];

async function compareNow() {
  const time = Date.now() / 1000 - 1;
  const scrapedAt = (await scalar(`timestamp(up{${sel}})`, time)) * 1000;
  const { near, history, hungRequests, cluster } = await driverAround(scrapedAt);
  const checks = [
    [
      'open connections',
      `sum(switchyard_connections{${sel}})`,
      span(near, (s) => s.open - s.uncertain)[0],
      span(near, (s) => s.open)[1],
    ],
    [
      'users',
      `sum(switchyard_users{${sel}})`,
      span(near, (s) => s.users - s.uncertain)[0],
      span(near, (s) => s.users)[1],
    ],
    ['connections opened', `sum(switchyard_connections_opened_total{${sel}})`, ...span(near, (s) => s.opened)],
    [
      'publishes received',
      `sum(switchyard_messages_received_total{${sel}, kind="publish"})`,
      ...span(near, (s) => s.publishes),
    ],
    [
      'HTTP API publishes',
      `sum(switchyard_http_requests_total{${sel}, route="publish", status="200"})`,
      ...span(near, (s) => s.httpOk),
    ],
    ['API key failures', `sum(switchyard_api_key_failures_total{${sel}})`, ...span(near, (s) => s.httpBadKey)],
    [
      'requests in flight to the hung handler',
      `sum(switchyard_requests_in_flight{${sel}, direction="client_to_server"})`,
      hungRequests,
      hungRequests,
    ],
  ];
  if (cluster) checks.push(...brokerChecks(near, history, scrapedAt));
  for (const [what, expr, lo, hi] of checks) {
    const v = await scalar(expr, time);
    if (!within(v, lo, hi)) failures.push(`${what}: Prometheus ${v}, the driver ${lo}…${hi} (${expr})`);
    else matched.push(`${what} ${v}`);
  }
  // A rate over 20 s against the driver's count over the same 20 s (Prometheus extrapolates a little).
  const then = history.filter((s) => Math.abs(s.t - (scrapedAt - 20_000)) <= 250);
  if (then.length > 0) {
    const driverRate = (near[0].publishes - then[0].publishes) / 20;
    const promRate = await scalar(`sum(rate(switchyard_messages_received_total{${sel}, kind="publish"}[20s]))`, time);
    if (Math.abs(promRate - driverRate) > 0.1 * driverRate)
      failures.push(`publish rate: Prometheus ${promRate.toFixed(1)}/s, the driver ${driverRate.toFixed(1)}/s`);
    else matched.push(`publish rate ${promRate.toFixed(1)}/s (driver ${driverRate.toFixed(1)}/s)`);
    // Room publishes cross the broker too (with presence changes beside them): the broker's publish
    // rate is at least the part of the clients' publish rate the server accepted (most of it).
    if (cluster) {
      const brokerRate = await scalar(`sum(rate(switchyard_broker_published_total{${sel}}[20s]))`, time);
      if (brokerRate < 0.5 * driverRate)
        failures.push(
          `broker publish rate: Prometheus ${brokerRate.toFixed(1)}/s, the driver published ${driverRate.toFixed(1)}/s`,
        );
      else matched.push(`broker publish rate ${brokerRate.toFixed(1)}/s`);
    }
  }
}

/**
 * The driver kills the node's Redis subscriber link every 10 s: the link gauge may read 0 only
 * shortly after a kill, and the reconnect counter counts every kill older than the reconnect
 * backoff (at most 2 s) and none the driver has not made yet.
 */
function brokerChecks(near, history, scrapedAt) {
  const killedRecently = near.some((s) => s.lastRedisKill > 0 && s.t - s.lastRedisKill < 3000);
  const before = history.filter((s) => s.t <= scrapedAt - 3000).at(-1);
  return [
    ['broker link up', `sum(switchyard_broker_connected{${sel}})`, killedRecently ? 0 : 1, 1],
    [
      'broker reconnects',
      `sum(switchyard_broker_reconnects_total{${sel}})`,
      before?.redisKills ?? 0,
      span(near, (s) => s.redisKills)[1],
    ],
  ];
}

async function rangeOf(expr, start, end) {
  const params = new URLSearchParams({ query: expr, start: String(start), end: String(end), step: '0.5' });
  const body = await (await fetch(`${base}/api/v1/query_range?${params}`)).json();
  if (body.status !== 'success') throw new Error(`${expr}: ${body.error}`);
  return (body.data.result[0]?.values ?? []).map(([t, v]) => [Number(t), Number(v)]);
}

/**
 * Drops counted while the drop-policy consumer is still paused (not reading), and the gauges that
 * show it stalled. Within one client-side pause the server may pause and resume the connection
 * more than once (the kernel's socket buffers take some of the data), so the gauges must show it
 * paused at some scrape of the window, and the drop counter must grow within the window.
 */
async function dropsWhilePaused() {
  for (let attempt = 0; attempt < 4; attempt++) {
    let since = 0;
    await waitFor('the drop-policy consumer to be 5.5 s into a pause', async () => {
      const { history } = await (await fetch(args.driver)).json();
      const last = history.at(-1);
      since = last.dropPausedSince;
      return since > 0 && last.t - since >= 5500;
    });
    // Only samples scraped while the consumer was not reading; the pause lasts 6 s.
    const [from, to] = [since / 1000 + 0.5, Math.min(Date.now() / 1000, since / 1000 + 5.9)];
    const [paused, buffered, drops] = await Promise.all([
      rangeOf(`sum(switchyard_slow_consumers{${sel}})`, from, to),
      rangeOf(`sum(switchyard_slow_consumer_buffered_bytes{${sel}})`, from, to),
      rangeOf(`sum(switchyard_backpressure_drops_total{${sel}, policy="drop"})`, from, to),
    ]);
    const stalled = paused.filter(([t, v]) => v === 1 && (buffered.find(([u]) => u === t)?.[1] ?? 0) > 0);
    const grew = drops.length > 1 ? drops.at(-1)[1] - drops[0][1] : 0;
    if (stalled.length > 0 && grew > 0) {
      matched.push(
        `while a consumer was not reading: +${grew} drops in ${(to - from).toFixed(1)} s, ` +
          `1 slow consumer with up to ${Math.max(...stalled.map(([t]) => buffered.find(([u]) => u === t)[1]))} bytes buffered`,
      );
      return;
    }
    console.log(`dashboard-queries: pause ${attempt + 1}: ${stalled.length} stalled samples, drops +${grew}`);
  }
  failures.push('drops while paused: no pause of the drop-policy consumer showed paused, buffered and counted drops');
}

try {
  await compareNow();
  await dropsWhilePaused();
} catch (error) {
  failures.push(`driver comparison: ${error.message}`);
}

if (failures.length > 0) {
  console.error(`dashboard-queries: ${failures.length} failure(s):\n  ${failures.join('\n  ')}`);
  process.exit(1);
}
console.log(
  `dashboard-queries: ${queries.length} dashboard queries returned Switchyard data only; ${loaded.length} alert rules healthy and scoped`,
);
console.log(`dashboard-queries: matched the driver: ${matched.join('; ')}`);
