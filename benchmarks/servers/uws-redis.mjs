// Raw uWebSockets.js pub/sub across nodes with one Redis PUBLISH per message: the floor of a
// Redis-backed cluster on this stack. A publish goes to the local topic (`app.publish`) and to
// the room's Redis channel; every node subscribes to a room's channel while it has a local
// subscriber and forwards what other nodes published to its topic. Each Redis message starts
// with the 4-byte id of the node that sent it, so a node skips its own. Same URL scheme as
// uws-raw.mjs (`?room=r`, `&sub=1`); no envelope, no auth.
import { randomBytes } from 'node:crypto';
import { createClient } from '@redis/client';
import { announce, exitOnSignal, loadNativeUws, serverArgs } from './common.mjs';

const args = serverArgs({
  'redis-url': { type: 'string' },
  'redis-prefix': { type: 'string', default: 'uwsbench' },
});
if (!args['redis-url']) {
  process.stderr.write('uws-redis: --redis-url is required\n');
  process.exit(2);
}
const uWS = await loadNativeUws();
const NODE = randomBytes(4);
const channel = (room) => `${args['redis-prefix']}:${room}`;
const pub = createClient({ url: args['redis-url'] });
const sub = pub.duplicate();
await Promise.all([pub.connect(), sub.connect()]);

const app = uWS.App();
const localSubs = new Map(); // room -> local subscriber count
const onRedis = (message, ch) => {
  if (message.readUInt32LE(0) === NODE.readUInt32LE(0)) return;
  app.publish(ch.toString().slice(args['redis-prefix'].length + 1), message.subarray(4), false);
};

app.ws('/*', {
  compression: uWS.DISABLED,
  maxPayloadLength: 64 * 1024,
  maxBackpressure: 4 * 1024 * 1024,
  idleTimeout: 120,
  upgrade: (res, req, context) => {
    const query = new URLSearchParams(req.getQuery() ?? '');
    res.upgrade(
      { room: query.get('room') ?? '', sub: query.get('sub') === '1' },
      req.getHeader('sec-websocket-key'),
      req.getHeader('sec-websocket-protocol'),
      req.getHeader('sec-websocket-extensions'),
      context,
    );
  },
  open: (ws) => {
    const { room, sub: isSub } = ws.getUserData();
    if (!isSub) return;
    ws.subscribe(room);
    const n = localSubs.get(room) ?? 0;
    localSubs.set(room, n + 1);
    if (n === 0) void sub.subscribe(channel(room), onRedis, true);
  },
  close: (ws) => {
    const data = ws.getUserData();
    data.closed = true;
    if (!data.sub) return;
    const n = (localSubs.get(data.room) ?? 1) - 1;
    if (n > 0) localSubs.set(data.room, n);
    else {
      localSubs.delete(data.room);
      void sub.unsubscribe(channel(data.room), onRedis, true);
    }
  },
  message: (ws, message, isBinary) => {
    const data = ws.getUserData();
    if (data.sub) ws.publish(data.room, message, isBinary);
    else app.publish(data.room, message, isBinary);
    // The ArrayBuffer is only valid inside this callback: the concat copies it.
    void pub.publish(channel(data.room), Buffer.concat([NODE, Buffer.from(message)]));
  },
});
app.listen('127.0.0.1', 0, (token) => {
  if (!token) {
    process.stderr.write('uws-redis: listen failed\n');
    process.exit(1);
  }
  announce(uWS.us_socket_local_port(token));
  exitOnSignal(() => {
    uWS.us_listen_socket_close(token);
    void pub.quit().catch(() => {});
    void sub.quit().catch(() => {});
  });
});
