// Generator plumbing: opening many connections with bounded concurrency, tokens, and
// CPU snapshots of the server and of the generator itself.
import { performance } from 'node:perf_hooks';
import { Conn } from '../lib/conn.mjs';
import { hs256, rs256 } from '../lib/jwt.mjs';
import { cpuSeconds } from '../lib/proc.mjs';
import { PROTOCOLS } from '../lib/protocols.mjs';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Returns `tokenFor(i)`; RS256 signing is slow, so RS256 tokens come from a pool of 256. */
export function tokenMaker(auth) {
  if (!auth) return () => undefined;
  if (auth.alg === 'hs256') return (i) => hs256(auth.secret, `user-${i}`);
  if (auth.alg === 'rs256') {
    const pool = Array.from({ length: 256 }, (_, i) => rs256(auth.privateKey, `user-${i}`));
    return (i) => pool[i % pool.length];
  }
  throw new Error(`unknown auth ${auth.alg}`);
}

/** Opens, upgrades and handshakes one connection; optionally joins `room`. */
export async function openConn(
  protoName,
  port,
  { room, token, member = false, join = false, echo = false, joinId = 1, subscribe = false },
) {
  const proto = PROTOCOLS[protoName];
  const conn = new Conn({
    port,
    path: proto.path({ room, token, member, echo, subscribe }),
    subprotocol: proto.subprotocol,
    sio: proto.sio,
  });
  const status = await conn.open();
  if (status !== 101) throw new Error(`upgrade answered HTTP ${status}`);
  await proto.handshake(conn);
  if (join) await proto.join(conn, room, joinId);
  return conn;
}

/** Runs `fn(i)` for i in [0, n) with at most `concurrency` in flight; rejects on the first error. */
export async function pool(n, concurrency, fn) {
  const out = new Array(n);
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      out[i] = await fn(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, concurrency) }, worker));
  return out;
}

/**
 * A point-in-time reading of the clocks both sides are judged by. `serverPid` is one pid or an
 * array (a cluster: its nodes and Redis), whose CPU is summed into `server` and kept per pid.
 */
export function snapshot(serverPid) {
  const pids = Array.isArray(serverPid) ? serverPid : [serverPid];
  const parts = pids.map(cpuSeconds);
  return { t: performance.now(), server: parts.reduce((a, b) => a + b, 0), parts, gen: cpuSeconds(process.pid) };
}

/**
 * CPU use between two snapshots: seconds, and percent of one core. With `roles` (one name per
 * server pid, e.g. node, node, redis), `serverCpuSByRole` splits the server CPU by role.
 */
export function cpuBetween(a, b, roles) {
  const seconds = (b.t - a.t) / 1000;
  const serverCpuS = b.server - a.server;
  const genCpuS = b.gen - a.gen;
  const byRole = {};
  if (roles) roles.forEach((role, i) => (byRole[role] = (byRole[role] ?? 0) + b.parts[i] - a.parts[i]));
  return {
    seconds,
    serverCpuS,
    genCpuS,
    serverCpuPct: (100 * serverCpuS) / seconds,
    genCpuPct: (100 * genCpuS) / seconds,
    ...(roles ? { serverCpuSByRole: byRole } : {}),
  };
}

/** Which side ran out of CPU (>= 90 % of its core), if any. */
export function saturatedSide(c) {
  const s = c.serverCpuPct >= 90;
  const g = c.genCpuPct >= 90;
  return s && g ? 'both' : s ? 'server' : g ? 'generator' : 'neither';
}

/** Polls `done()` every 10 ms for at most `ms`. */
export async function waitFor(done, ms) {
  const end = performance.now() + ms;
  while (!done() && performance.now() < end) await sleep(10);
  return done();
}
