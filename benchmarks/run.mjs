// `npm run bench [-- --quick | --smoke] [--only fanout,requests,idle,idle-rooms,storm,rooms,cluster] [--contenders a,b]
//   [--reps N] [--profile] [--merge] [--server-node-flags=--max-semi-space-size=4] [--idle-later-ms N]
//   [--idle-counts 5000,17900] [--heap-snapshots DIR]`
// Runs every scenario against every contender, each server and the load generator in their own
// process pinned to their own core, then writes results/latest.json and docs/benchmarks.md.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CONTENDERS } from './lib/contenders.mjs';
import { rsaKeyPair } from './lib/jwt.mjs';
import { describeMachine } from './lib/machine.mjs';
import { plan } from './lib/plan.mjs';
import { startRedis } from './lib/redis-server.mjs';
import { startGenerator, startServer } from './lib/spawn.mjs';
import { roundDeep } from './lib/stats.mjs';
import { analyze } from './report/analyze.mjs';
import { writeDocs } from './report/markdown.mjs';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    smoke: { type: 'boolean', default: false },
    only: { type: 'string' },
    contenders: { type: 'string' },
    reps: { type: 'string' },
    profile: { type: 'boolean', default: false },
    'server-core': { type: 'string', default: '0' },
    'gen-core': { type: 'string', default: '1' },
    out: { type: 'string', default: fileURLToPath(new URL('results/latest.json', import.meta.url)) },
    docs: { type: 'string', default: fileURLToPath(new URL('../docs/benchmarks.md', import.meta.url)) },
    merge: { type: 'boolean', default: false },
    // Node/V8 flags for every contender server alike (e.g. a young-generation cap), recorded in the results.
    'server-node-flags': { type: 'string', default: '' },
    // Idle scenario: second RSS reading after this many ms idle (default: the plan's, 0 in quick mode).
    'idle-later-ms': { type: 'string' },
    // Idle-with-rooms scenario: connection counts (default: the plan's).
    'idle-counts': { type: 'string' },
    // Idle-with-rooms scenario: only these layouts (comma-separated ids, e.g. 'no room,10 rooms of one').
    'idle-layouts': { type: 'string' },
    // Idle-with-rooms scenario: servers write a heap snapshot at each memory reading, into DIR.
    'heap-snapshots': { type: 'string' },
  },
  strict: true,
});

const SECRET = 'switchyard-bench-secret-0123456789abcdef';
const serverNodeFlags = args['server-node-flags'].split(' ').filter(Boolean);
const P = plan(args.quick, args.smoke);
const idleLaterMs = args['idle-later-ms'] !== undefined ? Number(args['idle-later-ms']) : P.idle.laterMs;
if (args.contenders) {
  // Restrict every scenario to the listed contenders (storm variants by contender id).
  const keep = new Set(args.contenders.split(','));
  for (const s of Object.values(P)) {
    // An explicitly listed contender also joins the idle-rooms scenario (e.g. metrics off).
    if (s === P.idleRooms) s.contenders = [...keep].filter((c) => CONTENDERS[c]);
    // Fan-out runs every single-node contender; a listed opt-in one joins it too.
    else if (s === P.fanout) s.contenders = [...keep].filter((c) => CONTENDERS[c] && !CONTENDERS[c].cluster);
    else if (s.contenders) s.contenders = s.contenders.filter((c) => keep.has(c));
    if (s.variants) s.variants = s.variants.filter((v) => keep.has(v.contender));
  }
}
if (args['idle-counts']) P.idleRooms.counts = args['idle-counts'].split(',').map(Number);
if (args['idle-layouts']) {
  const keep = new Set(args['idle-layouts'].split(','));
  P.idleRooms.layouts = P.idleRooms.layouts.filter((l) => keep.has(l.id));
}
// Scenario names on the command line are kebab-case (`idle-rooms`), plan keys camelCase.
const planKey = (name) => name.replace(/-([a-z])/g, (_m, c) => c.toUpperCase());
const only = args.only
  ? new Set(args.only.split(',').map(planKey))
  : new Set(Object.keys(P).filter((s) => !(args.quick && P[s].inQuick === false)));
