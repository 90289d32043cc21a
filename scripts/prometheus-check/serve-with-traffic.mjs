#!/usr/bin/env node
// Starts a real Switchyard server (the built packages/server/dist) with /metrics on a separate
// port, and keeps real WebSocket traffic flowing through it so every metric moves: members of
// both codecs join, publish, request and answer server requests; clients churn; bad tokens are
// refused; a burst trips the rate limit; a client that stops reading becomes a slow consumer.
// A few requests go to a handler that never settles; the backend HTTP API is called with the right
// and a wrong key. The driver keeps a history of what it did (sockets open, users, publishes, API
// calls, hung requests, whether its drop-policy consumer is paused), sampled every 50 ms, and serves
// it as JSON on DRIVER_URL so the check can compare each Prometheus sample with what the driver did
// at that sample's scrape time. Writes METRICS_TARGET, METRICS_PATH and DRIVER_URL to the --state
// file once listening. Runs until SIGTERM or --max-sec. Used by scripts/prometheus-check.sh;
// loopback only.
// With --redis-url (a private Redis: the driver kills its pub/sub clients) the server is a cluster
// member, so the broker series move too: its room pushes, presence and HTTP publishes go through
// Redis, and every 10 s the driver drops the node's subscriber link with `CLIENT KILL TYPE pubsub`
// (recorded as `redisKills`), which the node must count as a reconnect.
//
// usage: node serve-with-traffic.mjs --state FILE [--max-sec 240] [--redis-url redis://127.0.0.1:PORT]
import { createHmac, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { connect as connectTcp, createServer as createNetServer } from 'node:net';
import { parseArgs } from 'node:util';
import { SUBPROTOCOL_JSON, SUBPROTOCOL_MSGPACK, jsonCodec } from '@switchyard/protocol';
import { msgpackCodec } from '@switchyard/protocol/msgpack';
import { createServer } from '@switchyard/server';
import { WebSocket } from 'ws';

const { values: args } = parseArgs({
  options: {
    state: { type: 'string' },
    'max-sec': { type: 'string', default: '240' },
    'redis-url': { type: 'string' },
  },
});
const REDIS_URL = args['redis-url'];
if (!args.state) {
  console.error('usage: serve-with-traffic.mjs --state FILE [--max-sec N]');
  process.exit(2);
}

const SECRET = randomBytes(32).toString('hex');
const API_KEY = randomBytes(16).toString('hex');
/** Requests sent to the handler that never settles, from one connection that stays open. */
const HUNG_REQUESTS = 7;
const HOST = '127.0.0.1';

function token(sub) {
  const part = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const unsigned = `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ sub, iat: now, exp: now + 3600 })}`;
  return `${unsigned}.${createHmac('sha256', SECRET).update(unsigned).digest('base64url')}`;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createNetServer().listen(0, HOST, () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.once('error', reject);
  });
}

const metricsPort = await freePort();
const server = createServer({
  host: HOST,
  auth: { secret: SECRET },
  apiKey: API_KEY,
  metricsPort,
  // The deliberate handler failures would fill the log; startup errors still throw.
  logLevel: 'fatal',
  // Small limits so protection metrics move under modest traffic.
  limits: { maxBackpressure: 64 * 1024, messagesPerSecond: 100, messageBurst: 100 },
  // The driver's clients publish to every room it uses; client publishing is opt-in per room.
  rooms: [
    { pattern: 'drop:*', slowConsumer: 'drop', clientPublish: true },
    { pattern: '*', clientPublish: true },
  ],
  ...(REDIS_URL ? { redis: { url: REDIS_URL, prefix: `prometheus-check-${randomBytes(4).toString('hex')}` } } : {}),
});
server.onRequest('echo', (_ctx, data) => data);
server.onRequest('hang', () => new Promise(() => {}));
server.onRequest('boom', () => {
  throw new Error('deliberate handler failure (traffic generator)');
});
// Asks the caller something back: exercises server-to-client requests, answered or timed out.
server.onEvent('ask-me', (ctx) => {
  ctx.conn.request('are-you-there', { at: Date.now() }, { timeoutMs: 300 }).catch(() => {});
});
const { port } = await server.listen(0, HOST);
const url = `ws://${HOST}:${port}/ws`;

// With a metrics port, /metrics lives there only: the public port must not expose it.
const onMain = await fetch(`http://${HOST}:${port}/metrics`);
const onSide = await fetch(`http://${HOST}:${metricsPort}/metrics`);
if (onMain.status !== 404 || onSide.status !== 200) {
  console.error(
    `serve-with-traffic: /metrics answered ${onMain.status} on the main port and ${onSide.status} on the metrics port (want 404 and 200)`,
  );
  await server.close({ graceMs: 0 });
  process.exit(1);
}

const timers = [];
const sockets = new Set();
let stopping = false;
let nextId = 1;

