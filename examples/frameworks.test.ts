/**
 * Each framework example started for real on a free port: the app's own route answers, the
 * health route Switchyard mounted answers, and two clients (@switchyard/client over `ws`) exchange
 * a message through a room with an acknowledged request.
 */
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createClient } from '@switchyard/client';
import { startExpressApp } from './express/src/server.js';
import { startFastifyApp } from './fastify/src/server.js';
import { startNodeHttpApp } from './node-http/src/server.js';

const stops: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

interface Message {
  from: string;
  text: string;
}

describe.each([
  ['Express', startExpressApp, 'hello from Express'],
  ['Fastify', startFastifyApp, 'hello from Fastify'],
  ['node:http', startNodeHttpApp, 'hello from node:http'],
])('%s example', (_name, start, hello) => {
  it('serves its own routes and Switchyard on one port, and carries a message between two clients', async () => {
    const app = await start(0, '127.0.0.1');
    stops.push(() => app.close());
    expect(await (await fetch(`${app.url}/hello`)).text()).toBe(hello);
    expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${app.url}/readyz`)).status).toBe(200);

    const token = async (name: string) => (await fetch(`${app.url}/token?name=${name}`, { method: 'POST' })).text();
    const wsUrl = `${app.url.replace('http', 'ws')}/ws`;
    const alice = createClient({ url: wsUrl, token: await token('alice'), WebSocket });
    const bob = createClient({ url: wsUrl, token: await token('bob'), WebSocket });
    stops.push(() => {
      alice.close();
      bob.close();
    });
    const received: Message[] = [];
    const room = bob.join('lobby');
    room.on('message', (message) => received.push(message as Message));
    await room.ready();

    const ack: unknown = await alice.request('chat:send', { room: 'lobby', text: 'hi Bob' }, { timeoutMs: 5_000 });
    expect(ack).toEqual({ sent: true });
    await expect.poll(() => received).toEqual([{ from: 'alice', text: 'hi Bob' }]);
  });
});
