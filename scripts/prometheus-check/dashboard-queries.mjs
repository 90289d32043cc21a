#!/usr/bin/env node
// Evaluates every query of the Grafana dashboard through a real Prometheus's /api/v1/query and
// checks every alert rule it loaded is healthy. Fails (exit 1) when a query errors or returns no
// data. Used by scripts/prometheus-check.sh; it waits for the target and data itself.
//
// usage: node dashboard-queries.mjs --prometheus http://127.0.0.1:9090 --dashboard docs/grafana/switchyard.json
//          [--job switchyard] [--rate-interval 20s] [--warmup-sec 25] [--retry-sec 30] [--timeout-sec 90]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    prometheus: { type: 'string' },
    dashboard: { type: 'string' },
    job: { type: 'string', default: 'switchyard' },
    'rate-interval': { type: 'string', default: '20s' },
    'warmup-sec': { type: 'string', default: '25' },
    'timeout-sec': { type: 'string', default: '90' },
    'retry-sec': { type: 'string', default: '30' },
  },
});
if (!args.prometheus || !args.dashboard) {
  console.error('usage: dashboard-queries.mjs --prometheus URL --dashboard FILE');
  process.exit(2);
}
const base = args.prometheus.replace(/\/$/, '');
const deadline = Date.now() + Number(args['timeout-sec']) * 1000;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

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

/** Grafana substitutes these before the query reaches Prometheus; "All" is the regex `.+`. */
function substitute(expr) {
  return expr
    .replaceAll('$__rate_interval', args['rate-interval'])
    .replaceAll('$__interval', args['rate-interval'])
    .replaceAll('$__range', '5m')
    .replace(/\$\{?(job|instance)\}?/g, '.+');
}

async function query(expr) {
  const res = await fetch(`${base}/api/v1/query?${new URLSearchParams({ query: expr })}`, {
    signal: AbortSignal.timeout(10_000),
  });
  const body = await res.json();
  if (body.status !== 'success') return { error: `${body.errorType}: ${body.error}` };
  return { data: body.data };
}

function isEmpty(data) {
  return (data.resultType === 'vector' || data.resultType === 'matrix') && data.result.length === 0;
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
const up = `up{job="${args.job}"} == 1`;
await waitFor(`target ${args.job} to be up`, async () => {
  const r = await query(up);
  return r.data && !isEmpty(r.data);
});
const firstScrape = Date.now();
await sleep(Number(args['warmup-sec']) * 1000);

// Some series need traffic to appear (a first close, a first GC): retry failures for a while.
const retryUntil = Math.min(deadline, Date.now() + Number(args['retry-sec']) * 1000);
let failures = [];
for (;;) {
  failures = [];
  for (const q of queries) {
    const expr = substitute(q.expr);
    const r = await query(expr);
    if (r.error) failures.push(`${q.panel}: ${expr}\n    error: ${r.error}`);
    else if (isEmpty(r.data)) failures.push(`${q.panel}: ${expr}\n    no data`);
    else if (q.label && !r.data.result.some((s) => q.label in s.metric))
      failures.push(`${q.panel}: ${expr}\n    no series with label ${q.label}`);
  }
  if (failures.length === 0 || Date.now() > retryUntil) break;
  await sleep(2000);
}

// Alert rules: loaded, evaluated at least once since the target came up, and healthy.
const rules = await (await fetch(`${base}/api/v1/rules`)).json();
const loaded = rules.data.groups.flatMap((g) => g.rules.map((r) => ({ ...r, group: g.name })));
if (loaded.length === 0) failures.push('no alert rules loaded');
for (const rule of loaded) {
  if (rule.health !== 'ok') failures.push(`rule ${rule.name}: health ${rule.health} ${rule.lastError ?? ''}`);
  else if (Date.parse(rule.lastEvaluation) < firstScrape)
    failures.push(`rule ${rule.name}: not evaluated since the target came up`);
}

if (failures.length > 0) {
  console.error(`dashboard-queries: ${failures.length} failure(s):\n  ${failures.join('\n  ')}`);
  process.exit(1);
}
console.log(
  `dashboard-queries: ${queries.length} dashboard queries returned data; ${loaded.length} alert rules healthy`,
);
