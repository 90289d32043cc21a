import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { SUBPROTOCOL_JSON } from '@switchyard/protocol';
import { createServer } from '../server.js';
import { signToken } from '../auth/index.js';
import { ConfigError } from '../config/config-error.js';
import { RawClient, eventually, sleep, upgradeStatus } from '../test-support/raw-client.js';
import { transportKind } from './select.js';
import { createWsTransport } from './ws.js';
import type { TransportHandlers, UpgradeDecision } from './types.js';

const SECRET = 's'.repeat(32);
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A plain node:http app with a route of its own, listening on a free port. */
async function appServer(route = '/hello'): Promise<{ server: http.Server; port: number }> {
  const server = http.createServer();
  server.on('request', (req, res) => {
    if (req.url === route) res.end('from the app');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  server.closeAllConnections();
  return { server, port: (server.address() as AddressInfo).port };
}

const token = (sub: string) => signToken({ sub }, { secret: SECRET });

describe('attaching to an existing Node HTTP server', () => {
  it('serves /ws on the app port and path while the app keeps its own routes', async () => {
    const { server, port } = await appServer();
    const switchyard = createServer({ server, path: '/realtime', auth: { secret: SECRET }, logLevel: 'silent' });
    cleanups.push(() => switchyard.close({ graceMs: 500 }));
    expect(switchyard.ready).toBe(true);
    switchyard.onRequest('echo', (_ctx, data: unknown) => data);

    const client = await RawClient.connect(`ws://127.0.0.1:${port}/realtime`, { token: token('alice') });
    expect(await client.call((id) => ({ t: 'request', id, name: 'echo', data: { n: 1 } }))).toMatchObject({
      ok: true,
      data: { n: 1 },
    });
    expect(await (await fetch(`http://127.0.0.1:${port}/hello`)).text()).toBe('from the app');
    expect((await upgradeStatus(`ws://127.0.0.1:${port}/realtime`, { protocols: [SUBPROTOCOL_JSON] })).status).toBe(
      401,
    );
    await client.close();
  });

  it('leaves upgrades on other paths to another listener', async () => {
    const { server, port } = await appServer();
    // (A WebSocketServer given `server` answers 400 to every path but its own: share with noServer.)
    const other = new WebSocketServer({ noServer: true });
    server.on('upgrade', (req: http.IncomingMessage, socket, head) => {
      if (req.url === '/other') other.handleUpgrade(req, socket, head, (ws) => ws.send('other'));
    });
    cleanups.push(() => other.close());
    const switchyard = createServer({ server, auth: { secret: SECRET }, logLevel: 'silent' });
    cleanups.push(() => switchyard.close({ graceMs: 500 }));
    const ws = new WebSocket(`ws://127.0.0.1:${port}/other`);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    ws.close();
    expect((await upgradeStatus(`ws://127.0.0.1:${port}/ws`)).status).toBe(401);
  });

  it('answers 404 to an upgrade on another path when it is the only upgrade listener', async () => {
    const { server, port } = await appServer();
    const switchyard = createServer({ server, auth: { secret: SECRET }, logLevel: 'silent' });
    cleanups.push(() => switchyard.close({ graceMs: 500 }));
    expect((await upgradeStatus(`ws://127.0.0.1:${port}/elsewhere`)).status).toBe(404);
  });

  it('refuses listen(): the app listens', async () => {
    const { server } = await appServer();
    const switchyard = createServer({ server, auth: { secret: SECRET }, logLevel: 'silent' });
    cleanups.push(() => switchyard.close({ graceMs: 500 }));
    await expect(switchyard.listen(0)).rejects.toThrow(/call listen\(\) on that server/);
  });

  it('closes its sockets with 1001 on close() and hands the app server back untouched', async () => {
    const { server, port } = await appServer();
    const switchyard = createServer({ server, auth: { secret: SECRET }, logLevel: 'silent' });
    const client = await RawClient.connect(`ws://127.0.0.1:${port}/ws`, { token: token('a') });
    await switchyard.close({ graceMs: 1000 });
    expect((await client.closed).code).toBe(1001);
    expect(server.listening).toBe(true);
    expect(server.listenerCount('upgrade')).toBe(0);
    expect(await (await fetch(`http://127.0.0.1:${port}/hello`)).text()).toBe('from the app');
  });
});

describe('httpHandler()', () => {
  it('answers its own routes and passes the rest to next (Express style)', async () => {
    const { server, port } = await appServer('/never');
    const switchyard = createServer({ server, auth: { secret: SECRET }, apiKey: 'k'.repeat(24), logLevel: 'silent' });
    cleanups.push(() => switchyard.close({ graceMs: 500 }));
    const handler = switchyard.httpHandler();
    server.removeAllListeners('request');
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      handler(req, res, () => res.writeHead(418).end('next'));
    });
    const base = `http://127.0.0.1:${port}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    expect(await (await fetch(`${base}/metrics`)).text()).toContain('switchyard_connections');
    expect((await fetch(`${base}/elsewhere`)).status).toBe(418);
    expect((await fetch(`${base}/ws`)).status).toBe(400);
    const published = await fetch(`${base}/v1/publish`, {
      method: 'POST',
      headers: { authorization: `Bearer ${'k'.repeat(24)}`, 'content-type': 'application/json' },
      body: JSON.stringify({ room: 'r', event: 'e', data: 1 }),
    });
    expect(published.status).toBe(200);
    expect((await fetch(`${base}/v1/publish`, { method: 'POST', body: '{}' })).status).toBe(401);
  });

  it('answers 413 and closes for a body past maxHttpBodyBytes', async () => {
    const { server, port } = await appServer('/never');
    const switchyard = createServer({
      server,
      auth: { secret: SECRET },
      apiKey: 'k'.repeat(24),
      limits: { maxHttpBodyBytes: 1024 },
      logLevel: 'silent',
    });
    cleanups.push(() => switchyard.close({ graceMs: 500 }));
    const handler = switchyard.httpHandler();
    server.removeAllListeners('request');
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => handler(req, res));
    const res = await fetch(`http://127.0.0.1:${port}/v1/publish`, {
      method: 'POST',
      headers: { authorization: `Bearer ${'k'.repeat(24)}`, 'content-type': 'application/json' },
      body: JSON.stringify({ room: 'r', event: 'e', data: 'x'.repeat(4096) }),
    });
    expect(res.status).toBe(413);
  });
});

