// What each mode runs. Quick mode is a smoke-sized run (< 3 minutes); the full run repeats
// each cell more often with longer windows and adds the 100 and 5,000 subscriber fan-outs.

import { SINGLE_NODE } from './contenders.mjs';

/** Offered deliveries per second in the fixed-rate fan-out (moderate: one syscall each). */
export const FIXED_DELIVERIES_PER_SEC = 50_000;

/** Offered deliveries per second in the cluster scenario's fixed-rate (latency) phase. */
export const CLUSTER_FIXED_DELIVERIES_PER_SEC = 20_000;

/** The full plan, or the quick one; `smoke` shrinks everything to check the harness itself. */
export function plan(quick, smoke = false) {
  const p = fullOrQuick(quick);
  if (!smoke) return p;
  const win = { warmMs: 200, measureMs: 400 };
  p.fanout.reps = 1;
  p.fanout.subscribers = [50];
  const fanPhases = p.fanout.phases;
  p.fanout.phases = (n) => fanPhases(n).map((ph) => ({ ...ph, ...win }));
  p.requests = { ...p.requests, reps: 1, conns: 5, rates: [{ rate: 1000, ...win }] };
  p.idle = { ...p.idle, reps: 1, count: 300, settleMs: 300, laterMs: 0 };
  p.storm = { ...p.storm, reps: 1, count: 200 };
  p.idleRooms = { ...p.idleRooms, reps: 1, counts: [300], settleMs: 300, cpuWindowMs: 500, membersPerRoom: 50 };
  const roomPhases = p.rooms.phases;
  p.rooms = {
    ...p.rooms,
    reps: 1,
    rooms: 20,
    phases: (pp) => roomPhases(pp).map((ph) => ({ ...ph, ...win, ...(ph.window ? { window: 40 } : {}) })),
  };
  const clusterPhases = p.cluster.phases;
  p.cluster = {
    ...p.cluster,
    reps: 1,
    shapes: p.cluster.shapes.map((sh) => ({
      ...sh,
      rooms: Math.min(sh.rooms, 20),
      perRoom: Math.min(sh.perRoom, 100),
    })),
    phases: (pp, pubs) => clusterPhases(pp, pubs).map((ph) => ({ ...ph, ...win })),
  };
  return p;
}

