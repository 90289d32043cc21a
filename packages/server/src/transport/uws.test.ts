import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import net from 'node:net';
import uWS from 'uWebSockets.js';
import WebSocket from 'ws';
import { createServer } from '../server.js';
import { signToken } from '../auth/index.js';
import { RawClient, eventually, sleep, upgradeStatus } from '../test-support/raw-client.js';
import { createUwsTransport } from './uws.js';
import type { SendResult, TransportHandlers, TransportSocket, UpgradeDecision } from './types.js';

type State = { id: number };

function handlers(overrides: Partial<TransportHandlers<State>> = {}): TransportHandlers<State> {
  return {
    upgrade: (): UpgradeDecision<State> => ({ accept: true, protocol: '', data: { id: 1 } }),
    open: () => {},
    message: () => {},
    drain: () => {},
    close: () => {},
    http: () => undefined,
    failed: (where, error) => {
      throw new Error(`unexpected handler failure in ${where}`, { cause: error });
    },
    ...overrides,
  };
}

const settings = {
  path: '/ws',
  httpRoutes: ['/healthz'],
  maxPayload: 65_536,
  maxBackpressure: 64 * 1024,
  idleTimeoutSec: 0,
  proxyHeader: '',
};

const stops: (() => void)[] = [];
afterEach(() => {
  for (const stop of stops.splice(0)) stop();
});

async function start(h: TransportHandlers<State>): Promise<number> {
  const transport = createUwsTransport<State>(settings);
  transport.serve(h);
  const port = await transport.listen('127.0.0.1', 0);
  stops.push(() => transport.stopListening());
  return port;
}

