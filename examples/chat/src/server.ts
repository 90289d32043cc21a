/**
 * The chat backend: one Node HTTP server that serves the page (bundled from page.ts with esbuild
 * at start-up) and issues tokens at `POST /token?name=<user name>`, next to a Switchyard server
 * that carries the chat. A real app would check a session before issuing a token; this one trusts
 * the name it is given, which is fine for a demo on loopback.
 *
 *   npm run example:chat          (from the repository root)
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { createServer, RpcError, signToken } from '@switchyard/server';
import { MAX_TEXT, type ChatContract } from './contract.js';

/** A running chat: its page URL and how to stop it. */
export interface RunningChat {
  readonly url: string;
  close(): Promise<void>;
}

const NAME = /^[A-Za-z0-9_-]{1,20}$/;

/** Starts the page server on `port` and Switchyard on the next free port. */
export async function startChat(port = 3000, host = '127.0.0.1'): Promise<RunningChat> {
  const secret = randomBytes(32).toString('base64url');
  const bundle = await build({
    entryPoints: [fileURLToPath(new URL('../src/page.ts', import.meta.url))],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    logLevel: 'silent',
  });
  const script = bundle.outputFiles[0]?.text ?? '';

  let wsUrl = '';
  const http: HttpServer = createHttpServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'POST' && url.pathname === '/token') {
      const name = url.searchParams.get('name') ?? '';
      if (!NAME.test(name)) {
        res.writeHead(400, { 'content-type': 'text/plain' }).end('name: 1-20 letters, digits, _ or -');
        return;
      }
      // The user name is the token's `sub`: the server stamps it on every message and presence entry.
      res
        .writeHead(200, { 'content-type': 'text/plain' })
        .end(signToken({ sub: name, rooms: ['chat:*'] }, { secret, expiresIn: '1h' }));
    } else if (req.method === 'GET' && url.pathname === '/app.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    } else if (req.method === 'GET' && url.pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page(wsUrl));
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
  await new Promise<void>((resolve) => http.listen(port, host, resolve));
  const address = http.address();
  const httpPort = typeof address === 'object' && address !== null ? address.port : port;
  const origin = `http://${host}:${httpPort}`;

  const chat = createServer<ChatContract>({
    auth: { secret, allowQueryToken: false },
    allowedOrigins: [origin, `http://localhost:${httpPort}`],
    logLevel: 'warn',
  });
  chat.onRequest('chat:send', (ctx, { room, text }) => {
    if (!ctx.conn.rooms.has(room)) throw new RpcError('FORBIDDEN', 'join the room first');
    const trimmed = text.trim();
    if (trimmed === '' || trimmed.length > MAX_TEXT) throw new RpcError('BAD_REQUEST', `1-${MAX_TEXT} characters`);
    const id = randomUUID();
    chat.to(room).emit('message', { id, from: ctx.userId, text: trimmed });
    return { id };
  });
  chat.onEvent('typing', (ctx, { room }) => {
    if (ctx.conn.rooms.has(room)) chat.to(room).except(ctx.conn).emit('typing', { from: ctx.userId });
  });
  const listening = await chat.listen(0, host);
  wsUrl = `ws://${host}:${listening.port}/ws`;

  return {
    url: `${origin}/`,
    close: async () => {
      await chat.close({ graceMs: 1_000 });
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

function page(wsUrl: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Switchyard chat</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  [hidden] { display: none !important; }
  body { margin: 0; font: 15px/1.4 system-ui, sans-serif; display: flex; flex-direction: column; height: 100vh; }
  header { padding: 8px 12px; background: #1f2937; color: #fff; display: flex; justify-content: space-between; }
  #messages { list-style: none; margin: 0; padding: 8px 12px; flex: 1; overflow-y: auto; }
  #messages li { padding: 3px 0; }
  #messages li.notice { color: #6b7280; font-style: italic; }
  #typing { height: 1.4em; padding: 0 12px; color: #6b7280; font-size: 13px; }
  form { display: flex; gap: 6px; padding: 8px; background: #e5e7eb; }
  input { flex: 1; padding: 6px 8px; border: 1px solid #9ca3af; border-radius: 4px; }
  button { padding: 6px 14px; border: 0; border-radius: 4px; background: #2563eb; color: #fff; }
</style></head>
<body data-ws-url="${wsUrl}">
<header><strong>#lobby</strong><span id="status">not connected</span><span id="count"></span></header>
<ul id="messages"></ul>
<div id="typing"></div>
<form id="login"><input id="name" placeholder="Your name" autocomplete="off" autofocus><button>Join</button></form>
<form id="send" hidden><input id="text" placeholder="Message" autocomplete="off"><button>Send</button></form>
<script type="module" src="/app.js"></script>
</body></html>`;
}

function invokedDirectly(): boolean {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (invokedDirectly()) {
  const running = await startChat(Number(process.env['PORT'] ?? 3000));
  process.stderr.write(`chat example: open ${running.url} in two browser windows\n`);
  const stop = (): void => void running.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
