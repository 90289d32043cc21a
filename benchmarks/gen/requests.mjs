// Request/ack round trips at fixed rates. Requests go round robin over `conns` connections,
// each its own write; replies arrive in order per connection, so a ring of send times per
// connection gives each round trip without parsing the reply.
import { performance } from 'node:perf_hooks';
import { Tally } from '../lib/conn.mjs';
import { PROTOCOLS } from '../lib/protocols.mjs';
import { cpuBetween, openConn, pool, saturatedSide, sleep, snapshot, tokenMaker, waitFor } from './common.mjs';

const RING = 8192;
const IDS = 4096;

export async function requests(cfg) {
  const { protocol, port, serverPid, conns: nConns, rates } = cfg;
  const proto = PROTOCOLS[protocol];
  const tokenFor = tokenMaker(cfg.auth);
  const conns = await pool(nConns, 50, (i) => openConn(protocol, port, { token: tokenFor(i), echo: true }));
  const frames = Array.from({ length: IDS }, (_, i) => proto.requestFrame(i + 1));
  // One checked round trip per connection before the clock starts (ids restart at 1 after).
  await Promise.all(
    conns.map(async (conn) => {
      conn.send(frames[IDS - 1]);
      const [reply] = await conn.expect(1);
      if (!proto.isReply(reply)) throw new Error(`bad echo reply: ${reply.toString('latin1', 0, 120)}`);
    }),
  );
  const tally = new Tally();
  let recording = false;
  let samples = new Float64Array(1);
  let nSamples = 0;
  const state = conns.map((conn) => {
    const s = { conn, times: new Float64Array(RING), head: 0, tail: 0, next: 0 };
    conn.onReply = () => {
      const t0 = s.times[s.head];
      s.head = (s.head + 1) & (RING - 1);
      if (recording && nSamples < samples.length) samples[nSamples++] = performance.now() - t0;
    };
    conn.count(tally);
    return s;
  });

  const results = [];
  for (const phase of rates) {
    results.push(await runRate(phase));
    await sleep(100);
  }
  const closed = conns.filter((c) => c.closed).length;
  for (const c of conns) c.destroy();
  return { connections: conns.length, closed, rates: results };

  async function runRate({ rate, warmMs, measureMs }) {
    samples = new Float64Array(Math.ceil(((rate * measureMs) / 1000) * 1.5) + 1000);
    nSamples = 0;
    const base = tally.frames;
    let sent = 0;
    let rr = 0;
    let running = true;
    let lag = 0;
    const cap = Math.max(1, Math.ceil(rate / 100));
    const t0 = performance.now();
    const timer = setInterval(() => {
      if (!running) return;
      const now = performance.now();
      let due = Math.floor(((now - t0) * rate) / 1000) - sent;
      if (due > cap) {
        lag += due - cap;
        due = cap;
      }
      for (let i = 0; i < due; i++) {
        const s = state[rr];
        rr = rr + 1 === state.length ? 0 : rr + 1;
        s.times[s.tail] = performance.now();
        s.tail = (s.tail + 1) & (RING - 1);
        s.conn.send(frames[s.next]);
        s.next = s.next + 1 === IDS ? 0 : s.next + 1;
        sent++;
      }
    }, 1);
    await sleep(warmMs);
    const a = snapshot(serverPid);
    const r0 = tally.frames;
    recording = true;
    await sleep(measureMs);
    recording = false;
    const b = snapshot(serverPid);
    const replies = tally.frames - r0;
    running = false;
    clearInterval(timer);
    await waitFor(() => tally.frames - base >= sent, 5000);
    const cpu = cpuBetween(a, b);
    const lat = samples.subarray(0, nSamples).sort();
    const q = (p) => (lat.length ? lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] : NaN);
    return {
      rate,
      ...cpu,
      achievedPerSec: replies / cpu.seconds,
      samples: lat.length,
      p50Ms: q(0.5),
      p90Ms: q(0.9),
      p99Ms: q(0.99),
      p999Ms: q(0.999),
      maxMs: lat.length ? lat[lat.length - 1] : NaN,
      serverCpuUsPerRequest: (1e6 * cpu.serverCpuS) / Math.max(1, replies),
      saturated: saturatedSide(cpu),
      generatorLag: lag,
      lost: sent - (tally.frames - base),
    };
  }
}