// What the driver did, for the check to compare with Prometheus.
const did = {
  /** Sockets open from the driver's side, and the users behind them. */
  open: 0,
  users: new Map(),
  /** Open sockets the server may already have closed (paused readers in close-policy rooms). */
  uncertain: 0,
  opened: 0,
  /** Publish envelopes sent (lobby and firehose rooms). */
  publishes: 0,
  httpOk: 0,
  httpBadKey: 0,
  hung: 0,
  /** Whether the drop-policy slow consumer is not reading, and since when (ms since epoch). */
  dropPausedSince: 0,
  /** Times the node's Redis subscriber link was killed, and when last (ms since epoch). */
  redisKills: 0,
  lastRedisKill: 0,
};
const history = [];
function snapshot() {
  const { users, ...rest } = did;
  history.push({ t: Date.now(), ...rest, users: users.size });
  while (history.length > 0 && history[0].t < Date.now() - 120_000) history.shift();
}

/** A client of the given codec; answers server requests unless `mute`. */
function client(codec, sub, { mute = false, onOpen } = {}) {
  const protocol = codec.name === 'json' ? SUBPROTOCOL_JSON : SUBPROTOCOL_MSGPACK;
  const ws = new WebSocket(`${url}?token=${token(sub)}`, [protocol]);
  sockets.add(ws);
  ws.on('open', () => {
    did.open++;
    did.opened++;
    did.users.set(sub, (did.users.get(sub) ?? 0) + 1);
    ws.once('close', () => {
      did.open--;
      const left = did.users.get(sub) - 1;
      if (left === 0) did.users.delete(sub);
      else did.users.set(sub, left);
    });
  });
  const send = (envelope) => {
    if (ws.readyState !== WebSocket.OPEN) return;
    if (envelope.t === 'publish') did.publishes++;
    ws.send(codec.encode(envelope));
  };
  ws.on('message', (data, isBinary) => {
    const envelope = codec.decodeFromServer(isBinary ? new Uint8Array(data) : data.toString('utf8'), isBinary);
    if (envelope.t === 'welcome') onOpen?.(send, ws);
    if (envelope.t === 'request' && !mute) send({ t: 'reply', id: envelope.id, ok: true, data: { here: true } });
    if (envelope.t === 'ping') send({ t: 'pong', ts: envelope.ts });
  });
  ws.on('error', () => {});
  ws.on('close', () => sockets.delete(ws));
  return ws;
}

function every(ms, fn) {
  timers.push(
    setInterval(() => {
      if (!stopping) fn();
    }, ms),
  );
}

// Members: both codecs, in a presence room and a drop-policy room.
function member(codec, sub) {
  let send = () => {};
  const ws = client(codec, sub, {
    onOpen: (s) => {
      send = s;
      send({ t: 'join', id: nextId++, room: 'lobby', presence: true });
      send({ t: 'join', id: nextId++, room: 'drop:feed' });
    },
  });
  return { ws, send: (e) => send(e) };
}
const members = [
  member(jsonCodec, 'ann'),
  member(jsonCodec, 'ben'),
  member(msgpackCodec, 'cat'),
  member(msgpackCodec, 'dan'),
];

