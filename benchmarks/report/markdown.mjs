// Renders results/latest.json as docs/benchmarks.md (tables) plus results/fanout.svg (chart).
// Findings written by hand live in report/notes.md and are included verbatim.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONTENDERS } from '../lib/contenders.mjs';
import { barChart } from './svg.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
// Contenders appear in the order of the registry: Switchyard first, then the baselines.
const ORDER = Object.keys(CONTENDERS);
// One colour per contender in every chart: Switchyard blues, raw uWS green, Socket.IO warm.
const COLOR = {
  'switchyard-json': '#1f6feb',
  'switchyard-msgpack': '#0a3069',
  'switchyard-json-v1': '#54aeff',
  'switchyard-msgpack-v1': '#8250df',
  'switchyard-json-nometrics': '#80b3ff',
  'uws-raw': '#1a7f37',
  'uws-raw-defer': '#6fdd8b',
  'sio-uws': '#bf8700',
  'sio-default': '#cf222e',
  'switchyard-json-cluster': '#0550ae',
  'uws-redis': '#116329',
  'sio-redis': '#a40e26',
};
const byOrder = (a, b) => ORDER.indexOf(a) - ORDER.indexOf(b);

const num = (v, d = 2) => (v == null || !Number.isFinite(v) ? '–' : v.toFixed(d));
const sig = (v) =>
  v == null || !Number.isFinite(v)
    ? '–'
    : v >= 100
      ? v.toFixed(0)
      : v >= 10
        ? v.toFixed(1)
        : v >= 1
          ? v.toFixed(2)
          : v.toPrecision(2);
/** "median (min–max)" */
const mmm = (s, f = sig, scale = 1) => (s ? `${f(s.median * scale)} (${f(s.min * scale)}–${f(s.max * scale)})` : '–');
const groupBy = (xs, key) => xs.reduce((acc, x) => ((acc[key(x)] ??= []).push(x), acc), {});
const row = (cells) => `| ${cells.join(' | ')} |`;
const table = (head, rows) => [row(head), row(head.map(() => '---')), ...rows.map(row)].join('\n');

/**
 * Writes the markdown page to `docsPath` and its SVG charts into `chartDir` (beside the results
 * JSON, so a private run with `--out` never overwrites the committed charts).
 */