describe('ws transport rules', () => {
  const settings = {
    path: '/ws',
    httpRoutes: [],
    maxPayload: 65_536,
    maxBackpressure: 64 * 1024,
    idleTimeoutSec: 0,
    proxyHeader: '',
  };
  function handlers(overrides: Partial<TransportHandlers<number>>): TransportHandlers<number> {
    return {
      upgrade: (): UpgradeDecision<number> => ({ accept: true, protocol: '', data: 1 }),
      open: () => {},
      message: () => {},
      drain: () => {},
      close: () => {},
      http: () => undefined,
      failed: () => {},
      ...overrides,
    };
  }

  it('releases an accepted upgrade whose socket went away while the decision was pending', async () => {
    const closed: string[] = [];
    let opened = 0;
    const transport = createWsTransport<number>(settings);
    transport.serve(
      handlers({
        upgrade: async () => {
          await sleep(100);
          return { accept: true, protocol: '', data: 7 };
        },
        open: () => opened++,
        close: (data, code, message) => closed.push(`${data} ${code} ${message}`),
      }),
    );
    const port = await transport.listen('127.0.0.1', 0);
    cleanups.push(() => transport.stopListening());
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
    ws.on('error', () => {});
    await sleep(20);
    ws.terminate();
    await eventually('the abandoned upgrade to be released', () => closed.length === 1);
    expect(closed).toEqual(['7 1006 upgrade abandoned']);
    expect(opened).toBe(0);
  });

  it('refuses permessage-deflate unless configured, and negotiates it when it is', async () => {
    for (const perMessageDeflate of [false, true]) {
      const transport = createWsTransport<number>(settings, { perMessageDeflate });
      let received = '';
      transport.serve(handlers({ message: (_d, frame) => (received = Buffer.from(frame).toString()) }));
      const port = await transport.listen('127.0.0.1', 0);
      cleanups.push(() => transport.stopListening());
      const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { perMessageDeflate: true });
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
      expect(ws.extensions).toBe(perMessageDeflate ? 'permessage-deflate' : '');
      ws.send('x'.repeat(2000));
      await eventually('the frame', () => received.length === 2000);
      ws.terminate();
    }
  });

  it('reports an oversize frame in the words the core classifies (1006, too big message)', async () => {
    const closes: string[] = [];
    const transport = createWsTransport<number>({ ...settings, maxPayload: 1024 });
    transport.serve(handlers({ close: (_d, code, message) => closes.push(`${code} ${message}`) }));
    const port = await transport.listen('127.0.0.1', 0);
    cleanups.push(() => transport.stopListening());
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const seen = new Promise<number>((resolve) => ws.once('close', resolve));
    ws.send('x'.repeat(4096));
    expect(await seen).toBe(1009);
    await eventually('the close', () => closes.length === 1);
    expect(closes[0]).toMatch(/^1006 .*too big message/i);
  });

  it('pings a silent socket and cuts it after the idle timeout', async () => {
    const closes: string[] = [];
    const transport = createWsTransport<number>({ ...settings, idleTimeoutSec: 1 });
    transport.serve(handlers({ close: (_d, code, message) => closes.push(`${code} ${message}`) }));
    const port = await transport.listen('127.0.0.1', 0);
    cleanups.push(() => transport.stopListening());
    // A client that answers pings stays; one that does not is cut.
    const answering = new WebSocket(`ws://127.0.0.1:${port}/ws`);
    const silent = new WebSocket(`ws://127.0.0.1:${port}/ws`, { autoPong: false });
    await Promise.all([answering, silent].map((ws) => new Promise((r) => ws.once('open', r))));
    let pinged = false;
    silent.on('ping', () => (pinged = true));
    await eventually('the silent socket to be cut', () => closes.length === 1, 4000);
    expect(pinged).toBe(true);
    expect(closes[0]).toMatch(/^1006 timed out from inactivity/i);
    expect(answering.readyState).toBe(WebSocket.OPEN);
    answering.terminate();
  });
});