every(100, () => {
  const m = members[Math.floor(Math.random() * members.length)];
  m.send({ t: 'publish', id: nextId++, room: 'lobby', event: 'chat', data: { text: 'hello', at: Date.now() } });
});
every(250, () => {
  for (const m of members) m.send({ t: 'request', id: nextId++, name: 'echo', data: { n: nextId } });
});
every(2000, () => {
  members[0].send({ t: 'request', id: nextId++, name: 'boom' });
  members[2].send({ t: 'event', event: 'ask-me' });
  members[1].send({ t: 'ping', ts: Date.now() });
});
// Churn: one member leaves and comes back, alternating codecs.
let churn = 0;
every(1500, () => {
  const i = churn++ % members.length;
  const codec = i < 2 ? jsonCodec : msgpackCodec;
  members[i].ws.close(1000);
  members[i] = member(codec, `churn-${i}`);
});
// Auth failures: a bad token and a missing token.
every(1000, () => {
  for (const target of [`${url}?token=not-a-jwt`, url]) {
    const ws = new WebSocket(target, [SUBPROTOCOL_JSON]);
    ws.on('error', () => {});
    ws.on('unexpected-response', (req) => req.destroy());
  }
});
// A server request nobody answers: ack timeouts.
client(jsonCodec, 'mute', { mute: true, onOpen: (send) => every(1000, () => send({ t: 'event', event: 'ask-me' })) });
// A burst over the rate limit, from a fresh connection each time.
every(5000, () => {
  client(msgpackCodec, 'bursty', {
    onOpen: (send, ws) => {
      for (let i = 0; i < 250; i++) send({ t: 'event', event: 'typing', data: { i } });
      setTimeout(() => ws.close(1000), 500);
    },
  });
});
// A handler that never settles: its requests stay in flight while this connection stays open.
client(jsonCodec, 'hung', {
  onOpen: (send) => {
    for (let i = 0; i < HUNG_REQUESTS; i++) send({ t: 'request', id: nextId++, name: 'hang' });
    did.hung = HUNG_REQUESTS;
  },
});
// The backend HTTP API: a publish every 500 ms, a wrong key every 2 s.
async function api(key) {
  const res = await fetch(`http://${HOST}:${port}/v1/publish`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ room: 'lobby', event: 'news', data: { at: Date.now() } }),
  });
  await res.arrayBuffer();
  return res.status;
}
every(500, () => {
  did.httpOk++;
  void api(API_KEY).then((status) => status === 200 || console.error(`serve-with-traffic: API answered ${status}`));
});
every(2000, () => {
  did.httpBadKey++;
  void api('not-the-key').then(
    (status) => status === 401 || console.error(`serve-with-traffic: bad key got ${status}`),
  );
});
// Slow consumers: join a firehose room and stop reading for 6 s, then read for 2 s, leave and
// come back. Big publishes fill their send buffers. In `firehose` (policy close) they get closed
// with 4201; in `drop:firehose` they are paused and miss messages, counted as they are skipped.
// Each pause starts on a fresh connection: the kernel grows a socket's receive buffer (up to
// net.ipv4.tcp_rmem, 32 MiB here) while the application reads, and a grown buffer would absorb
// seconds of firehose before the server ever saw backpressure.
function slowConsumer(room) {
  const dropRoom = room.startsWith('drop:');
  client(jsonCodec, `slow-${room}`, {
    onOpen: (send, ws) => {
      send({ t: 'join', id: nextId++, room });
      ws.pause();
      if (dropRoom) did.dropPausedSince = Date.now();
      // The server may close a close-policy reader while it is paused; it learns so on resume.
      else did.uncertain++;
      setTimeout(() => {
        if (dropRoom) did.dropPausedSince = 0;
        else did.uncertain--;
        if (ws.readyState !== WebSocket.OPEN) return;
        ws.resume();
        setTimeout(() => ws.close(1000), 2000);
      }, 6000);
    },
  }).on('close', () => {
    if (!stopping) setTimeout(() => slowConsumer(room), 200);
  });
}
slowConsumer('firehose');
slowConsumer('drop:firehose');
const blob = 'x'.repeat(32 * 1024);
client(msgpackCodec, 'firehose', {
  onOpen: (send) =>
    every(25, () => {
      send({ t: 'publish', room: 'firehose', event: 'blob', data: blob });
      send({ t: 'publish', room: 'drop:firehose', event: 'blob', data: blob });
    }),
});

/** `CLIENT KILL TYPE pubsub` on a raw socket; resolves with how many clients Redis closed. */
function killSubscribers(redisUrl) {
  const { hostname, port } = new URL(redisUrl);
  return new Promise((resolve, reject) => {
    const socket = connectTcp(Number(port || 6379), hostname, () => socket.write('CLIENT KILL TYPE pubsub\r\n'));
    socket.setTimeout(2000, () => socket.destroy(new Error('no reply to CLIENT KILL')));
    socket.once('data', (reply) => {
      socket.end();
      const killed = /^:(\d+)\r\n/.exec(reply.toString('latin1'));
      if (killed) resolve(Number(killed[1]));
      else reject(new Error(`CLIENT KILL answered ${JSON.stringify(reply.toString('latin1'))}`));
    });
    socket.once('error', reject);
  });
}
// The broker's link drops and comes back: the reconnect counter and the link gauge move.
if (REDIS_URL) {
  every(10_000, () => {
    killSubscribers(REDIS_URL).then(
      (killed) => {
        if (killed === 0) return;
        did.redisKills++;
        did.lastRedisKill = Date.now();
      },
      (error) => console.error(`serve-with-traffic: ${error.message}`),
    );
  });
}

timers.push(setInterval(snapshot, 50));
const driverPort = await freePort();
const driver = createHttpServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ hungRequests: HUNG_REQUESTS, cluster: Boolean(REDIS_URL), history }));
}).listen(driverPort, HOST);

writeFileSync(
  args.state,
  `METRICS_TARGET=${HOST}:${metricsPort}\nMETRICS_PATH=/metrics\nDRIVER_URL=http://${HOST}:${driverPort}/\n`,
);
console.log(`serve-with-traffic: ws ${url}, metrics http://${HOST}:${metricsPort}/metrics`);

async function stop(code) {
  if (stopping) return;
  stopping = true;
  for (const t of timers) clearInterval(t);
  for (const ws of sockets) ws.terminate();
  driver.close();
  await server.close({ graceMs: 1000 });
  process.exit(code);
}
process.on('SIGTERM', () => void stop(0));
process.on('SIGINT', () => void stop(0));
setTimeout(() => void stop(0), Number(args['max-sec']) * 1000).unref();
