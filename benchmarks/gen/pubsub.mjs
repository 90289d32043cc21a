// Fan-out and many-rooms load: publishers send the same prebuilt frame; subscribers count
// frames by header. Modes: `saturated` (a small in-flight window, at most `batch` publishes per
// write, so no server read carries more than `window` (30) publishes), `burst` (`burst` publishes in one write),
// and `fixed` (a timer paces publishes to `rate` per second, each its own write).
// Clusters: `pubPort` is the node publishers connect to, subscriber i connects to
// `subPorts[i % subPorts.length]`, and `serverPids` / `pidRoles` name every process whose CPU
// counts. A `stamp` phase writes the send time into every payload and takes each delivery's
// latency at receipt, split into subscribers on the publisher's node and on another node.
import { performance } from 'node:perf_hooks';
import { Tally } from '../lib/conn.mjs';
import { PROTOCOLS, readStamp, stampedData } from '../lib/protocols.mjs';
import { cpuBetween, openConn, pool, saturatedSide, sleep, snapshot, tokenMaker, waitFor } from './common.mjs';

export async function pubsub(cfg) {
  const { protocol, port, rooms, subsPerRoom, publisherMember, perPublish, concurrency = 100 } = cfg;
  const serverPid = cfg.serverPids ?? cfg.serverPid;
  const pubPort = cfg.pubPort ?? port;
  const subPort = (i) => (cfg.subPorts ? cfg.subPorts[i % cfg.subPorts.length] : port);
  const proto = PROTOCOLS[protocol];
  const tokenFor = tokenMaker(cfg.auth);
  const roomName = (r) => `room-${r}`;
  const tally = new Tally();
  const stray = new Tally(); // frames a non-member publisher receives (should stay 0)
  const setupStart = performance.now();
  const subs = await pool(rooms * subsPerRoom, concurrency, (i) =>
    openConn(protocol, subPort(i), { room: roomName(i % rooms), token: tokenFor(i), member: true, join: true }),
  );
  subs.forEach((c, i) => (c.remote = subPort(i) !== pubPort));
  const pubs = await pool(rooms, concurrency, (r) =>
    openConn(protocol, pubPort, {
      room: roomName(r),
      token: tokenFor(rooms * subsPerRoom + r),
      member: publisherMember,
      join: publisherMember,
    }),
  );
  // One checked publish per room before the clock starts: every member gets it, intact.
  const selfEcho = publisherMember && perPublish === subsPerRoom + 1;
  const receivers = selfEcho ? [...subs, ...pubs] : subs;
  const arrived = Promise.all(
    receivers.map(async (c) => {
      const [m] = await c.expect(1, 20_000);
      if (!proto.isDelivery(m)) throw new Error(`bad delivery: ${m.toString('latin1', 0, 120)}`);
    }),
  );
  pubs.forEach((c, r) => c.send(proto.publishFrame(roomName(r))));
  await arrived;
  for (const c of subs) c.count(tally);
  for (const c of pubs) c.count(publisherMember ? tally : stray);
  const setupS = (performance.now() - setupStart) / 1000;
  const frames = pubs.map((_, r) => proto.publishFrame(roomName(r)));

  const results = [];
  for (const phase of cfg.phases) {
    results.push(await runPhase(phase));
    await sleep(100);
  }
  const closed = subs.filter((c) => c.closed).length + pubs.filter((c) => c.closed).length;
  for (const c of [...subs, ...pubs]) c.destroy();
  return { connections: subs.length + pubs.length, setupS, closed, strayFrames: stray.frames, phases: results };

  async function runPhase(phase) {
    const base = tally.frames;
    let published = 0;
    let running = true;
    let rr = 0;
    const inflight = () => published - (tally.frames - base) / perPublish;
    let timer;
    // Fixed rate: the time until publish k has reached all its subscribers, taken as the moment
    // the delivery count passes (k + 1) x perPublish (deliveries arrive in publish order).
    const sendTimes = new Float64Array(1 << 16);
    const latencies = [];
    let completed = 0;
    let recording = false;
    // Stamped phases: per-delivery latency (µs) for subscribers on the publisher's node / others.
    const localUs = [];
    const remoteUs = [];
    let unreadStamps = 0;
    if (phase.stamp) {
      for (const c of subs) {
        const into = c.remote ? remoteUs : localUs;
        c.onPayload = (buf, pos, end) => {
          if (!recording) return;
          const sent = readStamp(buf, pos, end);
          if (sent < 0) unreadStamps++;
          else into.push(performance.now() * 1000 - sent);
        };
      }
    }
    if (phase.mode === 'fixed') {
      const t0 = performance.now();
      if (!phase.stamp)
        tally.kick = () => {
          const d = tally.frames - base;
          while (completed < published && (completed + 1) * perPublish <= d) {
            if (recording) latencies.push(performance.now() - sendTimes[completed & 0xffff]);
            completed++;
          }
        };
      const cap = Math.max(1, Math.ceil(phase.rate / 100));
      timer = setInterval(() => {
        if (!running) return;
        let due = Math.floor(((performance.now() - t0) * phase.rate) / 1000) - published;
        if (due > cap) due = cap; // the generator fell behind: do not catch up in one burst
        for (let i = 0; i < due; i++) {
          const now = performance.now();
          sendTimes[published & 0xffff] = now;
          pubs[rr].send(phase.stamp ? proto.publishFrame(roomName(rr), stampedData(now * 1000)) : frames[rr]);
          rr = rr + 1 === pubs.length ? 0 : rr + 1;
          published++;
        }
      }, 1);
    } else {
      const burst = phase.mode === 'burst' ? phase.burst : 0;
      const window = burst ? 2 * burst : phase.window;
      const batch = phase.batch ?? 4;
      const batched = pubs.length === 1 ? frames.map((f) => Buffer.concat(Array(burst || batch).fill(f))) : null;
      let scheduled = false;
      const pump = () => {
        scheduled = false;
        if (!running) return;
        if (burst) {
          if (inflight() <= window - burst) {
            pubs[0].send(batched[0]);
            published += burst;
          }
        } else if (batched) {
          const room = window - inflight();
          if (room >= batch) {
            pubs[0].send(batched[0]);
            published += batch;
          } else if (room >= 1) {
            pubs[0].send(frames[0]);
            published += 1;
          }
        } else {
          // Many rooms: one publish per publisher per turn, round robin, within the window.
          let room = Math.floor(window - inflight());
          if (room > pubs.length) room = pubs.length;
          for (let i = 0; i < room; i++) {
            pubs[rr].send(frames[rr]);
            rr = rr + 1 === pubs.length ? 0 : rr + 1;
            published++;
          }
        }
      };
      tally.kick = () => {
        if (!scheduled) {
          scheduled = true;
          setImmediate(pump);
        }
      };
      timer = setInterval(pump, 5);
      pump();
    }
    await sleep(phase.warmMs);
    const a = snapshot(serverPid);
    const f0 = tally.frames;
    const b0 = tally.bytes;
    const p0 = published;
    recording = true;
    await sleep(phase.measureMs);
    recording = false;
    const b = snapshot(serverPid);
    const delivered = tally.frames - f0;
    const bytes = tally.bytes - b0;
    const pubsInWindow = published - p0;
    running = false;
    clearInterval(timer);
    tally.kick = null;
    const expected = () => published * perPublish;
    await waitFor(() => tally.frames - base >= expected(), 5000);
    for (const c of subs) c.onPayload = null;
    const cpu = cpuBetween(a, b, cfg.pidRoles);
    const lost = expected() - (tally.frames - base);
    const q = (xs, p, scale = 1) => {
      if (!xs.length) return undefined;
      if (!xs.sorted) {
        xs.sort((x, y) => x - y);
        xs.sorted = true;
      }
      return xs[Math.min(xs.length - 1, Math.floor(p * xs.length))] * scale;
    };
    const perMillion = (s) => s / (delivered / 1e6);
    return {
      ...(phase.mode === 'fixed' && !phase.stamp
        ? { fanoutP50Ms: q(latencies, 0.5), fanoutP99Ms: q(latencies, 0.99), fanoutSamples: latencies.length }
        : {}),
      ...(phase.stamp
        ? {
            localP50Ms: q(localUs, 0.5, 1e-3),
            localP99Ms: q(localUs, 0.99, 1e-3),
            localSamples: localUs.length,
            remoteP50Ms: q(remoteUs, 0.5, 1e-3),
            remoteP99Ms: q(remoteUs, 0.99, 1e-3),
            remoteSamples: remoteUs.length,
            unreadStamps,
          }
        : {}),
      ...(cpu.serverCpuSByRole
        ? {
            serverCpuSPerMillionByRole: Object.fromEntries(
              Object.entries(cpu.serverCpuSByRole).map(([role, s]) => [role, perMillion(s)]),
            ),
          }
        : {}),
      mode: phase.mode,
      ...(phase.rate ? { rate: phase.rate, offeredDeliveriesPerSec: phase.rate * perPublish } : {}),
      ...(phase.burst ? { burst: phase.burst } : {}),
      ...cpu,
      published,
      deliveries: delivered,
      deliveriesPerSec: delivered / cpu.seconds,
      publishesPerSec: pubsInWindow / cpu.seconds,
      bytesPerDelivery: bytes / Math.max(1, delivered),
      serverCpuSPerMillion: cpu.serverCpuS / (delivered / 1e6),
      genCpuSPerMillion: cpu.genCpuS / (delivered / 1e6),
      saturated: saturatedSide(cpu),
      lost,
    };
  }
}