const repsOf = (s) => (args.reps ? Number(args.reps) : P[s].reps);
const log = (...m) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${m.join(' ')}\n`);
const started = Date.now();

const keys = rsaKeyPair();
const keyDir = join(tmpdir(), `switchyard-bench-${process.pid}`);
mkdirSync(keyDir, { recursive: true });
const publicKeyFile = join(keyDir, 'rs256.pub.pem');
writeFileSync(publicKeyFile, keys.publicKey);

const results = {
  schema: 1,
  command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
  mode: args.smoke ? 'smoke' : args.quick ? 'quick' : 'full',
  startedAt: new Date(started).toISOString(),
  machine: describeMachine(),
  method: {
    pinning: { serverCore: Number(args['server-core']), generatorCore: Number(args['gen-core']) },
    serverNodeFlags,
    nice: false,
    cpu: 'utime+stime of the server process from /proc/<pid>/stat, over the measurement window',
    plan: JSON.parse(JSON.stringify(P, (_k, v) => (typeof v === 'function' ? undefined : v))),
  },
  contenders: Object.fromEntries(Object.entries(CONTENDERS).map(([id, c]) => [id, c.label])),
  runs: {},
};

/** One server + one generator, one scenario; both processes are gone when it returns. */
async function session(contenderId, cfg, auth, env) {
  const c = CONTENDERS[contenderId];
  const authMode = auth ?? c.auth ?? 'none';
  const serverExtra = c.script.endsWith('switchyard.mjs')
    ? ['--auth', authMode, ...(authMode === 'rs256' ? ['--public-key-file', publicKeyFile] : [])]
    : [];
  const args2 = [...c.args, ...serverExtra];
  const nodeFlags = (tag) => [
    ...serverNodeFlags,
    ...(c.nodeFlags ?? []),
    ...(args.profile && c.script.endsWith('switchyard.mjs')
      ? [
          '--cpu-prof',
          `--cpu-prof-dir=${fileURLToPath(new URL('results/raw/profiles', import.meta.url))}`,
          `--cpu-prof-name=${cfg.scenario}-${contenderId}${tag}-${Date.now()}.cpuprofile`,
        ]
      : []),
  ];
  const genAuth =
    authMode === 'hs256'
      ? { alg: 'hs256', secret: SECRET }
      : authMode === 'rs256'
        ? { alg: 'rs256', privateKey: keys.privateKey }
        : null;
  const core = args['server-core'];
  if (cfg.cluster) {
    // Node A (publishers), node B and a private Redis, all on the server core; a single-node
    // contender runs alone and takes both roles.
    const stops = [];
    try {
      let redis = null;
      if (c.cluster) {
        redis = await startRedis({ core });
        stops.push(redis);
      }
      const redisArgs = redis ? ['--redis-url', redis.url] : [];
      const a = await startServer({
        script: c.script,
        args: [...args2, ...redisArgs],
        core,
        nodeFlags: nodeFlags('-a'),
      });
      stops.unshift(a);
      const b = redis
        ? await startServer({ script: c.script, args: [...args2, ...redisArgs], core, nodeFlags: nodeFlags('-b') })
        : a;
      if (b !== a) stops.unshift(b);
      const gen = await startGenerator({ core: args['gen-core'] });
      stops.unshift(gen);
      const { split, ...rest } = cfg.cluster;
      return await gen.run({
        ...cfg,
        ...rest,
        protocol: c.protocol,
        port: a.port,
        pubPort: a.port,
        subPorts: split ? [a.port, b.port] : [b.port],
        serverPids: redis ? [a.pid, b.pid, redis.pid] : [a.pid],
        pidRoles: redis ? ['nodeA', 'nodeB', 'redis'] : ['nodeA'],
        auth: genAuth,
      });
    } finally {
      for (const p of stops) await p.stop();
    }
  }
  const srv = await startServer({ script: c.script, args: args2, core, nodeFlags: nodeFlags(''), env });
  const gen = await startGenerator({ core: args['gen-core'] });
  try {
    return await gen.run({ ...cfg, protocol: c.protocol, port: srv.port, serverPid: srv.pid, auth: genAuth });
  } finally {
    await gen.stop();
    await srv.stop();
  }
}

function record(scenario, key, contender, value) {
  const s = (results.runs[scenario] ??= {});
  const k = (s[key] ??= {});
  (k[contender] ??= []).push(value);
}

async function attempt(label, fn) {
  try {
    return await fn();
  } catch (err) {
    log(`FAILED ${label}: ${String(err?.message ?? err).split('\n')[0]}`);
    return { error: String(err?.message ?? err).split('\n')[0] };
  }
}

const fmt = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : String(x));

if (only.has('fanout')) {
  const F = P.fanout;
  for (let rep = 0; rep < repsOf('fanout'); rep++) {
    for (const n of F.subscribers) {
      for (const c of F.contenders) {
        const once = F.phases(n).filter((ph) => !F.skip[c]?.includes(ph.mode));
        const phases = Array.from({ length: F.inSessionReps }, () => once).flat();
        const cfg = { scenario: 'pubsub', rooms: 1, subsPerRoom: n, publisherMember: false, perPublish: n, phases };
        const r = await attempt(`fanout ${c} n=${n}`, () => session(c, cfg));
        for (const [i, ph] of (r.phases ?? phases.map(() => r)).entries()) {
          const mode = phases[i].mode;
          record('fanout', `${n}/${mode}`, c, { ...ph, closed: r.closed, strayFrames: r.strayFrames });
          if (!ph.error) {
            log(
              `fanout rep${rep * F.inSessionReps + Math.floor(i / once.length)} n=${n} ${mode} ${c}: ${fmt(ph.deliveriesPerSec / 1e6, 3)} M/s, server ${fmt(ph.serverCpuSPerMillion, 3)} CPU-s/M (${fmt(ph.serverCpuPct, 0)}%), gen ${fmt(ph.genCpuPct, 0)}%, lost ${ph.lost}`,
            );
          }
        }
      }
    }
  }
}

if (only.has('requests')) {
  const R = P.requests;
  for (let rep = 0; rep < repsOf('requests'); rep++) {
    for (const c of R.contenders) {
      const r = await attempt(`requests ${c}`, () =>
        session(c, { scenario: 'requests', conns: R.conns, rates: R.rates }),
      );
      for (const [i, x] of (r.rates ?? R.rates.map(() => r)).entries()) {
        record('requests', String(R.rates[i].rate), c, { ...x, closed: r.closed });
        if (!x.error) {
          log(
            `requests rep${rep} ${R.rates[i].rate}/s ${c}: p50 ${fmt(x.p50Ms, 3)} p99 ${fmt(x.p99Ms, 3)} p99.9 ${fmt(x.p999Ms, 3)} ms, server ${fmt(x.serverCpuPct, 1)}%, ${fmt(x.serverCpuUsPerRequest, 1)} us/req, lost ${x.lost}`,
          );
        }
      }
    }
  }
}

if (only.has('idle')) {
  const I = P.idle;
  for (let rep = 0; rep < repsOf('idle'); rep++) {
    for (const c of I.contenders) {
      const r = await attempt(`idle ${c}`, () =>
        session(c, {
          scenario: 'idle',
          count: I.count,
          concurrency: I.concurrency,
          settleMs: I.settleMs,
          laterMs: idleLaterMs,
        }),
      );
      record('idle', String(I.count), c, r);
      const later = r.laterMs
        ? `, after ${r.laterMs / 1000} s idle ${fmt(r.bytesPerConnectionLater / 1024, 2)} KB/conn`
        : '';
      if (!r.error)
        log(
          `idle rep${rep} ${c}: ${fmt(r.bytesPerConnection / 1024, 2)} KB/conn (rss ${fmt(r.rssBytes / 2 ** 20, 1)} MB)${later}, closed ${r.closed}`,
        );
    }
  }
}

if (only.has('idleRooms')) {
  const I = P.idleRooms;
  const env = args['heap-snapshots'] ? { BENCH_HEAP_SNAPSHOT_DIR: args['heap-snapshots'] } : undefined;
  if (env) mkdirSync(env.BENCH_HEAP_SNAPSHOT_DIR, { recursive: true });
  for (let rep = 0; rep < repsOf('idleRooms'); rep++) {
    for (const count of I.counts) {
      for (const layout of I.layouts) {
        // Contenders alternate inside each cell, so both see the same background load.
        for (const c of I.contenders) {
          const cfg = {
            scenario: 'idleRooms',
            count,
            concurrency: I.concurrency,
            settleMs: I.settleMs,
            cpuWindowMs: I.cpuWindowMs,
            roomsPerConn: layout.roomsPerConn,
            membersPerRoom: layout.shared ? I.membersPerRoom : 1,
          };
          const r = await attempt(`idle-rooms ${c} ${count} ${layout.id}`, () => session(c, cfg, undefined, env));
          record('idleRooms', `${count}/${layout.id}`, c, r);
          if (!r.error)
            log(
              `idle-rooms rep${rep} ${count} ${layout.id} ${c}: RSS ${fmt(r.bytesPerConnection / 1024, 2)} KB/conn (after GC ${fmt(r.bytesPerConnectionGc / 1024, 2)}), heap ${fmt(r.heapPerConnection / 1024, 2)} KB/conn, idle CPU ${fmt(r.idleCpuPct, 2)}%, connect ${fmt(r.connectS, 1)} s, closed ${r.closed}`,
            );
        }
      }
    }
  }
}

if (only.has('storm')) {
  const S = P.storm;
  for (let rep = 0; rep < repsOf('storm'); rep++) {
    for (const v of S.variants) {
      const r = await attempt(`storm ${v.id}`, () =>
        session(v.contender, { scenario: 'storm', count: S.count, concurrency: S.concurrency }, v.auth),
      );
      record('storm', String(S.count), v.id, r);
      if (!r.error)
        log(
          `storm rep${rep} ${v.id}: ${fmt(r.upgradesPerSec, 0)} upgrades/s, server ${fmt(r.serverCpuUsPerUpgrade, 1)} us/upgrade (${fmt(r.serverCpuPct, 0)}%), gen ${fmt(r.genCpuPct, 0)}%, bad token -> ${r.badTokenStatus}`,
        );
    }
  }
}

if (only.has('rooms')) {
  const M = P.rooms;
  for (let rep = 0; rep < repsOf('rooms'); rep++) {
    for (const c of M.contenders) {
      // Socket.IO's io.to(room) also reaches the publisher; Switchyard and raw uWS skip it.
      const perPublish = CONTENDERS[c].protocol === 'socketio' ? M.perRoom : M.perRoom - 1;
      const phases = M.phases(perPublish);
      const cfg = {
        scenario: 'pubsub',
        rooms: M.rooms,
        subsPerRoom: M.perRoom - 1,
        publisherMember: true,
        perPublish,
        phases,
      };
      const r = await attempt(`rooms ${c}`, () => session(c, cfg));
      for (const [i, ph] of (r.phases ?? phases.map(() => r)).entries()) {
        record('rooms', phases[i].mode, c, { ...ph, closed: r.closed });
        if (!ph.error)
          log(
            `rooms rep${rep} ${phases[i].mode} ${c}: ${fmt(ph.deliveriesPerSec / 1e6, 3)} M/s, server ${fmt(ph.serverCpuSPerMillion, 3)} CPU-s/M (${fmt(ph.serverCpuPct, 0)}%), gen ${fmt(ph.genCpuPct, 0)}%, lost ${ph.lost}`,
          );
      }
    }
  }
}

if (only.has('cluster')) {
  const C = P.cluster;
  for (let rep = 0; rep < repsOf('cluster'); rep++) {
    for (const shape of C.shapes) {
      for (const c of C.contenders) {
        // No publisher is a member: every contender delivers to the room's other members only.
        const phases = C.phases(shape.perRoom, shape.rooms);
        const cfg = {
          scenario: 'pubsub',
          rooms: shape.rooms,
          subsPerRoom: shape.perRoom,
          publisherMember: false,
          perPublish: shape.perRoom,
          phases,
          cluster: { split: shape.split },
        };
        const r = await attempt(`cluster ${shape.id} ${c}`, () => session(c, cfg));
        for (const [i, ph] of (r.phases ?? phases.map(() => r)).entries()) {
          const mode = phases[i].mode;
          record('cluster', `${shape.id}/${mode}`, c, { ...ph, closed: r.closed, strayFrames: r.strayFrames });
          if (ph.error) continue;
          const split = ph.serverCpuSPerMillionByRole ?? {};
          const lat =
            mode === 'fixed'
              ? `, latency local p50/p99 ${fmt(ph.localP50Ms, 3)}/${fmt(ph.localP99Ms, 3)} ms, other node ${fmt(ph.remoteP50Ms, 3)}/${fmt(ph.remoteP99Ms, 3)} ms`
              : '';
          log(
            `cluster rep${rep} ${shape.id}/${mode} ${c}: ${fmt(ph.deliveriesPerSec / 1e6, 3)} M/s, server ${fmt(ph.serverCpuSPerMillion, 3)} CPU-s/M (node A ${fmt(split.nodeA, 3)}, node B ${fmt(split.nodeB ?? 0, 3)}, redis ${fmt(split.redis ?? 0, 3)}; ${fmt(ph.serverCpuPct, 0)}%), gen ${fmt(ph.genCpuPct, 0)}%, lost ${ph.lost}${lat}`,
          );
        }
      }
    }
  }
}

if (args.merge && existsSync(args.out)) {
  // Keep the scenarios this run did not measure from the previous results file.
  const prev = JSON.parse(readFileSync(args.out, 'utf8'));
  results.merged = [];
  for (const [scenario, runs] of Object.entries(prev.runs ?? {})) {
    if (results.runs[scenario]) continue;
    results.runs[scenario] = runs;
    // A scenario the previous file had merged itself keeps its original provenance.
    const origin = (prev.merged ?? []).find((m) => m.scenario === scenario);
    results.merged.push(origin ?? { scenario, command: prev.command, startedAt: prev.startedAt, mode: prev.mode });
  }
}

results.finishedAt = new Date().toISOString();
// The machine may be shared: the load at the end says how busy it was during the run.
results.machine.loadAverageAtEnd = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);
results.durationS = Math.round((Date.now() - started) / 1000);
results.summary = analyze(results);
const json = roundDeep(results);
mkdirSync(dirname(args.out), { recursive: true });
writeFileSync(args.out, `${JSON.stringify(json, null, 2)}\n`);
log(`wrote ${args.out} (${results.durationS} s)`);
if (args.docs !== 'none') {
  writeDocs(json, args.docs, dirname(args.out));
  log(`wrote ${args.docs}`);
}
