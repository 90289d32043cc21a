#!/usr/bin/env node
// Draws the main panels of the Grafana dashboard from a real Prometheus, with the dashboard's own
// queries ("All" selected), so a user can see what the dashboard shows before installing it. No
// Grafana needed: each panel's query_range result becomes an SVG line chart, and headless Chromium
// (playwright-core) renders the page to a PNG. Used by scripts/prometheus-check.sh.
//
// usage: node render-dashboard.mjs --prometheus URL --dashboard FILE --out FILE.png
//          [--since UNIX-SECONDS] [--range-sec 150] [--step-sec 2] [--chromium /usr/bin/chromium]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const { values: args } = parseArgs({
  options: {
    prometheus: { type: 'string' },
    dashboard: { type: 'string' },
    out: { type: 'string' },
    since: { type: 'string' },
    'range-sec': { type: 'string', default: '150' },
    'step-sec': { type: 'string', default: '2' },
    chromium: { type: 'string', default: '/usr/bin/chromium' },
  },
});
if (!args.prometheus || !args.dashboard || !args.out) {
  console.error('usage: render-dashboard.mjs --prometheus URL --dashboard FILE --out FILE.png');
  process.exit(2);
}

/** The panels drawn, by dashboard title, in reading order. */
const MAIN = [
  'Open connections by instance',
  'Connections by protocol',
  'Messages received by kind',
  'Deliveries by kind',
  'Average fan-out',
  'Request / ack duration',
  'Requests in flight',
  'Join, publish, presence latency',
  'Reply errors',
  'Backpressure drops',
  'Slow consumers paused',
  'Bytes buffered for slow consumers',
  'HTTP API requests',
  'Broker link',
  'Broker messages',
  'Broker publish latency',
  'Event-loop delay',
  'Memory',
];
const COLORS = ['#73bf69', '#f2cc0c', '#5794f2', '#ff9830', '#f2495c', '#b877d9', '#8ab8ff', '#ffb357', '#96d98d'];
const W = 460;
const H = 170;
const PAD = { left: 62, right: 12, top: 8, bottom: 22 };

const dashboard = JSON.parse(readFileSync(args.dashboard, 'utf8'));
const panels = [];
const walk = (list) => {
  for (const p of list ?? []) {
    panels.push(p);
    walk(p.panels);
  }
};
walk(dashboard.panels);

const end = Math.floor(Date.now() / 1000);
// From the first scrape when known (a chart of the whole run), else the last --range-sec.
const start = Math.max(end - Number(args['range-sec']), Number(args.since ?? 0));
const step = Number(args['step-sec']);

function substitute(expr) {
  return expr
    .replaceAll('$__rate_interval', '20s')
    .replaceAll('$__interval', '20s')
    .replace(/\$\{?(job|instance)\}?/g, '.+');
}

async function range(expr) {
  const params = new URLSearchParams({
    query: substitute(expr),
    start: String(start),
    end: String(end),
    step: String(step),
  });
  const body = await (await fetch(`${args.prometheus.replace(/\/$/, '')}/api/v1/query_range?${params}`)).json();
  if (body.status !== 'success') throw new Error(`${expr}: ${body.error}`);
  return body.data.result;
}

function legend(format, metric) {
  if (!format) return Object.values(metric).join(' ') || 'value';
  return format.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, l) => metric[l] ?? '');
}

/** A value with its unit, short. */
function fmt(v, unit) {
  const a = Math.abs(v);
  if (unit === 's') {
    if (a === 0) return '0';
    if (a < 1e-3) return `${+(v * 1e6).toPrecision(3)} µs`;
    if (a < 1) return `${+(v * 1e3).toPrecision(3)} ms`;
    return `${+v.toPrecision(3)} s`;
  }
  if (unit === 'bytes') {
    if (a >= 2 ** 30) return `${+(v / 2 ** 30).toPrecision(3)} GiB`;
    if (a >= 2 ** 20) return `${+(v / 2 ** 20).toPrecision(3)} MiB`;
    if (a >= 2 ** 10) return `${+(v / 2 ** 10).toPrecision(3)} KiB`;
    return `${+v.toPrecision(3)} B`;
  }
  const suffix = unit === 'ops' || unit === 'reqps' ? '/s' : '';
  if (a >= 1e6) return `${+(v / 1e6).toPrecision(3)}M${suffix}`;
  if (a >= 1e3) return `${+(v / 1e3).toPrecision(3)}k${suffix}`;
  return `${+v.toPrecision(3)}${suffix}`;
}

const esc = (s) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

