// Switchyard as an application embeds it (uWS transport, or `--transport ws`): createServer() with JWT auth, an `echo` request
// handler, per-connection rate limits off (the load generator publishes far above them).
// With `--redis-url`, a node of a cluster sharing rooms through that Redis.
import { createServer } from '@switchyard/server';
import { announce, exitOnSignal, serverArgs } from './common.mjs';

const args = serverArgs({
  auth: { type: 'string', default: 'hs256' },
  secret: { type: 'string', default: 'switchyard-bench-secret-0123456789abcdef' },
  'public-key-file': { type: 'string' },
  metrics: { type: 'string', default: 'on' },
  'redis-url': { type: 'string' },
  'redis-prefix': { type: 'string', default: 'switchyard-bench' },
  // Rooms named `hist:*` keep history (the history scenario); other rooms are unchanged.
  history: { type: 'string', default: 'off' },
  // `ws`: the same server on the ws transport (its own Node HTTP server).
  transport: { type: 'string', default: 'uws' },
});

const auth =
  args.auth === 'hs256'
    ? { algorithms: ['HS256'], secret: args.secret }
    : args.auth === 'rs256'
      ? { algorithms: ['RS256'], publicKey: (await import('node:fs')).readFileSync(args['public-key-file'], 'utf8') }
      : { allowAnonymous: true };

const server = createServer({
  host: '127.0.0.1',
  transport: args.transport,
  auth,
  metrics: args.metrics === 'on',
  logLevel: 'silent',
  ...(args['redis-url'] ? { redis: { url: args['redis-url'], prefix: args['redis-prefix'] } } : {}),
  // The load generator publishes from clients: every room is open to client publishing (off by default).
  rooms: [
    ...(args.history === 'on'
      ? [{ pattern: 'hist:*', clientPublish: true, history: { size: 1000, ttlSec: 600 } }]
      : []),
    { pattern: '*', clientPublish: true },
  ],
  limits: {
    messagesPerSecond: 0,
    maxConnectionsPerIp: 0,
    maxConnectionsPerUser: 0,
    idleTimeoutSec: 120,
    maxBackpressure: 4 * 1024 * 1024,
  },
});
server.onRequest('echo', (_ctx, data) => data);
// `count` emits to `room` in one request handler (server-emit-burst.mjs): `inside` the handler,
// after an `await` in it, or `later` from a setImmediate (the shape off uWS's per-handler fan-out cliff).
server.onRequest('burst', async (_ctx, { room, count, mode }) => {
  const emitAll = () => {
    for (let i = 0; i < count; i++) server.to(room).emit('b', { i });
  };
  if (mode === 'later') setImmediate(emitAll);
  else if (mode === 'await') {
    await Promise.resolve();
    emitAll();
  } else emitAll();
  return count;
});
const { port } = await server.listen(0);
announce(port);
exitOnSignal(() => {
  void server.close();
});
