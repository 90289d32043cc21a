// Connection-level scenarios: an upgrade storm (JWT verified in each upgrade) and the memory
// held by idle authenticated connections.
import { performance } from 'node:perf_hooks';
import { Conn } from '../lib/conn.mjs';
import { PROTOCOLS } from '../lib/protocols.mjs';
import { rssBytes } from '../lib/proc.mjs';
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
