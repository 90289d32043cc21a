#!/usr/bin/env node
// Where a cross-node publish spends its server CPU: one publisher on node A publishes at a fixed,
// moderate rate to rooms whose members all sit on node B (every delivery crosses Redis), against
// the same rooms on one node. For each server process it reports CPU per publish (a window without
// tracing) and, from `strace -c` attached to its event-loop thread (a second window), syscalls and
// event-loop wake-ups (`epoll_pwait`) per publish. Contenders: Switchyard on one node, Switchyard
// on two nodes, raw uWS with one Redis PUBLISH per message on two nodes. Starts its own
// redis-server; needs strace and the server built (npx turbo run build).
//
//   node benchmarks/cluster-wakeups.mjs [--rooms 20] [--per-room 10] [--rate 1000] [--seconds 4]
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { WebSocket } from 'ws';
import { hs256 } from './lib/jwt.mjs';
import { startRedis } from './lib/redis-server.mjs';

const { values } = parseArgs({
  options: {
    rooms: { type: 'string', default: '20' },
    'per-room': { type: 'string', default: '10' },
    rate: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '4' },
    only: { type: 'string', default: 'switchyard-single,switchyard-cluster,uws-redis' },
  },
});
const ROOMS = Number(values.rooms);
const PER_ROOM = Number(values['per-room']);
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);
const SECRET = 'switchyard-bench-secret-0123456789abcdef';
const TICK_HZ = 1000 / Math.max(1, Math.ceil(1000 / RATE));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts a contender server script; resolves with its pid and port. */
async function startServer(script, args) {
  const child = spawn(process.execPath, [script, ...args], {
    cwd: new URL('.', import.meta.url),
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const [line] = await once(lines, 'line');
  lines.on('line', () => {});
  const { port, pid } = JSON.parse(line);
  return { port, pid, stop: () => child.stdin.end() };
}

const CONTENDERS = {
  'switchyard-single': { script: 'servers/switchyard.mjs', cluster: false, protocol: 'switchyard' },
  'switchyard-cluster': { script: 'servers/switchyard.mjs', cluster: true, protocol: 'switchyard' },
  'uws-redis': { script: 'servers/uws-redis.mjs', cluster: true, protocol: 'uws' },
};

function connect(protocol, port, room, user, subscriber) {
  const url =
    protocol === 'switchyard'
      ? `ws://127.0.0.1:${port}/ws?token=${hs256(SECRET, user)}`
      : `ws://127.0.0.1:${port}/?room=${room}${subscriber ? '&sub=1' : ''}`;
  const ws = new WebSocket(url, protocol === 'switchyard' ? ['switchyard.v2.json'] : []);
  let received = 0;
  ws.on('message', () => received++);
  const ready = new Promise((resolve, reject) => {
    ws.once('error', reject);
    if (protocol !== 'switchyard') return ws.once('open', resolve);
    ws.once('message', () => {
      if (!subscriber) return resolve();
      ws.send(JSON.stringify({ t: 'join', id: 1, room }));
      // The join reply.
      ws.once('message', resolve);
    });
  });
  return { ws, ready, received: () => received };
}

/** utime + stime of a process, seconds. */
function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // Fields 14 and 15 of /proc/<pid>/stat (utime, stime), in clock ticks of 10 ms.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Attaches `strace -c` to `pid`'s event-loop thread for `ms`; resolves with calls per syscall. */
async function traceCalls(pid, ms) {
  const child = spawn('strace', ['-c', '-p', String(pid)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let out = '';
  child.stderr.on('data', (chunk) => (out += chunk));
  await sleep(ms);
  child.kill('SIGINT');
  await once(child, 'exit');
  const calls = {};
  for (const line of out.split('\n')) {
    const m = /^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(\w+)$/.exec(line);
    if (m && m[2] !== 'total') calls[m[2]] = Number(m[1]);
  }
  return calls;
}

async function measure(id) {
  const c = CONTENDERS[id];
  const redis = c.cluster ? await startRedis({ core: '0-1' }) : undefined;
  const redisArgs = redis ? ['--redis-url', redis.url] : [];
  const a = await startServer(c.script, redisArgs);
  const b = c.cluster ? await startServer(c.script, redisArgs) : a;
  const clients = [];
  for (let r = 0; r < ROOMS; r++)
    for (let m = 0; m < PER_ROOM; m++) clients.push(connect(c.protocol, b.port, `room${r}`, `u${r}-${m}`, true));
  const publishers = Array.from({ length: ROOMS }, (_, r) => connect(c.protocol, a.port, `room${r}`, `p${r}`, false));
  await Promise.all([...clients, ...publishers].map((x) => x.ready));
  await sleep(300);

  let sent = 0;
  const payload = 'x'.repeat(100);
  const perTick = RATE / TICK_HZ;
  let owed = 0;
  const timer = setInterval(() => {
    owed += perTick;
    for (; owed >= 1; owed--) {
      const r = sent % ROOMS;
      const frame =
        c.protocol === 'switchyard'
          ? JSON.stringify({ t: 'publish', room: `room${r}`, event: 'm', data: payload })
          : payload;
      publishers[r].ws.send(frame);
      sent++;
    }
  }, 1000 / TICK_HZ);
  await sleep(1000);

  const pids = { 'node A': a.pid, ...(c.cluster ? { 'node B': b.pid, redis: redis.pid } : {}) };
  const cpu0 = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuSeconds(pid)]));
  const sent0 = sent;
  await sleep(SECONDS * 1000);
  const cpuPublishes = sent - sent0;
  const cpu = Object.fromEntries(
    Object.entries(pids).map(([k, pid]) => [k, (cpuSeconds(pid) - cpu0[k]) / cpuPublishes]),
  );

  const sent1 = sent;
  const traced = await Promise.all(Object.values(pids).map((pid) => traceCalls(pid, SECONDS * 1000)));
  const tracePublishes = sent - sent1;
  clearInterval(timer);
  await sleep(500);
  const expected = sent * PER_ROOM;
  const delivered =
    clients.reduce((n, x) => n + x.received(), 0) - clients.length * (c.protocol === 'switchyard' ? 2 : 0);

  for (const x of [...clients, ...publishers]) x.ws.terminate();
  a.stop();
  if (b !== a) b.stop();
  await redis?.stop();
  const rows = Object.keys(pids).map((name, i) => {
    const calls = traced[i];
    const total = Object.values(calls).reduce((s, n) => s + n, 0);
    const per = (n) => ((n ?? 0) / tracePublishes).toFixed(2);
    if (process.env.WAKEUPS_VERBOSE) console.error(id, name, JSON.stringify(calls));
    return {
      name,
      cpuMicros: cpu[name] * 1e6,
      syscalls: per(total),
      wakeups: per(calls.epoll_pwait ?? calls.epoll_wait),
      reads: per((calls.read ?? 0) + (calls.recvfrom ?? 0)),
      writes: per((calls.write ?? 0) + (calls.writev ?? 0) + (calls.sendto ?? 0) + (calls.sendmsg ?? 0)),
    };
  });
  return { id, rows, lost: expected - delivered };
}

console.log(
  `# cluster wake-ups: ${ROOMS} rooms of ${PER_ROOM} (every member on node B), ${RATE} publishes/s, ${SECONDS} s windows; node ${process.version}, ${os.cpus()[0]?.model} x${os.cpus().length}, load ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
console.log('contender | process | CPU µs / publish | syscalls / publish | epoll wake-ups / publish | reads | writes');
for (const id of values.only.split(',')) {
  const { rows, lost } = await measure(id);
  for (const r of rows)
    console.log(
      `${id} | ${r.name} | ${r.cpuMicros.toFixed(1)} | ${r.syscalls} | ${r.wakeups} | ${r.reads} | ${r.writes}`,
    );
  console.log(`${id} | total | ${rows.reduce((s, r) => s + r.cpuMicros, 0).toFixed(1)} | | | | (lost ${lost})`);
}
console.log(
  `# load ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
