// Turns raw runs into the figures the docs report: medians with min/max, and ratios computed
// per repetition (both sides measured in the same repetition) before taking their median.
import { summary } from '../lib/stats.mjs';

const SWITCHYARD = [
  'switchyard-json',
  'switchyard-msgpack',
  'switchyard-json-v1',
  'switchyard-msgpack-v1',
  'switchyard-json-nometrics',
  'switchyard-ws',
];
const OTHERS = ['uws-raw', 'sio-uws', 'sio-default'];

const ok = (r) => r && !r.error;
const field = (runs, f) => summary((runs ?? []).filter(ok).map((r) => r[f]));

/** Median/min/max over repetitions of a / b, pairing runs of the same repetition. */
export function pairedRatio(aRuns, bRuns, f) {
  const out = [];
  const n = Math.min(aRuns?.length ?? 0, bRuns?.length ?? 0);
  for (let i = 0; i < n; i++) {
    if (ok(aRuns[i]) && ok(bRuns[i]) && bRuns[i][f] > 0) out.push(aRuns[i][f] / bRuns[i][f]);
  }
  return summary(out);
}

function cells(scenarioRuns, fields) {
  const out = {};
  for (const [key, byContender] of Object.entries(scenarioRuns ?? {})) {
    out[key] = {};
    for (const [c, runs] of Object.entries(byContender)) {
      const s = {};
      for (const f of fields) s[f] = field(runs, f);
      s.failures = runs.filter((r) => !ok(r)).length;
      s.errors = [...new Set(runs.filter((r) => !ok(r)).map((r) => r?.error))];
      if (runs.some((r) => ok(r) && 'lost' in r))
        s.lostTotal = runs.filter(ok).reduce((a, r) => a + Math.max(0, r.lost), 0);
      if (runs.some((r) => ok(r) && 'closed' in r))
        s.closedTotal = runs.filter(ok).reduce((a, r) => a + (r.closed ?? 0), 0);
      if (runs.some((r) => ok(r) && 'saturated' in r)) s.saturated = runs.filter(ok).map((r) => r.saturated);
      out[key][c] = s;
    }
  }
  return out;
}

function ratios(byContender, f) {
  const out = {};
  for (const s of SWITCHYARD) {
    for (const o of OTHERS) {
      if (byContender?.[s] && byContender?.[o]) out[`${s}/${o}`] = pairedRatio(byContender[s], byContender[o], f);
    }
  }
  if (byContender?.['switchyard-json'] && byContender?.['switchyard-json-nometrics']) {
    out['switchyard-json/switchyard-json-nometrics'] = pairedRatio(
      byContender['switchyard-json'],
      byContender['switchyard-json-nometrics'],
      f,
    );
  }
  return out;
}