export function writeDocs(json, docsPath, chartDir = join(HERE, '..', 'results')) {
  const S = json.summary;
  const L = (id) => json.contenders[id] ?? id;
  const out = [];
  const svgPath = join(chartDir, 'fanout.svg');
  out.push('# Benchmarks');
  out.push('');
  out.push(
    'Switchyard against Socket.IO 4 (default engine and on uWebSockets.js) and raw uWebSockets.js pub/sub, ' +
      'all in the same run, on the same machine. Reproduce with `npm run bench` (full) or `npm run bench -- --quick` ' +
      '(< 3 minutes). This page is generated from `benchmarks/results/latest.json` by `benchmarks/report/markdown.mjs`; ' +
      'findings below the tables are written by hand in `benchmarks/report/notes.md`.',
  );
  out.push('');
  out.push('## This run');
  out.push('');
  const m = json.machine;
  out.push(
    table(
      ['', ''],
      [
        ['Command', `\`${json.command}\` (${json.mode} mode)`],
        ['Date', `${json.startedAt} (${json.durationS} s)`],
        ...Object.values(groupBy(json.merged ?? [], (m) => `${m.command} ${m.startedAt}`)).map((ms) => [
          `Merged: ${ms.map((m) => m.scenario).join(', ')}`,
          `from \`${ms[0].command}\` (${ms[0].mode} mode, ${ms[0].startedAt})`,
        ]),
        [
          json.merged?.length ? 'Machine (this run; merged scenarios may come from another)' : 'Machine',
          `${m.nproc} × ${m.cpuModel}, ${m.memoryGiB} GiB, Linux ${m.kernel}, load at start ${m.loadAverageAtStart.join(' ')}${m.loadAverageAtEnd ? `, at end ${m.loadAverageAtEnd.join(' ')}` : ''}`,
        ],
        [
          'Software',
          `Node ${m.node}; uWebSockets.js ${m.versions['uWebSockets.js']}; socket.io ${m.versions['socket.io']} (engine.io ${m.versions['engine.io']}, ws ${m.versions.ws})` +
            (m.versions['redis-server']
              ? `; redis-server ${m.versions['redis-server']}, @socket.io/redis-adapter ${m.versions['@socket.io/redis-adapter']}, redis ${m.versions.redis}`
              : '') +
            `; commit ${m.gitCommit}`,
        ],
        [
          'Pinning',
          `server on core ${json.method.pinning.serverCore}, load generator on core ${json.method.pinning.generatorCore} (\`taskset\`); no \`nice\`; open files limit ${m.openFilesLimit}`,
        ],
      ],
    ),
  );
  out.push('');

  // Headline ratios.
  out.push('## Headline ratios');
  out.push('');
  out.push(
    'Each ratio is computed per repetition from two contenders measured in the same repetition, then summarised as ' +
      'median (min–max) over repetitions. For CPU and latency, lower than 1 means Switchyard is cheaper or faster.',
  );
  out.push('');
  const hrows = [];
  const addRatios = (label, r) => {
    if (!r) return;
    for (const codec of ['json', 'msgpack']) {
      const s = `switchyard-${codec}`;
      if (!r[`${s}/uws-raw`] && !r[`${s}/sio-uws`]) continue;
      hrows.push([`${label}, ${codec}`, mmm(r[`${s}/uws-raw`]), mmm(r[`${s}/sio-uws`]), mmm(r[`${s}/sio-default`])]);
    }
  };
  for (const key of Object.keys(S.fanoutCpuRatios ?? {})) {
    const [n, mode] = key.split('/');
    addRatios(`Fan-out to ${Number(n).toLocaleString('en')}, ${mode}: server CPU per delivery`, S.fanoutCpuRatios[key]);
  }
  const reqRate =
    S.requestCpuRatios && (S.requestCpuRatios['10000'] ? '10000' : Object.keys(S.requestCpuRatios).at(-1));
  if (reqRate) {
    addRatios(
      `Requests at ${Number(reqRate).toLocaleString('en')}/s: server CPU per request`,
      S.requestCpuRatios[reqRate],
    );
    addRatios(`Requests at ${Number(reqRate).toLocaleString('en')}/s: p99 round trip`, S.requestP99Ratios[reqRate]);
  }
  for (const key of Object.keys(S.idleRatios ?? {}))
    addRatios(`RSS per idle connection at ${Number(key).toLocaleString('en')}`, S.idleRatios[key]);
  for (const key of Object.keys(S.roomsCpuRatios ?? {})) {
    addRatios(
      `Many rooms (${json.method.plan.rooms.rooms} × ${json.method.plan.rooms.perRoom}), ${key}: server CPU per delivery`,
      S.roomsCpuRatios[key],
    );
  }
  out.push(table(['Figure (Switchyard ÷ …)', '÷ raw uWS', '÷ Socket.IO on uWS', '÷ Socket.IO default'], hrows));
  out.push('');
  const clusterKeys = Object.keys(S.clusterRatios ?? {});
  if (clusterKeys.length) {
    const cp = json.method.plan.cluster;
    const shapeLabel = (id) => {
      const sh = cp.shapes.find((x) => x.id === id);
      return sh?.split
        ? `rooms of ${sh.perRoom.toLocaleString('en')} split over two nodes`
        : `${sh.rooms} rooms of ${sh.perRoom}, every delivery through Redis`;
    };
    out.push(
      'Cluster (two nodes and Redis on one core; section 3). CPU: Switchyard JSON on two nodes ÷ …; latency: its ' +
        'deliveries on the other node ÷ the single node’s deliveries at the same fixed rate.',
    );
    out.push('');
    out.push(
      table(
        [
          'Figure (Switchyard cluster ÷ …)',
          '÷ Switchyard, one node',
          '÷ raw uWS + Redis',
          '÷ Socket.IO + Redis adapter',
        ],
        clusterKeys.flatMap((key) => {
          const [shape, mode] = key.split('/');
          const r = S.clusterRatios[key];
          const rows = [
            [
              `${shapeLabel(shape)}, ${mode}: server CPU per delivery`,
              mmm(r['cpu/switchyard-json']),
              mmm(r['cpu/uws-redis']),
              mmm(r['cpu/sio-redis']),
            ],
          ];
          for (const p of ['p50', 'p99']) {
            if (r[`${p}/switchyard-json`])
              rows.push([
                `${shapeLabel(shape)}, ${mode}: ${p} publish to delivery`,
                mmm(r[`${p}/switchyard-json`]),
                '',
                '',
              ]);
          }
          return rows;
        }),
      ),
    );
    out.push('');
  }
  const metricsCost = Object.entries(S.fanoutCpuRatios ?? {})
    .map(([k, r]) => [k, r['switchyard-json/switchyard-json-nometrics']])
    .filter(([, r]) => r);
  if (metricsCost.length) {
    out.push(
      `Cost of metrics (Switchyard JSON with metrics on ÷ off, CPU per delivery): ${metricsCost.map(([k, r]) => `${k} ${mmm(r)}`).join('; ')}.`,
    );
    out.push('');
  }

  if (S.targets?.length) {
    out.push('### Targets');
    out.push('');
    out.push(
      table(
        ['Target', 'Measured median (min–max)', 'Limit', 'Met'],
        S.targets.map((t) => [
          t.name,
          mmm(t.value),
          `${t.name.includes('Socket.IO default') ? '≥' : '≤'} ${t.limit}`,
          t.met == null ? '–' : t.met ? 'yes' : '**no**',
        ]),
      ),
    );
    out.push('');
  }

  // Fan-out chart and tables.
  if (S.fanout) {
    const groups = [];
    for (const key of Object.keys(S.fanout)) {
      const [n, mode] = key.split('/');
      if (n !== '1000' && Object.keys(S.fanout).some((k) => k.startsWith('1000/'))) continue;
      groups.push({
        title: `${Number(n).toLocaleString('en')} subscribers, ${mode}`,
        bars: Object.keys(S.fanout[key])
          .sort(byOrder)
          .filter((c) => S.fanout[key][c].serverCpuSPerMillion)
          .map((c) => ({ label: L(c), color: COLOR[c], ...S.fanout[key][c].serverCpuSPerMillion })),
      });
    }
    if (groups.length) {
      writeFileSync(
        svgPath,
        barChart({
          title: 'Fan-out: server CPU-seconds per million deliveries (lower is better)',
          unit: 'CPU-s per million deliveries',
          groups,
        }),
      );
      out.push(`![Fan-out: server CPU-seconds per million deliveries](${relative(dirname(docsPath), svgPath)})`);
      out.push('');
    }
    out.push('## 1. Fan-out: one publisher, N subscribers in one room');
    out.push('');
    out.push(
      'Payload: a 100-byte JSON object. *saturated*: the publisher keeps at most 30 publishes in flight, written up to 10 per write ' +
        '(so no server read holds more than 30 publishes, below the ~32 cliff); *fixed*: publishes paced by a 1 ms timer to 50,000 deliveries/s, each its own write ' +
        '(the moderate regime where every delivery is its own syscall; "fan-out done" is the time from writing a publish until the delivery count shows it reached every subscriber — mostly the generator’s time to read 1,000 sockets, so compare it across contenders only); *burst*: 200 publishes in one write, 400 in flight. ' +
        '"Saturated side" names who used ≥ 90 % of its core in each repetition.',
    );
    out.push('');
    for (const key of Object.keys(S.fanout)) {
      const [n, mode] = key.split('/');
      out.push(`### ${Number(n).toLocaleString('en')} subscribers, ${mode}`);
      out.push('');
      out.push(
        table(
          [
            'Contender',
            'Deliveries/s',
            'Server CPU-s / M deliveries',
            'Server CPU %',
            'Generator CPU %',
            'Generator CPU-s / M',
            'Bytes/delivery',
            ...(mode === 'fixed' ? ['Fan-out done p50 / p99 (ms)'] : []),
            'Saturated side',
            'Lost',
          ],
          Object.keys(S.fanout[key])
            .sort(byOrder)
            .map((c) => {
              const x = S.fanout[key][c];
              return [
                L(c),
                mmm(x.deliveriesPerSec, (v) => v.toLocaleString('en', { maximumFractionDigits: 0 })),
                mmm(x.serverCpuSPerMillion),
                mmm(x.serverCpuPct, (v) => v.toFixed(0)),
                mmm(x.genCpuPct, (v) => v.toFixed(0)),
                mmm(x.genCpuSPerMillion),
                x.bytesPerDelivery ? num(x.bytesPerDelivery.median, 0) : '–',
                ...(mode === 'fixed'
                  ? [`${mmm(x.fanoutP50Ms, (v) => v.toFixed(2))} / ${mmm(x.fanoutP99Ms, (v) => v.toFixed(2))}`]
                  : []),
                (x.saturated ?? []).join(', ') || (x.errors?.join('; ') ?? '–'),
                x.failures ? `${x.lostTotal ?? 0} (${x.failures} failed)` : String(x.lostTotal ?? 0),
              ];
            }),
        ),
      );
      out.push('');
    }
    if (S.burstCliff && Object.keys(S.burstCliff).length) {
      out.push('### Burst cliff');
      out.push('');
      out.push(
        'Server CPU per delivery under 200-publish bursts ÷ the same under steady saturation, per repetition. Near 1: no cliff.',
      );
      out.push('');
      const ns = Object.keys(S.burstCliff);
      const cs = [...new Set(ns.flatMap((n) => Object.keys(S.burstCliff[n])))].sort(byOrder);
      out.push(
        table(
          ['Contender', ...ns.map((n) => `${Number(n).toLocaleString('en')} subscribers`)],
          cs.map((c) => [L(c), ...ns.map((n) => mmm(S.burstCliff[n][c]))]),
        ),
      );
      out.push('');
    }
  }

  if (S.requests) {
    out.push('## 3. Request/ack round trip at fixed rates');
    out.push('');
    out.push(
      'An `echo` request with the 100-byte payload, spread round robin over 20 connections, each request its own write; round trip measured ' +
        'in the generator from write to reply. Latency in ms, median (min–max) over repetitions of each percentile.',
    );
    out.push('');
    const rows = [];
    for (const rate of Object.keys(S.requests).sort((a, b) => a - b)) {
      for (const c of Object.keys(S.requests[rate]).sort(byOrder)) {
        const x = S.requests[rate][c];
        rows.push([
          Number(rate).toLocaleString('en'),
          L(c),
          mmm(x.achievedPerSec, (v) => v.toFixed(0)),
          mmm(x.p50Ms, (v) => v.toFixed(3)),
          mmm(x.p99Ms, (v) => v.toFixed(3)),
          mmm(x.p999Ms, (v) => v.toFixed(3)),
          mmm(x.serverCpuPct, (v) => v.toFixed(1)),
          mmm(x.serverCpuUsPerRequest, (v) => v.toFixed(1)),
          mmm(x.genCpuPct, (v) => v.toFixed(0)),
          x.failures ? `failed: ${x.errors.join('; ')}` : String(x.lostTotal ?? 0),
        ]);
      }
    }
    const reqGroups = Object.keys(S.requests)
      .sort((a, b) => a - b)
      .map((rate) => ({
        title: `${Number(rate).toLocaleString('en')} requests/s offered`,
        bars: Object.keys(S.requests[rate])
          .sort(byOrder)
          .filter((c) => S.requests[rate][c].p99Ms)
          .map((c) => ({ label: L(c), color: COLOR[c], ...S.requests[rate][c].p99Ms })),
      }));
    if (reqGroups.some((g) => g.bars.length)) {
      const reqSvg = join(chartDir, 'requests.svg');
      writeFileSync(
        reqSvg,
        barChart({
          title: 'Request/echo round trip: p99 latency (lower is better)',
          unit: 'p99 round trip, ms',
          groups: reqGroups,
        }),
      );
      out.push(`![Request/echo p99 latency by offered rate](${relative(dirname(docsPath), reqSvg)})`);
      out.push('');
    }
    out.push(
      table(
        [
          'Offered/s',
          'Contender',
          'Achieved/s',
          'p50',
          'p99',
          'p99.9',
          'Server CPU %',
          'Server µs/request',
          'Generator CPU %',
          'Lost',
        ],
        rows,
      ),
    );
    out.push('');
    out.push(
      `Highest offered rate held with p99 < 5 ms: ${Object.entries(S.maxRateP99Under5ms)
        .sort(([a], [b]) => byOrder(a, b))
        .map(([c, r]) => `${L(c)} ${r == null ? 'none' : r.toLocaleString('en')}`)
        .join('; ')} (highest rate tried: ${Math.max(...Object.keys(S.requests).map(Number)).toLocaleString('en')}/s).`,
    );
    out.push('');
  }

  if (S.storm) {
    out.push('## 4. Connection storm with JWT verification');
    out.push('');
    out.push(
      'Connections opened 100 at a time; an upgrade counts when the socket is usable (for Switchyard: the `welcome` arrived). Connections stay open until the storm ends.',
    );
    out.push('');
    for (const key of Object.keys(S.storm)) {
      out.push(
        table(
          [
            'Variant',
            'Upgrades/s',
            'Server CPU µs / upgrade',
            'Server CPU %',
            'Generator CPU %',
            'Generator CPU µs / upgrade',
          ],
          Object.entries(S.storm[key]).map(([v, x]) => [
            v,
            mmm(x.upgradesPerSec, (q) => q.toFixed(0)),
            mmm(x.serverCpuUsPerUpgrade, (q) => q.toFixed(1)),
            mmm(x.serverCpuPct, (q) => q.toFixed(0)),
            mmm(x.genCpuPct, (q) => q.toFixed(0)),
            mmm(x.genCpuUsPerUpgrade, (q) => q.toFixed(1)),
          ]),
        ),
      );
      const ac = S.authCostUsPerUpgrade?.[key];
      if (ac)
        out.push(
          `\nAuthentication cost (server CPU per upgrade minus the anonymous upgrade): HS256 ${mmm(ac.hs256, (q) => q.toFixed(1))} µs, RS256 ${mmm(ac.rs256, (q) => q.toFixed(1))} µs.`,
        );
      out.push('');
    }
  }

  if (S.idle) {
    out.push('## 5. Memory per idle connection');
    out.push('');
    out.push(
      'Server RSS growth after opening the connections (Switchyard: authenticated with HS256, no room), over the RSS with 20 connections open.',
    );
    out.push('');
    for (const key of Object.keys(S.idle)) {
      const cellsOf = S.idle[key];
      const laterMs = Object.values(cellsOf).find((x) => x.laterMs)?.laterMs?.median;
      const laterHead = laterMs ? [`RSS after ${laterMs / 1000} s idle (MB)`] : [];
      out.push(
        table(
          [
            'Contender',
            'Connections',
            'KB per connection',
            'RSS before (MB)',
            'RSS after (MB)',
            ...laterHead,
            'Connect time (s)',
          ],
          Object.keys(cellsOf)
            .sort(byOrder)
            .map((c) => {
              const x = cellsOf[c];
              return [
                L(c),
                Number(key).toLocaleString('en'),
                mmm(x.bytesPerConnection, (v) => v.toFixed(2), 1 / 1024),
                mmm(x.rssBaseBytes, (v) => v.toFixed(1), 1 / 2 ** 20),
                mmm(x.rssBytes, (v) => v.toFixed(1), 1 / 2 ** 20),
                ...(laterMs ? [mmm(x.rssLaterBytes, (v) => v.toFixed(1), 1 / 2 ** 20)] : []),
                mmm(x.connectS, (v) => v.toFixed(2)),
              ];
            }),
        ),
      );
      out.push('');
    }
  }

  if (S.idleRooms) {
    const ip = json.method.plan.idleRooms;
    out.push('## 6. Idle connections with rooms joined');
    out.push('');
    out.push(
      `Each connection opens, authenticates (Switchyard: HS256 JWT) and joins its rooms, then everything sits idle. ` +
        `Shared rooms have ${ip.membersPerRoom.toLocaleString('en')} members; rooms of one, a single member. Raw uWS subscribes its sockets to the same number of topics. ` +
        '*RSS* is the growth over the RSS with 20 connections open, read right after the burst; *after GC* and *live heap* are read after a forced full GC in the server (both contenders alike); ' +
        `*idle CPU* is the server's CPU over ${ip.cpuWindowMs / 1000} s once the connections sit idle. All figures per connection, median (min–max) over repetitions.`,
    );
    out.push('');
    const counts = [...new Set(Object.keys(S.idleRooms).map((k) => k.split('/')[0]))];
    for (const count of counts) {
      out.push(`### ${Number(count).toLocaleString('en')} connections`);
      out.push('');
      const keys = Object.keys(S.idleRooms).filter((k) => k.split('/')[0] === count);
      const kb = (s) => mmm(s, (v) => v.toFixed(2), 1 / 1024);
      out.push(
        table(
          [
            'Rooms per connection',
            'Contender',
            'RSS (KB)',
            'RSS after GC (KB)',
            'Live heap (KB)',
            'Idle CPU (% of a core)',
            'Idle CPU (ns/s per connection)',
            'RSS ÷ raw uWS',
          ],
          keys.flatMap((k) =>
            Object.keys(S.idleRooms[k])
              .sort(byOrder)
              .map((c) => {
                const x = S.idleRooms[k][c];
                const r = S.idleRoomsRatios?.[k]?.bytesPerConnection?.[`${c}/uws-raw`];
                return [
                  k.split('/')[1],
                  L(c),
                  kb(x.bytesPerConnection),
                  kb(x.bytesPerConnectionGc),
                  kb(x.heapPerConnection),
                  mmm(x.idleCpuPct, (v) => v.toFixed(2)),
                  mmm(x.idleCpuNsPerConnPerSec, (v) => v.toFixed(0)),
                  r ? mmm(r) : '',
                ];
              }),
          ),
        ),
      );
      out.push('');
    }
  }

  if (S.rooms) {
    const rp = json.method.plan.rooms;
    out.push(
      `## 2. Many rooms: ${(rp.rooms * rp.perRoom).toLocaleString('en')} connections in ${rp.rooms} rooms of ${rp.perRoom}, a publisher in every room`,
    );
    out.push('');
    out.push(
      'One member of each room publishes. Switchyard and raw uWS deliver to the 9 other members; Socket.IO (`io.to(room)`, its uWS fast path) also to the publisher, so its publish rate is set to offer the same deliveries per second. ' +
        '*fixed*: 50,000 deliveries/s; *saturated*: at most 500 publishes in flight, one per publisher per turn.',
    );
    out.push('');
    for (const key of Object.keys(S.rooms)) {
      out.push(`### ${key}`);
      out.push('');
      out.push(
        table(
          [
            'Contender',
            'Deliveries/s',
            'Server CPU-s / M deliveries',
            'Server CPU %',
            'Generator CPU %',
            'Saturated side',
            'Lost',
          ],
          Object.keys(S.rooms[key])
            .sort(byOrder)
            .map((c) => {
              const x = S.rooms[key][c];
              return [
                L(c),
                mmm(x.deliveriesPerSec, (v) => v.toLocaleString('en', { maximumFractionDigits: 0 })),
                mmm(x.serverCpuSPerMillion),
                mmm(x.serverCpuPct, (v) => v.toFixed(0)),
                mmm(x.genCpuPct, (v) => v.toFixed(0)),
                (x.saturated ?? []).join(', ') || (x.errors?.join('; ') ?? '–'),
                String(x.lostTotal ?? 0),
              ];
            }),
        ),
      );
      out.push('');
    }
  }

  if (S.cluster) {
    const cp = json.method.plan.cluster;
    const offered = Object.entries(json.runs.cluster)
      .filter(([k]) => k.endsWith('/fixed'))
      .flatMap(([, byC]) => Object.values(byC).flat())
      .find((r) => r?.offeredDeliveriesPerSec)?.offeredDeliveriesPerSec;
    out.push('## 3. Cluster: two nodes sharing rooms through Redis');
    out.push('');
    out.push(
      'Two server processes (node A, node B) and a private `redis-server` (free port, `--save "" --appendonly no`), all three pinned to the server core; ' +
        'server CPU is the sum of the three, split into node A, node B and Redis (a single node counts as node A). Publishers connect to node A and are not members. ' +
        '*split*: subscribers alternate between A and B; *cross*: every subscriber is on B, so every delivery crossed Redis. ' +
        '"Switchyard JSON" is one node serving the same members (the local baseline); raw uWS + Redis publishes locally and PUBLISHes once per message, ' +
        'the other node forwards to its topic; Socket.IO runs its default engine with `@socket.io/redis-adapter` on a `redis` client. ' +
        `*fixed*: ${offered?.toLocaleString('en') ?? '?'} deliveries/s offered, every payload stamped with its send time, latency taken per delivery at receipt ` +
        '(same node = subscribers on the publisher’s node; other node = through Redis); *saturated*: at most 30 publishes in flight (one publisher) or one per publisher per turn (many rooms).',
    );
    out.push('');
    for (const key of Object.keys(S.cluster)) {
      const [shapeId, mode] = key.split('/');
      const sh = cp.shapes.find((x) => x.id === shapeId);
      out.push(
        `### ${shapeId}: ${sh.rooms.toLocaleString('en')} room${sh.rooms > 1 ? 's' : ''} of ${sh.perRoom.toLocaleString('en')}${sh.split ? ', half on each node' : ', all on node B'}, ${mode}`,
      );
      out.push('');
      const fixed = mode === 'fixed';
      const lat = (p50, p99) => (p50 ? `${sig(p50.median)} / ${sig(p99?.median)}` : '–');
      out.push(
        table(
          [
            'Contender',
            'Deliveries/s',
            'Server CPU-s / M deliveries',
            'of which node A',
            'of which node B',
            'of which Redis',
            'Server CPU %',
            'Generator CPU %',
            ...(fixed ? ['p50 / p99 ms, same node', 'p50 / p99 ms, other node'] : []),
            'Lost',
          ],
          Object.keys(S.cluster[key])
            .sort(byOrder)
            .map((c) => {
              const x = S.cluster[key][c];
              if (x.failures && !x.deliveriesPerSec) return [L(c), `failed: ${x.errors.join('; ')}`];
              return [
                L(c),
                mmm(x.deliveriesPerSec, (v) => v.toLocaleString('en', { maximumFractionDigits: 0 })),
                mmm(x.serverCpuSPerMillion),
                mmm(x.nodeACpuSPerMillion),
                mmm(x.nodeBCpuSPerMillion),
                mmm(x.redisCpuSPerMillion),
                mmm(x.serverCpuPct, (v) => v.toFixed(0)),
                mmm(x.genCpuPct, (v) => v.toFixed(0)),
                ...(fixed ? [lat(x.localP50Ms, x.localP99Ms), lat(x.remoteP50Ms, x.remoteP99Ms)] : []),
                String(x.lostTotal ?? 0),
              ];
            }),
        ),
      );
      out.push('');
    }
  }

  out.push('## Method');
  out.push('');
  out.push(readFileSync(join(HERE, 'method.md'), 'utf8').trim());
  out.push('');
  const notes = join(HERE, 'notes.md');
  if (existsSync(notes)) {
    out.push(readFileSync(notes, 'utf8').trim());
    out.push('');
  }
  writeFileSync(docsPath, out.join('\n'));
}

// `node report/markdown.mjs [results.json] [docs.md]` re-renders the docs from saved results.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const input = process.argv[2] ?? join(HERE, '..', 'results', 'latest.json');
  writeDocs(
    JSON.parse(readFileSync(input, 'utf8')),
    process.argv[3] ?? join(HERE, '..', '..', 'docs', 'benchmarks.md'),
    dirname(input),
  );
}
