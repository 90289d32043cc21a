// Server-side emits issued inside one request handler, against the same emits issued from a
// setImmediate after it (`node benchmarks/server-emit-burst.mjs --rounds 10`). The server is
// pinned to one core, this script (the subscribers) to the other when run with taskset.
// uWebSockets.js collapses fan-out about tenfold when more than ~32 publishes are queued inside
// one handler; the server defers handler emits to stay off that cliff, so the two shapes should
// cost about the same. Prints the median time per round of each and their ratio, with the load
// average: figures depend on what else the machine is doing.
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { call, open } from './lib/ws-client.mjs';
import { startServer } from './lib/spawn.mjs';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '10' },
    subscribers: { type: 'string', default: '100' },
    emits: { type: 'string', default: '200' },
  },
});
const ROUNDS = Number(values.rounds);
const SUBSCRIBERS = Number(values.subscribers);
const EMITS = Number(values.emits);
const ROOM = 'burst';

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const load = loadavg()
  .map((n) => n.toFixed(2))
  .join(' ');
const server = await startServer({ script: 'servers/switchyard.mjs', core: Number(process.env.SERVER_CORE ?? 0) });
try {
  let received = 0;
  const subs = [];
  for (let i = 0; i < SUBSCRIBERS; i++) {
    const ws = await open(server.port, `s${i}`);
    await call(ws, { t: 'join', id: 1, room: ROOM });
    ws.on('message', (raw) => {
      if (raw[0] === 0x5b) received++; // a v2 JSON push is an array
    });
    subs.push(ws);
  }
  const caller = await open(server.port, 'caller');
  const times = { inside: [], await: [], later: [] };
  let id = 1;
  const round = async (mode) => {
    const target = received + EMITS * SUBSCRIBERS;
    const started = performance.now();
    await call(caller, { t: 'request', id: ++id, name: 'burst', data: { room: ROOM, count: EMITS, mode } });
    while (received < target) await new Promise((r) => setTimeout(r, 1));
    return performance.now() - started;
  };
  for (const mode of Object.keys(times)) await round(mode); // warm-up
  for (let r = 0; r < ROUNDS; r++) for (const mode of Object.keys(times)) times[mode].push(await round(mode));
  const inside = median(times.inside);
  const afterAwait = median(times.await);
  const later = median(times.later);
  const result = {
    load,
    rounds: ROUNDS,
    subscribers: SUBSCRIBERS,
    emits: EMITS,
    insideMs: inside,
    afterAwaitMs: afterAwait,
    laterMs: later,
    ratio: inside / later,
    afterAwaitRatio: afterAwait / later,
  };
  console.log(JSON.stringify(result));
  console.log(`load at start: ${load}`);
  console.log(
    `${EMITS} emits to ${SUBSCRIBERS} subscribers per round, median of ${ROUNDS}: inside the handler ${inside.toFixed(1)} ms, after an await in it ${afterAwait.toFixed(1)} ms, from a setImmediate ${later.toFixed(1)} ms (inside ÷ setImmediate ${result.ratio.toFixed(2)}, after await ÷ setImmediate ${result.afterAwaitRatio.toFixed(2)})`,
  );
  for (const ws of [...subs, caller]) ws.terminate();
} finally {
  await server.stop();
}
