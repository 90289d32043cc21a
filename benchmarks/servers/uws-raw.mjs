// Raw uWebSockets.js pub/sub: the ceiling of this stack. No envelope, no auth.
// `?room=r` picks the topic a socket publishes to; `&sub=1` also subscribes it.
// A publish reaches every subscriber of the topic but the sender, like Switchyard's:
// `ws.publish` for a subscribed sender, `app.publish` otherwise (on this build `ws.publish` from
// a socket subscribed to nothing reaches nobody). On `/echo` every message is sent back.
// With `--defer`, publishes made inside a `message` callback are queued and flushed from
// setImmediate, outside uWS's corked read. On `/subscribe` each message is a comma-separated list
// of topics the socket subscribes to, answered with `ok` (the idle scenario's room joins).
import { announce, exitOnSignal, loadNativeUws, serverArgs } from './common.mjs';

const args = serverArgs({ defer: { type: 'boolean', default: false } });
const uWS = await loadNativeUws();
const app = uWS.App();
const queue = [];
let scheduled = false;
const flush = () => {
  scheduled = false;
  const items = queue.splice(0);
  for (let i = 0; i < items.length; i += 3) {
    const data = items[i];
    const message = items[i + 2];
    // A socket closed since it published must not be touched.
    if (!data.closed) publish(items[i + 1], data, message, message.isBinary === true);
  }
};

const publish = (ws, data, message, isBinary) => {
  if (data.sub) ws.publish(data.room, message, isBinary);
  else app.publish(data.room, message, isBinary);
};

const wsOptions = (echo) => ({
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
    const data = ws.getUserData();
    if (data.sub) ws.subscribe(data.room);
  },
  close: (ws) => {
    ws.getUserData().closed = true;
  },
  message: echo
    ? (ws, message, isBinary) => {
        ws.send(message, isBinary);
      }
    : args.defer
      ? (ws, message, isBinary) => {
          const copy = Buffer.from(message.slice(0));
          copy.isBinary = isBinary;
          queue.push(ws.getUserData(), ws, copy);
          if (!scheduled) {
            scheduled = true;
            setImmediate(flush);
          }
        }
      : (ws, message, isBinary) => {
          publish(ws, ws.getUserData(), message, isBinary);
        },
});

app.ws('/echo', wsOptions(true));
app.ws('/subscribe', {
  compression: uWS.DISABLED,
  maxPayloadLength: 64 * 1024,
  maxBackpressure: 4 * 1024 * 1024,
  idleTimeout: 120,
  message: (ws, message) => {
    for (const topic of Buffer.from(message).toString().split(',')) ws.subscribe(topic);
    ws.send('ok');
  },
});
app.ws('/*', wsOptions(false));
app.listen('127.0.0.1', 0, (token) => {
  if (!token) {
    process.stderr.write('uws-raw: listen failed\n');
    process.exit(1);
  }
  announce(uWS.us_socket_local_port(token));
  exitOnSignal(() => uWS.us_listen_socket_close(token));
});
