// A presence join storm and a shutdown in one large room, once per presence notice limit, in the
// same run (`node benchmarks/presence-storm.mjs --members 2000 --limits 1000,0`). For each limit:
// the `switchyard` CLI is started on core 0 (`--presence-notice-limit`, 1 s shutdown grace),
// `--members` connections join one room with presence at once (each asking for member counts),
// and once the presence frames stop, SIGTERM. Prints, per limit: presence frames the members
// received during the storm and during the shutdown, server CPU seconds of each phase, RSS before
// and after the storm, and the time from SIGTERM to exit. Run this script on core 1 (`taskset -c 1`).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { hs256 } from './lib/jwt.mjs';
import { cpuSeconds, rssBytes } from './lib/proc.mjs';
import { BENCH_SECRET } from './lib/ws-client.mjs';

const { values } = parseArgs({
  options: {
    members: { type: 'string', default: '2000' },
    limits: { type: 'string', default: '1000,0' },
    core: { type: 'string', default: process.env.SERVER_CORE ?? '0' },
  },
});
const MEMBERS = Number(values.members);
const LIMITS = values.limits.split(',').map(Number);
const CLI = fileURLToPath(new URL('../packages/server/bin/switchyard.js', import.meta.url));
const ROOM = 'storm';
const PRESENCE = Buffer.from('{"t":"presence"');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const mib = (bytes) => Math.round((bytes / 1048576) * 10) / 10;

async function freePort() {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address();
  probe.close();
  return port;
}

async function startCli(limit) {
  const port = await freePort();
  const child = spawn(
    'taskset',
    [
      '-c',
      values.core,
      process.execPath,
      CLI,
      'serve',
      ...['--port', String(port), '--host', '127.0.0.1', '--jwt-secret', BENCH_SECRET],
      ...['--presence-notice-limit', String(limit), '--shutdown-grace', '1', '--log-level', 'warn'],
      ...['--messages-per-second', '0', '--max-rooms-per-connection', '0', '--idle-timeout', '0'],
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  for (let i = 0; ; i++) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/readyz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (i > 200) throw new Error('the server did not start');
    await sleep(50);
  }
  return { child, port, pid: child.pid };
}

/** Opens a member that counts the presence frames it receives. */
function member(port, user, counter) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, ['switchyard.v2.json'], {
      headers: { authorization: `Bearer ${hs256(BENCH_SECRET, user)}` },
      perMessageDeflate: false,
    });
    ws.once('error', reject);
    ws.once('message', () => {
      ws.on('message', (raw) => {
        if (raw.subarray(0, PRESENCE.length).equals(PRESENCE)) counter.frames++;
      });
      resolve(ws);
    });
  });
}

/**
 * Waits until the storm is over: no presence frame arrived for `quietMs` and the server used
 * less than 2 % of a core meanwhile (a server busy writing a quadratic storm can go a second
 * without a frame reaching the members).
 */
async function settle(counter, pid, quietMs = 1000) {
  let last = counter.frames;
  let lastAt = Date.now();
  let since = lastAt;
  let cpuSince = cpuSeconds(pid);
  for (;;) {
    await sleep(50);
    if (counter.frames !== last)
      [last, lastAt, since, cpuSince] = [counter.frames, Date.now(), Date.now(), cpuSeconds(pid)];
    if (Date.now() - since < quietMs) continue;
    const busy = cpuSeconds(pid) - cpuSince;
    if (busy < (0.02 * quietMs) / 1000) return { frames: last, lastAt };
    [since, cpuSince] = [Date.now(), cpuSeconds(pid)];
  }
}

// long function: one measured scenario, phase after phase, reads best top to bottom
async function run(limit) {
  const server = await startCli(limit);
  await sleep(500);
  const rssStart = rssBytes(server.pid);
  const counter = { frames: 0 };
  const sockets = [];
  for (let i = 0; i < MEMBERS; i++) sockets.push(await member(server.port, `u${i}`, counter));
  const rssConnected = rssBytes(server.pid);
  const cpuBefore = cpuSeconds(server.pid);
  const startedAt = Date.now();
  // The storm: every member sends its join at once.
  const join = JSON.stringify({ t: 'join', id: 1, room: ROOM, presence: true, presenceCount: true });
  for (const ws of sockets) ws.send(join);
  const { frames: stormFrames, lastAt } = await settle(counter, server.pid);
  const stormMs = lastAt - startedAt;
  const stormCpu = cpuSeconds(server.pid) - cpuBefore;
  const rssAfter = rssBytes(server.pid);
  // The shutdown: presence frames from here on are the leave storm the server must not send.
  counter.frames = 0;
  let cpuLast = cpuSeconds(server.pid);
  const cpuAtTerm = cpuLast;
  const exited = once(server.child, 'exit');
  const term = performance.now();
  server.child.kill('SIGTERM');
  const poll = setInterval(() => {
    try {
      cpuLast = cpuSeconds(server.pid);
    } catch {
      // gone
    }
  }, 5);
  await exited;
  const exitMs = performance.now() - term;
  clearInterval(poll);
  await sleep(200);
  for (const ws of sockets) ws.terminate();
  return {
    limit,
    members: MEMBERS,
    stormPresenceFrames: stormFrames,
    lastStormFrameMs: stormMs,
    stormServerCpuS: Math.round(stormCpu * 100) / 100,
    rssStartMiB: mib(rssStart),
    rssConnectedMiB: mib(rssConnected),
    rssAfterStormMiB: mib(rssAfter),
    shutdownPresenceFrames: counter.frames,
    shutdownServerCpuS: Math.round((cpuLast - cpuAtTerm) * 100) / 100,
    exitMs: Math.round(exitMs),
  };
}

const load = loadavg()
  .map((n) => n.toFixed(2))
  .join(' ');
const results = [];
for (const limit of LIMITS) results.push(await run(limit));
console.log(JSON.stringify({ load, results }));
console.log(`load at start: ${load}; ${MEMBERS} members joining one presence room at once`);
for (const r of results) {
  console.log(
    `limit ${r.limit || 'none'}: storm ${r.stormPresenceFrames} presence frames (the last after ${r.lastStormFrameMs} ms), server CPU ${r.stormServerCpuS} s, ` +
      `RSS ${r.rssStartMiB} → ${r.rssConnectedMiB} (connected) → ${r.rssAfterStormMiB} MiB (after the storm); ` +
      `shutdown ${r.shutdownPresenceFrames} presence frames, server CPU ${r.shutdownServerCpuS} s, exit after ${r.exitMs} ms`,
  );
}