export function analyze(results) {
  const R = results.runs;
  const out = {};

  if (R.fanout) {
    out.fanout = cells(R.fanout, [
      'deliveriesPerSec',
      'serverCpuSPerMillion',
      'genCpuSPerMillion',
      'serverCpuPct',
      'genCpuPct',
      'bytesPerDelivery',
      'fanoutP50Ms',
      'fanoutP99Ms',
    ]);
    out.fanoutCpuRatios = {};
    out.fanoutThroughputRatios = {};
    for (const [key, byC] of Object.entries(R.fanout)) {
      out.fanoutCpuRatios[key] = ratios(byC, 'serverCpuSPerMillion');
      out.fanoutThroughputRatios[key] = ratios(byC, 'deliveriesPerSec');
    }
    // The burst cliff: CPU per delivery under bursts of publishes vs steady saturation.
    out.burstCliff = {};
    const ns = new Set(Object.keys(R.fanout).map((k) => k.split('/')[0]));
    for (const n of ns) {
      const sat = R.fanout[`${n}/saturated`];
      const burst = R.fanout[`${n}/burst`];
      if (!sat || !burst) continue;
      out.burstCliff[n] = {};
      for (const c of Object.keys(burst)) out.burstCliff[n][c] = pairedRatio(burst[c], sat[c], 'serverCpuSPerMillion');
    }
  }

  if (R.requests) {
    out.requests = cells(R.requests, [
      'achievedPerSec',
      'p50Ms',
      'p99Ms',
      'p999Ms',
      'serverCpuPct',
      'genCpuPct',
      'serverCpuUsPerRequest',
    ]);
    out.requestCpuRatios = {};
    out.requestP99Ratios = {};
    for (const [rate, byC] of Object.entries(R.requests)) {
      out.requestCpuRatios[rate] = ratios(byC, 'serverCpuUsPerRequest');
      out.requestP99Ratios[rate] = ratios(byC, 'p99Ms');
    }
    // Highest offered rate whose median p99 stayed under 5 ms with nothing lost and the rate held.
    out.maxRateP99Under5ms = {};
    const rates = Object.keys(R.requests)
      .map(Number)
      .sort((a, b) => a - b);
    const contenders = new Set(rates.flatMap((r) => Object.keys(out.requests[r])));
    for (const c of contenders) {
      let best = null;
      for (const rate of rates) {
        const cell = out.requests[rate]?.[c];
        if (!cell?.p99Ms) break;
        const held = cell.achievedPerSec && cell.achievedPerSec.median >= 0.97 * rate;
        if (cell.p99Ms.median < 5 && held && !cell.lostTotal) best = rate;
        else break;
      }
      out.maxRateP99Under5ms[c] = best;
    }
  }

  if (R.idle) {
    out.idle = cells(R.idle, [
      'bytesPerConnection',
      'rssBytes',
      'rssBaseBytes',
      'connectS',
      'bytesPerConnectionLater',
      'rssLaterBytes',
      'laterMs',
    ]);
    out.idleRatios = {};
    for (const [k, byC] of Object.entries(R.idle)) out.idleRatios[k] = ratios(byC, 'bytesPerConnection');
  }

  if (R.idleRooms) {
    out.idleRooms = cells(R.idleRooms, [
      'bytesPerConnection',
      'bytesPerConnectionGc',
      'heapPerConnection',
      'externalPerConnection',
      'idleCpuPct',
      'idleCpuNsPerConnPerSec',
      'connectS',
    ]);
    out.idleRoomsRatios = {};
    for (const [k, byC] of Object.entries(R.idleRooms)) {
      out.idleRoomsRatios[k] = {
        bytesPerConnection: ratios(byC, 'bytesPerConnection'),
        bytesPerConnectionGc: ratios(byC, 'bytesPerConnectionGc'),
      };
    }
  }

  if (R.storm) {
    out.storm = cells(R.storm, [
      'upgradesPerSec',
      'serverCpuUsPerUpgrade',
      'genCpuUsPerUpgrade',
      'serverCpuPct',
      'genCpuPct',
    ]);
    out.authCostUsPerUpgrade = {};
    for (const [k, byV] of Object.entries(R.storm)) {
      const anon = byV['switchyard-anonymous'];
      const cost = (alg) => {
        const v = byV[`switchyard-${alg}`];
        if (!v || !anon) return null;
        const d = [];
        for (let i = 0; i < Math.min(v.length, anon.length); i++) {
          if (ok(v[i]) && ok(anon[i])) d.push(v[i].serverCpuUsPerUpgrade - anon[i].serverCpuUsPerUpgrade);
        }
        return summary(d);
      };
      out.authCostUsPerUpgrade[k] = { hs256: cost('hs256'), rs256: cost('rs256') };
    }
  }

  if (R.rooms) {
    out.rooms = cells(R.rooms, ['deliveriesPerSec', 'serverCpuSPerMillion', 'serverCpuPct', 'genCpuPct']);
    out.roomsCpuRatios = {};
    for (const [k, byC] of Object.entries(R.rooms)) out.roomsCpuRatios[k] = ratios(byC, 'serverCpuSPerMillion');
  }

  if (R.cluster) {
    // Flatten the per-role CPU split (nodes, Redis) into fields the cells can summarise.
    const flat = {};
    for (const [key, byC] of Object.entries(R.cluster)) {
      flat[key] = {};
      for (const [c, runs] of Object.entries(byC)) {
        flat[key][c] = runs.map((r) =>
          ok(r) && r.serverCpuSPerMillionByRole
            ? {
                ...r,
                nodesCpuSPerMillion:
                  (r.serverCpuSPerMillionByRole.nodeA ?? 0) + (r.serverCpuSPerMillionByRole.nodeB ?? 0),
                nodeACpuSPerMillion: r.serverCpuSPerMillionByRole.nodeA ?? 0,
                nodeBCpuSPerMillion: r.serverCpuSPerMillionByRole.nodeB ?? 0,
                redisCpuSPerMillion: r.serverCpuSPerMillionByRole.redis ?? 0,
              }
            : r,
        );
      }
    }
    out.cluster = cells(flat, [
      'deliveriesPerSec',
      'serverCpuSPerMillion',
      'nodesCpuSPerMillion',
      'nodeACpuSPerMillion',
      'nodeBCpuSPerMillion',
      'redisCpuSPerMillion',
      'serverCpuPct',
      'genCpuPct',
      'localP50Ms',
      'localP99Ms',
      'remoteP50Ms',
      'remoteP99Ms',
    ]);
    // Switchyard's cluster against its own single node (same members, same load) and against the
    // other clusters; latency: the cluster's other-node deliveries against the single node's.
    out.clusterRatios = {};
    for (const [key, byC] of Object.entries(flat)) {
      const sy = byC['switchyard-json-cluster'];
      if (!sy) continue;
      const r = {};
      for (const o of ['switchyard-json', 'uws-redis', 'sio-redis']) {
        if (byC[o]) r[`cpu/${o}`] = pairedRatio(sy, byC[o], 'serverCpuSPerMillion');
      }
      const single = byC['switchyard-json'];
      if (single && key.endsWith('/fixed')) {
        const pair = (f) => {
          const xs = [];
          for (let i = 0; i < Math.min(sy.length, single.length); i++) {
            if (ok(sy[i]) && ok(single[i]) && single[i].localP50Ms > 0) xs.push(sy[i][f[0]] / single[i][f[1]]);
          }
          return summary(xs);
        };
        r['p50/switchyard-json'] = pair(['remoteP50Ms', 'localP50Ms']);
        r['p99/switchyard-json'] = pair(['remoteP99Ms', 'localP99Ms']);
      }
      out.clusterRatios[key] = r;
    }
  }

  out.targets = targets(out);
  return out;
}

