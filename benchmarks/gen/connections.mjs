// Connection-level scenarios: an upgrade storm (JWT verified in each upgrade), the memory held by
// idle authenticated connections, and the cost of idle connections with rooms joined.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Conn } from '../lib/conn.mjs';
import { PROTOCOLS } from '../lib/protocols.mjs';
import { rssBytes } from '../lib/proc.mjs';
import { memoryProbeFile } from '../servers/common.mjs';
import { cpuBetween, openConn, pool, sleep, snapshot, tokenMaker } from './common.mjs';

/** Opens `count` connections as fast as `concurrency` allows and times it. */
export async function storm(cfg) {
  const { protocol, port, serverPid, count, concurrency } = cfg;
  const tokenFor = tokenMaker(cfg.auth);
  const tokens = Array.from({ length: count }, (_, i) => tokenFor(i));
  // Sanity: a token signed with the wrong key is refused before the socket opens.
  let badTokenStatus = null;
  if (cfg.auth) {
    const proto = PROTOCOLS[protocol];
    const bad = new Conn({
      port,
      path: proto.path({ token: `${tokens[0].slice(0, -4)}AAAA` }),
      subprotocol: proto.subprotocol,
    });
    badTokenStatus = await bad.open().catch(() => -1);
    bad.destroy();
  }
  await sleep(200);
  const a = snapshot(serverPid);
  const conns = await pool(count, concurrency, (i) => openConn(protocol, port, { token: tokens[i] }));
  const b = snapshot(serverPid);
  const cpu = cpuBetween(a, b);
  const closed = conns.filter((c) => c.closed).length;
  for (const c of conns) c.destroy();
  return {
    count,
    concurrency,
    ...cpu,
    upgradesPerSec: count / cpu.seconds,
    serverCpuUsPerUpgrade: (1e6 * cpu.serverCpuS) / count,
    genCpuUsPerUpgrade: (1e6 * cpu.genCpuS) / count,
    badTokenStatus,
    closed,
  };
}

/** RSS growth of the server per idle (authenticated) connection. */
export async function idle(cfg) {
  const { protocol, port, serverPid, count, concurrency, settleMs } = cfg;
  const tokenFor = tokenMaker(cfg.auth);
  const warm = await pool(20, 20, (i) => openConn(protocol, port, { token: tokenFor(count + i) }));
  await sleep(settleMs);
  const rssBase = rssBytes(serverPid);
  const t0 = performance.now();
  const conns = await pool(count, concurrency, (i) => openConn(protocol, port, { token: tokenFor(i) }));
  const connectS = (performance.now() - t0) / 1000;
  await sleep(settleMs);
  const rss = rssBytes(serverPid);
  // A second reading after the server has sat idle for a while: V8 gives back young-generation
  // space only after an idle-time GC, which comes tens of seconds after the burst, not in
  // the settle time.
  let later = {};
  if (cfg.laterMs > 0) {
    await sleep(cfg.laterMs);
    const rssLater = rssBytes(serverPid);
    later = { laterMs: cfg.laterMs, rssLaterBytes: rssLater, bytesPerConnectionLater: (rssLater - rssBase) / count };
  }
  const closed = conns.filter((c) => c.closed).length;
  for (const c of [...warm, ...conns]) c.destroy();
  return {
    count,
    connectS,
    rssBaseBytes: rssBase,
    rssBytes: rss,
    bytesPerConnection: (rss - rssBase) / count,
    ...later,
    closed,
  };
}

/** Asks the server for a forced-GC memory reading (servers/common.mjs `installMemoryProbe`). */
async function probeMemory(serverPid, timeoutMs = 60_000) {
  const file = memoryProbeFile(serverPid);
  rmSync(file, { force: true });
  process.kill(serverPid, 'SIGUSR2');
  const end = performance.now() + timeoutMs;
  while (!existsSync(file)) {
    if (performance.now() > end) throw new Error(`no memory reading from the server after ${timeoutMs} ms`);
    await sleep(20);
  }
  const reading = JSON.parse(readFileSync(file, 'utf8'));
  rmSync(file, { force: true });
  return reading;
}

/**
 * The rooms connection `i` joins: `roomsPerConn` rooms, each shared by `membersPerRoom`
 * consecutive connections (1: rooms of one). Names have the same length in both layouts.
 */
export function roomsOf(i, roomsPerConn, membersPerRoom) {
  const owner = membersPerRoom > 1 ? `s${Math.floor(i / membersPerRoom)}` : `o${i}`;
  return Array.from({ length: roomsPerConn }, (_, j) => `${owner}-${j}`);
}

/**
 * Idle connections with rooms joined: per connection, RSS growth (right after the burst, and
 * after a forced GC), live heap growth (after a forced GC) and the server's CPU while they sit idle.
 */
export async function idleRooms(cfg) {
  const { protocol, port, serverPid, count, concurrency, settleMs, roomsPerConn, membersPerRoom, cpuWindowMs } = cfg;
  const proto = PROTOCOLS[protocol];
  const tokenFor = tokenMaker(cfg.auth);
  const open = async (i) => {
    const conn = await openConn(protocol, port, { token: tokenFor(i), subscribe: true });
    if (roomsPerConn > 0) await proto.joinMany(conn, roomsOf(i, roomsPerConn, membersPerRoom));
    return conn;
  };
  // The warm-up connections take the same code paths, in rooms of their own index range.
  const warm = await pool(20, 20, (i) => open(count + membersPerRoom + i));
  await sleep(settleMs);
  const rssBase = rssBytes(serverPid);
  const base = await probeMemory(serverPid);
  const t0 = performance.now();
  const conns = await pool(count, concurrency, open);
  const connectS = (performance.now() - t0) / 1000;
  await sleep(settleMs);
  const rss = rssBytes(serverPid);
  const after = await probeMemory(serverPid);
  // Idle CPU once the forced GC is done: nothing is sent either way (pings apart).
  await sleep(500);
  const a = snapshot(serverPid);
  await sleep(cpuWindowMs);
  const b = snapshot(serverPid);
  const cpu = cpuBetween(a, b);
  const closed = conns.filter((c) => c.closed).length;
  for (const c of [...warm, ...conns]) c.destroy();
  const per = (x, y) => (x - y) / count;
  return {
    count,
    roomsPerConn,
    membersPerRoom,
    connectS,
    rssBaseBytes: rssBase,
    rssBytes: rss,
    bytesPerConnection: per(rss, rssBase),
    rssGcBytes: after.rssBytes,
    bytesPerConnectionGc: per(after.rssBytes, base.rssBytes),
    heapPerConnection: per(after.heapUsedBytes, base.heapUsedBytes),
    externalPerConnection: per(after.externalBytes, base.externalBytes),
    heapBaseBytes: base.heapUsedBytes,
    newSpaceBaseBytes: base.spaceSizes?.new_space,
    newSpaceBytes: after.spaceSizes?.new_space,
    heapBytes: after.heapUsedBytes,
    idleCpuPct: cpu.serverCpuPct,
    idleCpuS: cpu.serverCpuS,
    idleWindowS: cpu.seconds,
    idleCpuNsPerConnPerSec: (1e9 * cpu.serverCpuS) / cpu.seconds / count,
    ...(after.snapshot ? { snapshots: [base.snapshot, after.snapshot] } : {}),
    closed,
  };
}