describe('uWS transport rules', () => {
  it('reports a throwing handler once through failed(), with the socket state, and keeps serving', async () => {
    const failures: [string, unknown, State | undefined][] = [];
    let opened: TransportSocket | undefined;
    const port = await start(
      handlers({
        open: (socket) => {
          opened = socket;
        },
        message: (_data, frame) => {
          if (Buffer.from(frame).toString() === 'boom') throw new Error('message handler broke');
          opened?.send('still here', false);
        },
        http: () => {
          throw new Error('http handler broke');
        },
        failed: (where, error, data) => failures.push([where, error, data]),
      }),
    );
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
    await new Promise((resolve) => ws.once('open', resolve));
    const answer = new Promise((resolve) => ws.once('message', (m: Buffer) => resolve(m.toString())));
    ws.send('boom');
    ws.send('fine');
    // Frames on one socket are handled in order: the answer to the second proves the first was handled.
    expect(await answer).toBe('still here');
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(res.status).toBe(500);
    expect(failures.map(([where, error, data]) => [where, (error as Error).message, data])).toEqual([
      ['message', 'message handler broke', { id: 1 }],
      ['http', 'http handler broke', undefined],
    ]);
    expect(ws.readyState).toBe(WebSocket.OPEN);
    ws.close();
  });

  it('never touches a response aborted while an asynchronous upgrade decision was pending', async () => {
    let decided = 0;
    const port = await start(
      handlers({
        upgrade: async () => {
          await sleep(50);
          decided++;
          return { accept: false, status: 401, body: 'missing_token' };
        },
        http: () => ({ status: 200, contentType: 'text/plain', body: 'ok' }),
      }),
    );
    const request =
      `GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`;
    await Promise.all(
      Array.from(
        { length: 50 },
        () =>
          new Promise<void>((resolve) => {
            const s = net.connect(port, '127.0.0.1', () => s.write(request, () => s.destroy()));
            s.on('close', () => resolve());
            s.on('error', () => resolve());
          }),
      ),
    );
    for (let i = 0; i < 100 && decided < 50; i++) await sleep(10);
    expect(decided).toBe(50);
    // The process is alive and the transport still answers.
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    expect((await upgradeStatus(`ws://127.0.0.1:${port}/ws`)).status).toBe(401);
  });

  it('releases an accepted upgrade whose client went away while the decision was pending', async () => {
    const closed: string[] = [];
    let opened = 0;
    let decided = false;
    const port = await start(
      handlers({
        upgrade: async () => {
          await sleep(100);
          decided = true;
          return { accept: true, protocol: '', data: { id: 7 } };
        },
        open: () => opened++,
        close: (data, code, message) => closed.push(`${data.id} ${code} ${message}`),
      }),
    );
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
    ws.on('error', () => {});
    await sleep(20);
    ws.terminate();
    await eventually('the abandoned upgrade to be released', () => closed.length === 1);
    expect(decided).toBe(true);
    expect(closed).toEqual(['7 1006 upgrade abandoned']);
    expect(opened).toBe(0);
  });

  it('hands the frame over inside `message`: uWS neuters it when the callback returns', async () => {
    const seen: { during: number; after: Promise<number> }[] = [];
    const port = await start(
      handlers({
        message: (_state, frame) => {
          seen.push({ during: frame.byteLength, after: new Promise((r) => setImmediate(() => r(frame.byteLength))) });
        },
      }),
    );
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
    await new Promise((r) => ws.once('open', r));
    ws.send('hello');
    for (let i = 0; i < 100 && seen.length === 0; i++) await sleep(10);
    expect(seen[0]!.during).toBe(5);
    expect(await seen[0]!.after).toBe(0);
    ws.close();
  });

  it('corks synchronously inside `message` and outside it, for the receiving socket and others', async () => {
    const sockets = new Map<number, TransportSocket>();
    let next = 0;
    const inline: boolean[] = [];
    const port = await start(
      handlers({
        upgrade: (): UpgradeDecision<State> => ({ accept: true, protocol: '', data: { id: next++ } }),
        open: (socket, state) => void sockets.set(state.id, socket),
        message: (state) => {
          for (const id of [state.id, 1 - state.id]) {
            let ran = false;
            sockets.get(id)!.cork(() => {
              ran = true;
              sockets.get(id)!.send(`a${id}`, false);
              sockets.get(id)!.send(`b${id}`, false);
            });
            inline.push(ran);
          }
          setImmediate(() => sockets.get(state.id)!.cork(() => sockets.get(state.id)!.send(`c${state.id}`, false)));
        },
      }),
    );
    const received: string[][] = [[], []];
    const clients: WebSocket[] = [];
    for (const id of [0, 1]) {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
      await new Promise((r) => ws.once('open', r));
      ws.on('message', (data: Buffer) => received[id]!.push(data.toString()));
      clients.push(ws);
    }
    clients[0]!.send('go');
    for (let i = 0; i < 100 && received[0]!.length + received[1]!.length < 5; i++) await sleep(10);
    expect(inline).toEqual([true, true]);
    expect(received).toEqual([
      ['a0', 'b0', 'c0'],
      ['a1', 'b1'],
    ]);
    for (const ws of clients) ws.close();
  });

  it('reports send results (backpressure, then dropped) and ignores calls after close', async () => {
    let socket: TransportSocket | undefined;
    const results: SendResult[] = [];
    let closed = false;
    const port = await start(
      handlers({
        open: (s) => {
          socket = s;
        },
        close: () => {
          closed = true;
        },
      }),
    );
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
    await new Promise((r) => ws.once('open', r));
    // Stop reading so the server's send buffer fills.
    (ws as unknown as { _socket: net.Socket })._socket.pause();
    for (let i = 0; i < 100 && !socket; i++) await sleep(10);
    const chunk = new Uint8Array(32 * 1024);
    for (let i = 0; i < 4000 && !results.includes('dropped'); i++) {
      socket!.cork(() => results.push(socket!.send(chunk, true)));
      if (i % 50 === 0) await sleep(1);
    }
    expect(results[0]).toBe('ok');
    expect(results).toContain('backpressure');
    expect(results.at(-1)).toBe('dropped');
    expect(socket!.bufferedAmount()).toBeGreaterThan(settings.maxBackpressure);
    socket!.end(4201, 'slow consumer');
    expect(closed).toBe(true);
    expect(socket!.closed).toBe(true);
    expect(socket!.send(chunk, true)).toBe('closed');
    expect(() => {
      socket!.subscribe('t');
      socket!.publish('t', 'x', false);
      socket!.end(1000, '');
    }).not.toThrow();
    ws.terminate();
  });
});