describe('choosing the transport', () => {
  it('serves on ws while uWebSockets.js is its JavaScript fallback, which the uWS transport still refuses', async () => {
    const script = fileURLToPath(new URL('../test-support/fallback-uws.mjs', import.meta.url));
    const child = spawn(process.execPath, [script], {
      env: { ...process.env, UWS_USE_FALLBACK: '1' },
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    cleanups.push(() => {
      child.stdin.end();
    });
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        // The fallback announces itself on stdout first; the script's own line is JSON.
        const json = out.split('\n').find((l) => l.startsWith('{') && l.endsWith('}'));
        if (json !== undefined) resolve(json);
      });
      child.once('exit', (code) => reject(new Error(`exited with ${code}`)));
    });
    const { refused, port } = JSON.parse(line) as { refused: string; port: number };
    expect(refused).toBe('TransportUnavailableError');
    const client = await RawClient.connect(`ws://127.0.0.1:${port}/ws`, { token: token('alice') });
    expect(client.received[0]).toMatchObject({ t: 'welcome', userId: 'alice' });
    await client.close();
  });

  it('picks ws for a Node server or on request, uws otherwise', () => {
    expect(transportKind({})).toBe('uws');
    expect(transportKind({ transport: 'ws' })).toBe('ws');
    expect(transportKind({ server: http.createServer() })).toBe('ws');
  });

  it.each([
    [{ server: http.createServer(), transport: 'uws' as const }, /needs transport: 'ws'/],
    [{ transport: 'ws' as const, app: {} as never }, /needs transport: 'uws'/],
    [{ perMessageDeflate: true }, /only by transport: 'ws'/],
    [{ transport: 'tcp' as never }, /must be 'uws' or 'ws'/],
  ])('refuses contradictory options %#', (options, message) => {
    expect(() => transportKind(options)).toThrow(ConfigError);
    expect(() => transportKind(options)).toThrow(message);
  });
});
