/**
 * Switchyard inside an Express app: one port, one HTTP server. Express keeps its routes,
 * Switchyard takes the WebSocket upgrades on `/ws` and mounts its HTTP routes (`/healthz`,
 * `/readyz`, `/metrics`, the `/v1/` API) as a middleware placed before any body parser.
 *
 *   npm run build -w @switchyard/example-express && node examples/express/dist/server.js
 */
import { randomBytes } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
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

/** Starts the Express app with Switchyard on `port` (0: a free one). */
export async function startExpressApp(port = 3000, host = '127.0.0.1'): Promise<RunningApp> {
  const secret = randomBytes(32).toString('hex');
  const app = express();
  const http = createHttpServer(app);
  const switchyard = createServer({ server: http, path: '/ws', auth: { secret }, logLevel: 'warn' });
  registerChat(switchyard);

  app.use(switchyard.httpHandler()); // before express.json(): it reads the API's bodies itself
  app.get('/hello', (_req, res) => {
    res.send('hello from Express');
  });
  // A real app checks its session here; the demo trusts the name.
  app.post('/token', (req, res) => {
    res
      .type('text/plain')
      .send(
        signToken(
          { sub: typeof req.query['name'] === 'string' ? req.query['name'] : 'guest' },
          { secret, expiresIn: '1h' },
        ),
      );
  });

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
  const { url } = await startExpressApp(Number(process.env['PORT'] ?? 3000));
  console.log(`Express with Switchyard on ${url} (WebSocket: ${url.replace('http', 'ws')}/ws)`);
}