describe('embedding in an existing uWS app', () => {
  it('adds /ws, /healthz, /readyz, /metrics next to the app routes and leaves the rest alone', async () => {
    const app = uWS.App();
    app.get('/hello', (res) => {
      res.end('hello from the app');
    });
    const secret = 'embedded-secret-0123456789abcdef';
    const server = createServer({ app, auth: { secret }, logLevel: 'silent' });
    server.onRequest('ping', () => 'pong');
    const token = await new Promise<uWS.us_listen_socket>((resolve, reject) =>
      app.listen('127.0.0.1', 0, (t) => (t ? resolve(t) : reject(new Error('listen failed')))),
    );
    const port = uWS.us_socket_local_port(token);
    try {
      const base = `http://127.0.0.1:${port}`;
      expect(await (await fetch(`${base}/hello`)).text()).toBe('hello from the app');
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      expect((await fetch(`${base}/metrics`)).status).toBe(200);
      const c = await RawClient.connect(`ws://127.0.0.1:${port}/ws`, { token: signToken({ sub: 'emb' }, { secret }) });
      expect(await c.call((id) => ({ t: 'request', id, name: 'ping' }))).toMatchObject({ ok: true, data: 'pong' });
      await server.close({ graceMs: 500 });
      expect((await c.closed).code).toBe(1001);
      // The app's own listener and routes are untouched by the server's shutdown.
      expect(await (await fetch(`${base}/hello`)).text()).toBe('hello from the app');
      expect((await fetch(`${base}/readyz`)).status).toBe(503);
    } finally {
      uWS.us_listen_socket_close(token);
    }
  });
});

describe('an embedded app with the 404 line from docs/server.md', () => {
  const NOT_FOUND_LINE = "app.any('/*', (res) => void res.writeStatus('404 Not Found').end('not found'));";

  it('is the line the docs show', () => {
    const docs = readFileSync(fileURLToPath(new URL('../../../../docs/server.md', import.meta.url)), 'utf8');
    expect(docs).toContain(NOT_FOUND_LINE);
  });

  it('answers 404 for unknown paths, while the app routes, /healthz and /ws keep working', async () => {
    const app = uWS.App();
    app.get('/api/hello', (res) => {
      res.end('hello');
    });
    const secret = 'embedded-secret-0123456789abcdef';
    const server = createServer({ app, auth: { secret }, logLevel: 'silent' });
    // The documented line, registered after Switchyard's routes, as in the docs.
    app.any('/*', (res) => void res.writeStatus('404 Not Found').end('not found'));
    const token = await new Promise<uWS.us_listen_socket>((resolve, reject) =>
      app.listen('127.0.0.1', 0, (t) => (t ? resolve(t) : reject(new Error('listen failed')))),
    );
    const base = `127.0.0.1:${uWS.us_socket_local_port(token)}`;
    try {
      const unknown = await fetch(`http://${base}/nope`);
      expect(unknown.status).toBe(404);
      expect(await unknown.text()).toBe('not found');
      expect((await fetch(`http://${base}/api/hello`, { method: 'POST' })).status).toBe(404);
      expect(await (await fetch(`http://${base}/api/hello`)).text()).toBe('hello');
      expect((await fetch(`http://${base}/healthz`)).status).toBe(200);
      const c = await RawClient.connect(`ws://${base}/ws`, { token: signToken({ sub: 'emb' }, { secret }) });
      await server.close({ graceMs: 500 });
      expect((await c.closed).code).toBe(1001);
    } finally {
      uWS.us_listen_socket_close(token);
    }
  });
});

describe('listening on a fixed port', () => {
  async function freePort(): Promise<number> {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as net.AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    return port;
  }

  it('refuses a second listener on a busy port instead of sharing it', async () => {
    const port = await freePort();
    const first = createUwsTransport<State>(settings);
    first.serve(handlers());
    await first.listen('127.0.0.1', port);
    stops.push(() => first.stopListening());
    const second = createUwsTransport<State>(settings);
    second.serve(handlers());
    await expect(second.listen('127.0.0.1', port)).rejects.toThrow(`could not listen on 127.0.0.1:${port}`);
  });

  it('binds the same port again right after a shutdown that left connections in TIME_WAIT', async () => {
    const port = await freePort();
    const secret = 's'.repeat(32);
    const before = createServer({ auth: { secret }, logLevel: 'silent' });
    await before.listen(port, '127.0.0.1');
    const clients = await Promise.all(
      [1, 2, 3].map(async (n) => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?token=${signToken({ sub: `u${n}` }, { secret })}`);
        await new Promise((resolve) => ws.once('message', resolve));
        return ws;
      }),
    );
    const closed = clients.map((ws) => new Promise((resolve) => ws.once('close', resolve)));
    await before.close({ graceMs: 2_000 });
    await Promise.all(closed);

    const after = createServer({ auth: { secret }, logLevel: 'silent' });
    await expect(after.listen(port, '127.0.0.1')).resolves.toEqual({ port, host: '127.0.0.1' });
    await after.close();
  });
});