// The targets for Switchyard, checked against medians of paired ratios.
function targets(out) {
  const t = [];
  const add = (name, value, limit, cmp) =>
    t.push({
      name,
      value: value ?? null,
      limit,
      met: value == null ? null : cmp === '<=' ? value.median <= limit : value.median >= limit,
    });
  const n = out.fanout
    ? ['1000', ...Object.keys(out.fanout).map((k) => k.split('/')[0])].find((x) => out.fanout[`${x}/saturated`])
    : null;
  for (const codec of ['json', 'msgpack']) {
    for (const mode of ['saturated', 'fixed']) {
      const r = out.fanoutCpuRatios?.[`${n}/${mode}`];
      if (!r) continue;
      add(`fan-out ${n} ${mode}, ${codec}: CPU per delivery ÷ raw uWS`, r[`switchyard-${codec}/uws-raw`], 1.1, '<=');
      // The 15x target comes from saturated reference figures (0.34 vs 6.7 CPU-s per million);
      // at a moderate fixed rate every contender pays a syscall per delivery.
      const d = mode === 'saturated' ? r[`switchyard-${codec}/sio-default`] : undefined;
      if (mode === 'saturated')
        add(
          `fan-out ${n} ${mode}, ${codec}: Socket.IO default CPU per delivery ÷ Switchyard`,
          d ? { median: 1 / d.median, min: 1 / d.max, max: 1 / d.min, n: d.n } : null,
          15,
          '>=',
        );
    }
  }
  const rate = out.requestCpuRatios?.['10000'] ? '10000' : null;
  if (rate) {
    for (const codec of ['json', 'msgpack']) {
      add(
        `requests ${rate}/s, ${codec}: CPU per request ÷ raw uWS echo`,
        out.requestCpuRatios[rate][`switchyard-${codec}/uws-raw`],
        1.5,
        '<=',
      );
      add(
        `requests ${rate}/s, ${codec}: p99 ÷ raw uWS echo`,
        out.requestP99Ratios[rate][`switchyard-${codec}/uws-raw`],
        1.25,
        '<=',
      );
    }
  }
  // Issue 12: a delivery that came through Redis costs at most 1.3x a local one (every delivery of
  // the cross shape crosses Redis; the single node serves the same members).
  for (const [key, r] of Object.entries(out.clusterRatios ?? {})) {
    if (!key.startsWith('cross/') || !r['cpu/switchyard-json']) continue;
    add(`cluster ${key}: CPU per delivery through Redis ÷ same load on one node`, r['cpu/switchyard-json'], 1.3, '<=');
  }
  const idleKey = out.idle && Object.keys(out.idle)[0];
  const bpc = idleKey && out.idle[idleKey]['switchyard-json']?.bytesPerConnection;
  if (bpc)
    add(
      `RSS per idle authenticated connection at ${idleKey} (KB)`,
      { ...bpc, median: bpc.median / 1024, min: bpc.min / 1024, max: bpc.max / 1024 },
      3,
      '<=',
    );
  // With rooms joined (issue 18): the same 3 KB, for a connection in one room, right after the burst.
  for (const [key, byC] of Object.entries(out.idleRooms ?? {})) {
    const [count, layout] = key.split('/');
    const b = byC['switchyard-json']?.bytesPerConnection;
    if (!b || !layout.startsWith('1 ')) continue;
    add(
      `RSS per idle connection in ${layout} at ${Number(count).toLocaleString('en')} (KB)`,
      { ...b, median: b.median / 1024, min: b.min / 1024, max: b.max / 1024 },
      3,
      '<=',
    );
  }
  return t;
}
