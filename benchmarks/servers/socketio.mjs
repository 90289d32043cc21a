// Socket.IO 4, websocket transport only, on its default engine (`ws` over node:http) or
// attached to uWebSockets.js with `io.attachApp` (its fastest mode: rooms become uWS topics).
// With `--redis-url`, nodes share rooms through `@socket.io/redis-adapter` on a `redis` client,
// set up as the adapter documents it.
import { createServer } from 'node:http';
import { Server } from 'socket.io';
import { announce, exitOnSignal, loadNativeUws, serverArgs } from './common.mjs';

const args = serverArgs({ engine: { type: 'string', default: 'default' }, 'redis-url': { type: 'string' } });
const io = new Server({ transports: ['websocket'], serveClient: false, perMessageDeflate: false });
const redisClients = [];
if (args['redis-url']) {
  const { createClient } = await import('redis');
  const { createAdapter } = await import('@socket.io/redis-adapter');
  const pubClient = createClient({ url: args['redis-url'] });
  const subClient = pubClient.duplicate();
  await Promise.all([pubClient.connect(), subClient.connect()]);
  redisClients.push(pubClient, subClient);
  io.adapter(createAdapter(pubClient, subClient));
}
const quitRedis = () => redisClients.forEach((c) => void c.quit().catch(() => {}));
io.on('connection', (socket) => {
  socket.on('join', (room, ack) => {
    void socket.join(room);
    if (typeof ack === 'function') ack(true);
  });
  // io.to(room) (not socket.to) keeps Socket.IO on its uWS fast publish path.
  socket.on('pub', (room, data) => {
    io.to(room).emit('m', data);
  });
  socket.on('echo', (data, ack) => {
    if (typeof ack === 'function') ack(data);
  });
});

if (args.engine === 'uws') {
  const uWS = await loadNativeUws();
  const app = uWS.App();
  io.attachApp(app);
  app.listen('127.0.0.1', 0, (token) => {
    if (!token) process.exit(1);
    announce(uWS.us_socket_local_port(token));
    exitOnSignal(() => {
      uWS.us_listen_socket_close(token);
      quitRedis();
    });
  });
} else if (args.engine === 'default') {
  const http = createServer();
  io.attach(http);
  http.listen(0, '127.0.0.1', () => {
    announce(http.address().port);
    exitOnSignal(() => {
      http.close();
      quitRedis();
    });
  });
} else {
  process.stderr.write(`unknown --engine ${args.engine}\n`);
  process.exit(2);
}