function fullOrQuick(quick) {
  const win = quick ? { warmMs: 250, measureMs: 700 } : { warmMs: 1000, measureMs: 3000 };
  return {
    fanout: {
      // Quick mode repeats the phases inside one session (setting up 1,000 connections per
      // contender once); the full run starts fresh processes for every repetition.
      reps: quick ? 1 : 3,
      inSessionReps: quick ? 3 : 1,
      subscribers: quick ? [1000] : [100, 1000, 5000],
      contenders: SINGLE_NODE,
      phases: (n) => [
        { mode: 'saturated', window: 30, batch: 10, ...win },
        { mode: 'fixed', rate: Math.round(FIXED_DELIVERIES_PER_SEC / n), ...win },
        { mode: 'burst', burst: 200, ...win },
      ],
      // In quick mode the variants only run the phases they exist for: metrics off against
      // metrics on (steady load), deferred raw uWS against the burst cliff.
      skip: quick ? { 'switchyard-json-nometrics': ['burst'], 'uws-raw-defer': ['saturated', 'fixed'] } : {},
    },
    requests: {
      reps: quick ? 1 : 3,
      conns: 20,
      contenders: ['switchyard-json', 'switchyard-msgpack', 'switchyard-ws', 'uws-raw', 'sio-uws', 'sio-default'],
      rates: (quick ? [1000, 5000, 10000, 20000] : [1000, 2000, 5000, 10000, 15000, 20000]).map((rate) => ({
        rate,
        ...(quick ? { warmMs: 250, measureMs: 1000 } : { warmMs: 1000, measureMs: 4000 }),
      })),
    },
    idle: {
      reps: quick ? 1 : 3,
      count: quick ? 5_000 : 10_000,
      concurrency: 100,
      settleMs: quick ? 1000 : 3000,
      // Then RSS again after this much idle time (0: no second reading); see docs/benchmarks.md.
      laterMs: quick ? 0 : 100_000,
      contenders: ['switchyard-json', 'switchyard-ws', 'uws-raw', 'sio-uws', 'sio-default'],
    },
    idleRooms: {
      // Not part of quick mode (ten sessions per connection count); run it alone with
      // `--quick --only idle-rooms --merge`. The largest count is what this machine allows: its
      // open-files limit is 20,000 per process, and Switchyard's default `limits.maxConnections`
      // keeps 10 % of it in reserve (18,000), less the 20 warm-up connections.
      inQuick: false,
      reps: quick ? 1 : 3,
      counts: quick ? [5_000] : [5_000, 17_900],
      concurrency: 100,
      settleMs: quick ? 1000 : 3000,
      // Server CPU is read over this window once the connections sit idle.
      cpuWindowMs: quick ? 5000 : 10_000,
      // Members of each shared room; rooms of one have a single member.
      membersPerRoom: 500,
      layouts: [
        { id: 'no room', roomsPerConn: 0, shared: false },
        { id: '1 shared room', roomsPerConn: 1, shared: true },
        { id: '1 room of one', roomsPerConn: 1, shared: false },
        { id: '10 shared rooms', roomsPerConn: 10, shared: true },
        { id: '10 rooms of one', roomsPerConn: 10, shared: false },
      ],
      contenders: ['switchyard-json', 'uws-raw'],
    },
    storm: {
      reps: quick ? 1 : 3,
      count: quick ? 2000 : 10_000,
      concurrency: 100,
      variants: [
        { id: 'switchyard-hs256', contender: 'switchyard-json', auth: 'hs256' },
        { id: 'switchyard-rs256', contender: 'switchyard-json', auth: 'rs256' },
        { id: 'switchyard-anonymous', contender: 'switchyard-json', auth: 'none' },
        { id: 'uws-raw', contender: 'uws-raw', auth: 'none' },
      ],
    },
    rooms: {
      // Not part of quick mode (5,000 connections per contender take too long to set up);
      // run it alone with `--quick --only rooms --merge`.
      inQuick: false,
      reps: quick ? 1 : 3,
      rooms: 500,
      perRoom: 10,
      contenders: ['switchyard-json', 'switchyard-msgpack', 'uws-raw', 'sio-uws', 'sio-default'],
      // Rates are set per contender from its deliveries per publish, so every contender is
      // offered the same deliveries per second.
      phases: (perPublish) => [
        { mode: 'fixed', rate: Math.round(FIXED_DELIVERIES_PER_SEC / perPublish), ...win },
        { mode: 'saturated', window: 500, ...win },
      ],
    },
    cluster: {
      // Two nodes and a private redis-server, all three on the server core. Not part of plain
      // quick mode (eight sessions of up to 2,200 connections); run it with `--quick --only cluster`.
      inQuick: false,
      reps: quick ? 1 : 3,
      // split: subscribers alternate between node A (the publisher's) and node B;
      // cross: every subscriber on node B, so every delivery crossed Redis.
      shapes: [
        { id: 'split', rooms: 1, perRoom: 1000, split: true },
        { id: 'cross', rooms: 200, perRoom: 10, split: false },
      ],
      contenders: ['switchyard-json-cluster', 'switchyard-json', 'uws-redis', 'sio-redis'],
      // fixed: a moderate rate, every payload stamped with its send time (latency at receipt);
      // saturated: at most 30 publishes in flight (one publisher, up to 10 per write) or one per
      // publisher per turn (many rooms).
      phases: (perPublish, pubs) => [
        {
          mode: 'fixed',
          stamp: true,
          rate: Math.round(CLUSTER_FIXED_DELIVERIES_PER_SEC / perPublish),
          ...(quick ? { warmMs: 500, measureMs: 1500 } : win),
        },
        { mode: 'saturated', window: pubs === 1 ? 30 : pubs, batch: 10, ...win },
      ],
    },
  };
}
