// Socket.IO 4, websocket transport only, on its default engine (`ws` over node:http) or
// attached to uWebSockets.js with `io.attachApp` (its fastest mode: rooms become uWS topics).
import { createServer } from 'node:http';
import { Server } from 'socket.io';
import { announce, exitOnSignal, loadNativeUws, serverArgs } from './common.mjs';

const args = serverArgs({ engine: { type: 'string', default: 'default' } });
const io = new Server({ transports: ['websocket'], serveClient: false, perMessageDeflate: false });
io.on('connection', (socket) => {
  socket.on('join', (room, ack) => {
    socket.join(room);
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
    exitOnSignal(() => uWS.us_listen_socket_close(token));
  });
} else if (args.engine === 'default') {
  const http = createServer();
  io.attach(http);
  http.listen(0, '127.0.0.1', () => {
    announce(http.address().port);
    exitOnSignal(() => http.close());
  });
} else {
  process.stderr.write(`unknown --engine ${args.engine}\n`);
  process.exit(2);
}
