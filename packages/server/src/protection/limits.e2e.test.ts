import net from 'node:net';
import { Writable } from 'node:stream';
import type { ServerEnvelope } from '@switchyard/protocol';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { RawClient, sleep, upgradeStatus } from '../test-support/raw-client.js';
import { startTestServer, type TestServer, type TestServerOptions } from '../testing/index.js';

const servers: TestServer[] = [];
const clients: RawClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.ws.terminate();
  await Promise.all(servers.splice(0).map((t) => t.close()));
});

function captureLogs() {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  return {
    logger: pino({ level: 'debug' }, stream),
    events: (name: string) =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((l) => l['event'] === name),
  };
}

async function start(options: TestServerOptions): Promise<TestServer> {
  const t = await startTestServer(options);
  servers.push(t);
  return t;
}

async function connect(t: TestServer, user: string, headers: Record<string, string> = {}): Promise<RawClient> {
  const c = await RawClient.connect(t.url, { token: t.token(user), headers });
  clients.push(c);
  return c;
}

async function metricsText(t: TestServer): Promise<string> {
  return (await t.server.metrics.scrape()).body;
}

async function until(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await sleep(20);
  }
}

type Reply = Extract<ServerEnvelope, { t: 'reply' }>;

describe('message rate limit', () => {
  it('answers RATE_LIMITED over the burst, then closes sustained abuse with 4200; counted and logged once per burst', async () => {
    const logs = captureLogs();
    const t = await start({ limits: { messagesPerSecond: 5, messageBurst: 5 }, logger: logs.logger });
    const c = await connect(t, 'flooder');
    for (let id = 1; id <= 8; id++) c.send({ t: 'presence-get', id, room: 'lobby' });
    const replies: Reply[] = [];
    for (let i = 0; i < 8; i++) replies.push((await c.next((e) => e.t === 'reply')) as Reply);
    const limited = replies.filter((r) => !r.ok && r.error.code === 'RATE_LIMITED');
    expect(replies.filter((r) => r.ok)).toHaveLength(5);
    expect(limited).toHaveLength(3);
    expect(c.ws.readyState).toBe(c.ws.OPEN);
    // Keep going: fire-and-forget events cannot be answered, and sustained abuse closes.
    for (let i = 0; i < 40; i++) c.send({ t: 'event', event: 'spam', data: i });
    expect((await c.closed).code).toBe(4200);
    const text = await metricsText(t);
    expect(text).toMatch(/switchyard_rate_limited_messages_total \d+/);
    expect(Number(/switchyard_rate_limited_messages_total (\d+)/.exec(text)?.[1])).toBeGreaterThanOrEqual(20);
    expect(text).toMatch(/switchyard_connections_closed_total\{class="slow",reason="rate_limited"\} 1/);
    const lines = logs.events('limit_exceeded').filter((l) => l['limit'] === 'message_rate');
    expect(lines.filter((l) => l['action'] === 'close')).toHaveLength(1);
    expect(lines.filter((l) => l['action'] === 'reject')).toHaveLength(1);
  });

  it('a client within the rate is never limited', async () => {
    const t = await start({ limits: { messagesPerSecond: 50, messageBurst: 5 } });
    const c = await connect(t, 'polite');
    for (let id = 1; id <= 20; id++) {
      const r = await c.call((i) => ({ t: 'presence-get', id: i, room: 'lobby' }));
      expect(r.ok).toBe(true);
      await sleep(25);
    }
  });
});

describe('room rules at join', () => {
  it('refuses bad names with BAD_REQUEST and the (max+1)th room with LIMIT_EXCEEDED', async () => {
    const logs = captureLogs();
    const t = await start({ limits: { maxRoomsPerConnection: 2, maxRoomNameLength: 10 }, logger: logs.logger });
    const c = await connect(t, 'alice');
    for (const room of ['x'.repeat(11), 'a b', 'star*', 'a+b']) {
      const r = await c.join(room);
      expect(r.ok ? 'ok' : r.error.code).toBe('BAD_REQUEST');
    }
    expect((await c.join('one')).ok).toBe(true);
    expect((await c.join('two')).ok).toBe(true);
    const third = await c.join('three');
    expect(third.ok ? 'ok' : third.error.code).toBe('LIMIT_EXCEEDED');
    expect((await c.join('one')).ok).toBe(true); // already a member
    expect(t.server.presence('three').members).toEqual([]);
    expect(logs.events('limit_exceeded').map((l) => l['limit'])).toEqual(['rooms_per_connection']);
    // Publishes and presence reads with a bad name are refused and counted the same way.
    c.send({ t: 'publish', room: 'a b', event: 'e' });
    expect(await c.call((id) => ({ t: 'presence-get', id, room: 'a b' }))).toMatchObject({
      ok: false,
      error: { code: 'BAD_REQUEST' },
    });
    const text = await metricsText(t);
    expect(text).toMatch(/^switchyard_limit_rejections_total\{limit="room_name"\} 6$/m);
    expect(text).toMatch(/^switchyard_limit_rejections_total\{limit="rooms_per_connection"\} 1$/m);
  });
});

