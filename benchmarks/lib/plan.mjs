// What each mode runs. Quick mode is a smoke-sized run (< 3 minutes); the full run repeats
// each cell more often with longer windows and adds the 100 and 5,000 subscriber fan-outs.

/** Offered deliveries per second in the fixed-rate fan-out (moderate: one syscall each). */
export const FIXED_DELIVERIES_PER_SEC = 50_000;

export function plan(quick) {
  const win = quick ? { warmMs: 300, measureMs: 1000 } : { warmMs: 1000, measureMs: 3000 };
  return {
    fanout: {
      reps: 3,
      subscribers: quick ? [1000] : [100, 1000, 5000],
      contenders: [
        'switchyard-json',
        'switchyard-msgpack',
        'switchyard-json-nometrics',
        'uws-raw',
        'uws-raw-defer',
        'sio-uws',
        'sio-default',
      ],
      phases: (n) => [
        { mode: 'saturated', window: 24, batch: 12, ...win },
        { mode: 'fixed', rate: Math.round(FIXED_DELIVERIES_PER_SEC / n), ...win },
        { mode: 'burst', burst: 200, ...win },
      ],
    },
    requests: {
      reps: quick ? 1 : 3,
      conns: 20,
      contenders: ['switchyard-json', 'switchyard-msgpack', 'uws-raw', 'sio-uws', 'sio-default'],
      rates: (quick ? [1000, 5000, 10000, 20000] : [1000, 2000, 5000, 10000, 15000, 20000]).map((rate) => ({
        rate,
        ...(quick ? { warmMs: 300, measureMs: 1200 } : { warmMs: 1000, measureMs: 4000 }),
      })),
    },
    idle: {
      reps: quick ? 1 : 3,
      count: 10_000,
      concurrency: 100,
      settleMs: quick ? 1000 : 3000,
      contenders: ['switchyard-json', 'uws-raw', 'sio-uws', 'sio-default'],
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
  };
}
