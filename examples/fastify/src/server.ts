/**
 * Switchyard inside a Fastify app: Switchyard attaches to `app.server` (Fastify's own Node
 * server) for the WebSocket upgrades on `/ws`, and an `onRequest` hook hands it its HTTP routes
 * (`/healthz`, `/readyz`, `/metrics`, the `/v1/` API) before Fastify parses any body.
 *
 *   npm run build -w @switchyard/example-fastify && node examples/fastify/dist/server.js
 */
import { randomBytes } from 'node:crypto';
import { realpathSync } from 'node:fs';
import Fastify from 'fastify';
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

/** Starts the Fastify app with Switchyard on `port` (0: a free one). */
export async function startFastifyApp(port = 3000, host = '127.0.0.1'): Promise<RunningApp> {
  const secret = randomBytes(32).toString('hex');
  const app = Fastify();
  const switchyard = createServer({ server: app.server, path: '/ws', auth: { secret }, logLevel: 'warn' });
  registerChat(switchyard);

  const handler = switchyard.httpHandler();
  app.addHook('onRequest', (req, reply, done) => {
    // Switchyard's paths are answered on the raw response; every other request goes on to Fastify.
    if (handler(req.raw, reply.raw, () => done())) reply.hijack();
  });
  app.get('/hello', () => Promise.resolve('hello from Fastify'));
  // A real app checks its session here; the demo trusts the name.
  app.post<{ Querystring: { name?: string } }>('/token', async (req, reply) => {
    void reply.type('text/plain');
    return signToken({ sub: req.query.name ?? 'guest' }, { secret, expiresIn: '1h' });
  });

  const address = await app.listen({ port, host });
  return {
    url: address,
    close: async () => {
      await switchyard.close({ graceMs: 1000 });
      await app.close();
    },
  };
}

if (process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { url } = await startFastifyApp(Number(process.env['PORT'] ?? 3000));
  console.log(`Fastify with Switchyard on ${url} (WebSocket: ${url.replace('http', 'ws')}/ws)`);
}