describe('connection caps at the upgrade', () => {
  it('per user: 429 over the cap, and the slot is released on close', async () => {
    const t = await start({ limits: { maxConnectionsPerUser: 2 } });
    const a = await connect(t, 'alice');
    await connect(t, 'alice');
    const refused = await upgradeStatus(t.url, { headers: { authorization: `Bearer ${t.token('alice')}` } });
    expect(refused.status).toBe(429);
    expect((await upgradeStatus(t.url, { headers: { authorization: `Bearer ${t.token('bob')}` } })).status).toBe(101);
    await a.close();
    await until(() => t.server.userConnections('alice').length === 1);
    expect((await upgradeStatus(t.url, { headers: { authorization: `Bearer ${t.token('alice')}` } })).status).toBe(101);
    expect(await metricsText(t)).toMatch(/switchyard_upgrade_rejections_total\{reason="too_many_connections"\} 1/);
  });

  it('per IP: counts the socket address, ignoring X-Forwarded-For unless a trusted header is configured', async () => {
    const t = await start({ limits: { maxConnectionsPerIp: 1 } });
    await connect(t, 'alice', { 'x-forwarded-for': '203.0.113.1' });
    const spoofed = await upgradeStatus(t.url, {
      headers: { authorization: `Bearer ${t.token('bob')}`, 'x-forwarded-for': '203.0.113.2' },
    });
    expect(spoofed.status).toBe(429);
  });

  it('per IP behind a trusted proxy: the right-most hop is the client, forged left entries do not help', async () => {
    const t = await start({
      limits: { maxConnectionsPerIp: 1 },
      trustedProxyHeader: 'x-forwarded-for',
      trustedProxies: ['127.0.0.1'],
    });
    const a = await connect(t, 'alice', { 'x-forwarded-for': '203.0.113.1' });
    const auth = { authorization: `Bearer ${t.token('bob')}` };
    expect(
      (await upgradeStatus(t.url, { headers: { ...auth, 'x-forwarded-for': '6.6.6.6, 203.0.113.1' } })).status,
    ).toBe(429);
    expect((await upgradeStatus(t.url, { headers: { ...auth, 'x-forwarded-for': '203.0.113.2' } })).status).toBe(101);
    expect(t.server.userConnections('alice')[0]?.ip).toBe('203.0.113.1');
    await a.close();
    await until(() => t.server.userConnections('alice').length === 0);
    expect((await upgradeStatus(t.url, { headers: { ...auth, 'x-forwarded-for': '203.0.113.1' } })).status).toBe(101);
  });
});

describe('origins', () => {
  it("'*' allows every origin and warns loudly at start-up", async () => {
    const logs = captureLogs();
    const t = await start({ allowedOrigins: ['*'], logger: logs.logger });
    const warning = logs.events('config_warning').map((l) => String(l['msg']));
    expect(warning.some((m) => m.includes('ANY web page'))).toBe(true);
    expect(
      (
        await upgradeStatus(t.url, {
          headers: { authorization: `Bearer ${t.token('a')}`, origin: 'https://anything.example' },
        })
      ).status,
    ).toBe(101);
  });
});

describe('payload limit', () => {
  it('is advertised in the welcome; an oversize frame is closed with 4004 and counted as payload_too_large', async () => {
    const logs = captureLogs();
    const t = await start({ limits: { maxPayload: 1024 }, logger: logs.logger });
    const c = await connect(t, 'alice');
    const welcome = c.received.find((e) => e.t === 'welcome');
    expect(welcome).toMatchObject({ limits: { maxPayload: 1024 } });
    c.sendRaw(JSON.stringify({ t: 'event', event: 'big', data: 'x'.repeat(2000) }), false);
    expect((await c.closed).code).toBe(4004);
    await until(() => t.server.connectionCount === 0);
    expect(await metricsText(t)).toMatch(
      /switchyard_connections_closed_total\{class="terminal",reason="payload_too_large"\} 1/,
    );
    expect(logs.events('connection_closed')[0]).toMatchObject({ reason: 'payload_too_large', code: 4004 });
  });
});

describe('idle timeout', () => {
  it('closes a socket that answers no pings; a live client that answers them stays', async () => {
    const t = await start({ limits: { idleTimeoutSec: 8 } });
    const live = await connect(t, 'live');
    // A raw socket that completes the handshake, then answers nothing (it reads and discards, so
    // that it notices the server closing it).
    const token = t.token('zombie');
    const zombie = net.connect(t.port, '127.0.0.1');
    const closedAt = new Promise<number>((resolve) => zombie.on('close', () => resolve(Date.now())));
    zombie.on('data', () => {});
    zombie.on('error', () => {});
    zombie.write(
      `GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nAuthorization: Bearer ${token}\r\n` +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    const opened = Date.now();
    await until(() => t.server.userConnections('zombie').length === 1);
    const elapsed = (await closedAt) - opened;
    expect(elapsed).toBeGreaterThan(5_000);
    expect(elapsed).toBeLessThan(20_000);
    expect(live.ws.readyState).toBe(live.ws.OPEN);
    await until(() => t.server.userConnections('zombie').length === 0);
    expect(await metricsText(t)).toMatch(
      /switchyard_connections_closed_total\{class="reconnect",reason="idle_timeout"\} 1/,
    );
  }, 40_000);
});