function chart(series, unit) {
  const values = series.flatMap((s) => s.points.map(([, v]) => v)).filter(Number.isFinite);
  const lo = Math.min(0, ...values);
  let hi = Math.max(...values, 0);
  if (hi === lo) hi = lo + 1;
  hi += (hi - lo) * 0.08;
  const x = (t) => PAD.left + ((t - start) / (end - start)) * (W - PAD.left - PAD.right);
  const y = (v) => H - PAD.bottom - ((v - lo) / (hi - lo)) * (H - PAD.top - PAD.bottom);
  const parts = [];
  for (let i = 0; i <= 4; i++) {
    const v = lo + ((hi - lo) * i) / 4;
    parts.push(
      `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(v)}" y2="${y(v)}" stroke="#2c3235"/>`,
      `<text x="${PAD.left - 6}" y="${y(v) + 4}" text-anchor="end">${esc(fmt(v, unit))}</text>`,
    );
  }
  for (let i = 0; i <= 3; i++) {
    const t = start + ((end - start) * i) / 3;
    const label = new Date(t * 1000).toISOString().slice(11, 19);
    const anchor = i === 0 ? 'start' : i === 3 ? 'end' : 'middle';
    parts.push(`<text x="${x(t)}" y="${H - 6}" text-anchor="${anchor}">${label}</text>`);
  }
  series.forEach((s, i) => {
    let d = '';
    let pen = 'M';
    for (const [t, v] of s.points) {
      if (!Number.isFinite(v)) {
        pen = 'M';
        continue;
      }
      d += `${pen}${x(t).toFixed(1)},${y(v).toFixed(1)}`;
      pen = 'L';
    }
    parts.push(`<path d="${d}" fill="none" stroke="${COLORS[i % COLORS.length]}" stroke-width="1.6"/>`);
  });
  return `<svg width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">${parts.join('')}</svg>`;
}

const cards = [];
for (const title of MAIN) {
  const panel = panels.find((p) => p.title === title);
  if (!panel) throw new Error(`the dashboard has no panel "${title}"`);
  const unit = panel.fieldConfig?.defaults?.unit ?? 'short';
  const series = [];
  for (const target of panel.targets ?? []) {
    for (const r of await range(target.expr)) {
      series.push({
        name: legend(target.legendFormat, r.metric),
        points: r.values.map(([t, v]) => [Number(t), Number(v)]),
      });
    }
  }
  if (series.length === 0) throw new Error(`panel "${title}" returned no data`);
  // The busiest series first: a panel of many mostly idle series (reply errors) shows what moves.
  const peak = (s) => Math.max(0, ...s.points.map(([, v]) => (Number.isFinite(v) ? Math.abs(v) : 0)));
  series.sort((a, b) => peak(b) - peak(a) || a.name.localeCompare(b.name));
  const shown = series.slice(0, COLORS.length);
  const keys = shown
    .map((s, i) => {
      const last = [...s.points].reverse().find(([, v]) => Number.isFinite(v))?.[1];
      return `<span><i style="background:${COLORS[i]}"></i>${esc(s.name)} <b>${last === undefined ? '–' : esc(fmt(last, unit))}</b></span>`;
    })
    .join('');
  const more = series.length > shown.length ? `<span>+${series.length - shown.length} more</span>` : '';
  cards.push(
    `<div class="card"><h2>${esc(title)}</h2>${chart(shown, unit)}<div class="keys">${keys}${more}</div></div>`,
  );
}

const html = `<!doctype html><html><head><meta charset="utf-8"><style>
body{margin:0;background:#111217;color:#ccccdc;font:12px -apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif}
header{padding:12px 16px 4px;font-size:16px;color:#fff}
header small{color:#8e8e8e;font-size:12px;margin-left:8px}
.grid{display:grid;grid-template-columns:repeat(3,${W + 16}px);gap:8px;padding:8px 16px 16px}
.card{background:#181b1f;border:1px solid #2c3235;border-radius:3px;padding:6px 8px}
h2{font-size:13px;font-weight:500;margin:2px 0 4px;color:#fff}
svg text{fill:#8e8e8e;font-size:10px}
.keys{display:flex;flex-wrap:wrap;gap:2px 12px;min-height:30px}
.keys i{display:inline-block;width:12px;height:3px;margin:0 4px 3px 0;vertical-align:middle}
.keys b{font-weight:500;color:#fff}
</style></head><body><header>Switchyard<small>last ${Math.round((end - start) / 60)} min · Prometheus ${esc(args.prometheus)} · scripts/prometheus-check.sh traffic</small></header>
<div class="grid">${cards.join('')}</div></body></html>`;

const browser = await chromium.launch({
  executablePath: args.chromium,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
try {
  const page = await browser.newPage({
    viewport: { width: 3 * (W + 16) + 2 * 8 + 32, height: 600 },
    deviceScaleFactor: 1,
  });
  await page.setContent(html);
  await page.screenshot({ path: args.out, fullPage: true });
} finally {
  await browser.close();
}
console.log(`render-dashboard: ${cards.length} panels drawn to ${args.out}`);
