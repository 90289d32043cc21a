#!/usr/bin/env node
// Node CPU per message forwarded through the Redis broker: node A encodes a push (wire.ts) and
// publishes it, node B receives and decodes it. Both brokers run in this process, so the figure is
// the sum of the sending and the receiving side; Redis is a separate process and not counted.
// Starts its own redis-server on a free port. Needs the server built (npx turbo run build).
//
//   node benchmarks/cluster-broker.mjs [--messages 20000] [--per-turn 1,10,50] [--frame 100]
//     [--dist DIR]   (a packages/server/dist to measure instead of this checkout's, for before/after pairs)
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import { join, resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '20000' },
    'per-turn': { type: 'string', default: '1,10,50' },
    frame: { type: 'string', default: '100' },
    dist: { type: 'string' },
  },
});
const server = values.dist
  ? pathToFileURL(`${resolvePath(values.dist)}/cluster/`)
  : new URL('../packages/server/dist/cluster/', import.meta.url);
const { createRedisBroker } = await import(new URL('redis-broker.js', server).href);
const { encodeClusterMessage, decodeClusterMessage } = await import(new URL('wire.js', server).href);
const total = Number(values.messages);
const perTurnList = values['per-turn'].split(',').map(Number);
const frame = new Uint8Array(Number(values.frame)).fill(0x61);

async function freePort() {
  const probe = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => probe.once('listening', resolve));
  const { port } = probe.address();
  probe.close();
  return port;
}

const port = await freePort();
const dir = mkdtempSync(join(os.tmpdir(), 'switchyard-bench-redis-'));
const redis = spawn(
  'redis-server',
  ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
  {
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);
await new Promise((resolve, reject) => {
  let out = '';
  redis.stdout.on('data', (chunk) => {
    out += chunk;
    if (out.includes('Ready to accept connections')) resolve();
  });
  redis.once('exit', () => reject(new Error('redis-server exited')));
});
const url = `redis://127.0.0.1:${port}`;

async function run(perTurn, receive) {
  const prefix = `bench${perTurn}${receive ? 'r' : 'p'}`;
  const a = createRedisBroker({ url, prefix, nodeId: 'a', maxQueue: 1_000_000 });
  const b = createRedisBroker({ url, prefix, nodeId: 'b' });
  let received = 0;
  let done;
  const finished = new Promise((resolve) => (done = resolve));
  const quiet = { controlMessage() {}, linkChanged() {}, resubscribed() {}, roomMessage() {} };
  await a.start(quiet);
  await b.start({
    ...quiet,
    roomMessage(_room, message) {
      const decoded = decodeClusterMessage(message);
      if (decoded?.kind === 'push' && ++received === total) done();
    },
  });
  if (receive) await b.subscribe('room');
  const start = process.cpuUsage();
  const wall = performance.now();
  let sent = 0;
  await new Promise((resolve) => {
    const turn = () => {
      for (let i = 0; i < perTurn && sent < total; i++, sent++) {
        const message = encodeClusterMessage({
          kind: 'push',
          origin: 'a',
          room: 'room',
          format: 'json2',
          frame,
          except: 'conn-1',
        });
        a.publish('room', message);
      }
      // Keep the outgoing queue short, as a node under steady load would.
      if (sent === total) resolve();
      else if (a.queueDepth > 5_000) setTimeout(turn, 1);
      else setImmediate(turn);
    };
    turn();
  });
  if (receive) await finished;
  else while (a.queueDepth > 0) await new Promise((resolve) => setTimeout(resolve, 1));
  const cpu = process.cpuUsage(start);
  const seconds = (performance.now() - wall) / 1000;
  await Promise.all([a.close(), b.close()]);
  return { cpuMicros: (cpu.user + cpu.system) / total, rate: Math.round(total / seconds) };
}

console.log(
  `# cluster broker${values.dist ? ` (${values.dist})` : ''}: ${total} messages, ${frame.byteLength} B frames, node ${process.version}, ${os.cpus()[0]?.model} x${os.cpus().length}, load ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
console.log('messages per turn | side              | node CPU per message | messages/s');
try {
  for (const perTurn of perTurnList) {
    await run(perTurn, true); // warm-up
    for (const receive of [false, true]) {
      const { cpuMicros, rate } = await run(perTurn, receive);
      const side = receive ? 'publish + receive' : 'publish only     ';
      console.log(`${String(perTurn).padStart(17)} | ${side} | ${cpuMicros.toFixed(1).padStart(17)} µs | ${rate}`);
    }
  }
} finally {
  redis.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
