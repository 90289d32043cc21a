/**
 * Switchyard on a plain `node:http` server: the request listener gives Switchyard its HTTP routes
 * (`/healthz`, `/readyz`, `/metrics`, the `/v1/` API) first and answers the rest itself;
 * Switchyard takes the WebSocket upgrades on `/ws`.
 *
 *   npm run build -w @switchyard/example-node-http && node examples/node-http/dist/server.js
 */
import { randomBytes } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createServer, signToken, type SwitchyardServer } from '@switchyard/server';

/** A running example: its base URL and how to stop it. */
export interface RunningApp {
  readonly url: string;
  close(): Promise<void>;
}

/** The whole realtime part: `chat:send` relays a message to a room and acknowledges it. */
function registerChat(switchyard: SwitchyardServer): void {
  switchyard.onRequest('chat:send', (ctx, { room, text }: { room: string; text: string }) => {
    switchyard.to(room).emit('message', { from: ctx.userId, text });
    return { sent: true };
  });
}

/** Starts the node:http app with Switchyard on `port` (0: a free one). */
export async function startNodeHttpApp(port = 3000, host = '127.0.0.1'): Promise<RunningApp> {
  const secret = randomBytes(32).toString('hex');
  const http = createHttpServer((req, res) => {
    handler(req, res, () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (req.method === 'GET' && url.pathname === '/hello') {
        res.end('hello from node:http');
      } else if (req.method === 'POST' && url.pathname === '/token') {
        // A real app checks its session here; the demo trusts the name.
        const sub = url.searchParams.get('name') ?? 'guest';
        res.writeHead(200, { 'content-type': 'text/plain' }).end(signToken({ sub }, { secret, expiresIn: '1h' }));
      } else {
        res.writeHead(404).end('not found');
      }
    });
  });
  const switchyard = createServer({ server: http, path: '/ws', auth: { secret }, logLevel: 'warn' });
  const handler = switchyard.httpHandler();
  registerChat(switchyard);

  await new Promise<void>((resolve) => http.listen(port, host, resolve));
  const bound = (http.address() as AddressInfo).port;
  return {
    url: `http://${host}:${bound}`,
    close: async () => {
      await switchyard.close({ graceMs: 1000 });
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

if (process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { url } = await startNodeHttpApp(Number(process.env['PORT'] ?? 3000));
  console.log(`node:http with Switchyard on ${url} (WebSocket: ${url.replace('http', 'ws')}/ws)`);
}
