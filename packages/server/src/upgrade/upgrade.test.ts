import { createHmac, generateKeyPairSync } from 'node:crypto';
import net from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { SUBPROTOCOL_JSON, SUBPROTOCOL_MSGPACK } from '@switchyard/protocol';
import { msgpackCodec } from '@switchyard/protocol/msgpack';
import { signToken } from '../auth/index.js';
import { createServer } from '../server.js';
import { startTestServer, type TestServer } from '../testing/index.js';
import { RawClient, sleep, upgradeStatus } from '../test-support/raw-client.js';

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const now = (): number => Math.floor(Date.now() / 1000);

function hs256(header: object, payload: object, key: string): string {
  const body = `${b64(header)}.${b64(payload)}`;
  return `${body}.${createHmac('sha256', key).update(body).digest('base64url')}`;
}

function captureLogs(): { logger: ReturnType<typeof pino>; lines: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines: () => chunks.join('') };
}

const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

describe('upgrade: HS256 server', () => {
  let t: TestServer;
  const logs = captureLogs();
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const rsaPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

  beforeAll(async () => {
    t = await startTestServer({
      logger: logs.logger,
      allowedOrigins: ['https://app.example.com'],
      auth: { issuer: 'switchyard-test', audience: 'chat' },
    });
  });
  afterAll(async () => {
    await t.close();
  });

  const good = (sub = 'alice', extra: Record<string, unknown> = {}) =>
    signToken({ sub, ...extra }, { secret: t.secret, issuer: 'switchyard-test', audience: 'chat' });

  it('accepts a valid token and echoes only the codec subprotocol', async () => {
    const r = await upgradeStatus(t.url, { ...bearer(good()), protocols: [SUBPROTOCOL_JSON] });
    expect(r).toMatchObject({ status: 101, protocol: SUBPROTOCOL_JSON });
    const viaProtocol = await upgradeStatus(t.url, { protocols: [SUBPROTOCOL_MSGPACK, `switchyard.bearer.${good()}`] });
    expect(viaProtocol).toMatchObject({ status: 101, protocol: SUBPROTOCOL_MSGPACK });
    const viaQuery = await upgradeStatus(`${t.url}?token=${good()}`, { protocols: [SUBPROTOCOL_JSON] });
    expect(viaQuery.status).toBe(101);
  });

  it.each([
    ['missing', () => ({}), 'missing_token'],
    ['garbage', () => bearer('not.a.jwt'), 'invalid_token'],
    [
      'signed with the wrong secret',
      () => bearer(signToken({ sub: 'a' }, { secret: 'other-secret', issuer: 'switchyard-test', audience: 'chat' })),
      'invalid_token',
    ],
    ['expired', () => bearer(good('alice', { exp: now() - 60 })), 'expired_token'],
    ['not yet valid (future nbf)', () => bearer(good('alice', { nbf: now() + 3600 })), 'invalid_token'],
    [
      'alg none',
      () =>
        bearer(`${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'alice', iss: 'switchyard-test', aud: 'chat' })}.`),
      'invalid_token',
    ],
    [
      'RS256 when HS256 is configured',
      () => bearer(signToken({ sub: 'a' }, { privateKey: rsaPem, issuer: 'switchyard-test', audience: 'chat' })),
      'invalid_token',
    ],
    [
      'tampered payload',
      () => {
        const [h, , s] = good('alice').split('.');
        return bearer(`${h}.${b64({ sub: 'mallory', iss: 'switchyard-test', aud: 'chat' })}.${s}`);
      },
      'invalid_token',
    ],
    [
      'wrong issuer',
      () => bearer(signToken({ sub: 'a' }, { secret: t.secret, issuer: 'evil', audience: 'chat' })),
      'invalid_token',
    ],
    [
      'wrong audience',
      () => bearer(signToken({ sub: 'a' }, { secret: t.secret, issuer: 'switchyard-test', audience: 'other' })),
      'invalid_token',
    ],
  ])('refuses a %s token with 401', async (_name, make, reason) => {
    const r = await upgradeStatus(t.url, { ...make(), protocols: [SUBPROTOCOL_JSON] });
    expect(r.status).toBe(401);
    expect(r.body).toBe(reason);
  });

  it('refuses a foreign Origin with 403 and allows the listed one', async () => {
    const foreign = await upgradeStatus(t.url, {
      headers: { authorization: `Bearer ${good()}`, origin: 'https://evil.example.com' },
    });
    expect(foreign.status).toBe(403);
    const listed = await upgradeStatus(t.url, {
      headers: { authorization: `Bearer ${good()}`, origin: 'https://app.example.com' },
    });
    expect(listed.status).toBe(101);
  });

  it('refuses an unsupported codec subprotocol with 400; no codec offered means JSON', async () => {
    expect((await upgradeStatus(t.url, { ...bearer(good()), protocols: ['switchyard.v3.json'] })).status).toBe(400);
    expect(
      (await upgradeStatus(t.url, { ...bearer(good()), protocols: ['switchyard.v9.cbor', 'switchyard.v3.json'] }))
        .status,
    ).toBe(400);
    const picked = await upgradeStatus(t.url, {
      ...bearer(good()),
      protocols: ['switchyard.v3.json', SUBPROTOCOL_JSON],
    });
    expect(picked).toMatchObject({ status: 101, protocol: SUBPROTOCOL_JSON });
    const none = await RawClient.connect(t.url, { token: good(), protocols: [] });
    expect(none.ws.protocol).toBe('');
    expect(none.received[0]).toMatchObject({ t: 'welcome', userId: 'alice' });
    await none.close();
  });

  it('answers 404 on other paths, /healthz and /readyz 200, /metrics in Prometheus format', async () => {
    expect((await upgradeStatus(t.url.replace('/ws', '/other'), bearer(good()))).status).toBe(404);
    expect((await fetch(`${t.httpUrl}/nope`)).status).toBe(404);
    expect((await fetch(`${t.httpUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${t.httpUrl}/readyz`)).status).toBe(200);
    const metrics = await fetch(`${t.httpUrl}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(/switchyard_/);
  });

  it('speaks msgpack when negotiated', async () => {
    const c = await RawClient.connect(t.url, { token: good('bob'), codec: msgpackCodec });
    expect(c.ws.protocol).toBe(SUBPROTOCOL_MSGPACK);
    expect(c.received[0]).toMatchObject({ t: 'welcome', userId: 'bob' });
    const pong = (c.send({ t: 'ping', ts: 7 }), await c.next((e) => e.t === 'pong'));
    expect(pong).toEqual({ t: 'pong', ts: 7 });
    await c.close();
  });

  it('survives hundreds of aborted upgrades and stays healthy', async () => {
    const token = good('flood');
    const full =
      `GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${t.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n` +
      `Sec-WebSocket-Protocol: ${SUBPROTOCOL_JSON}\r\nAuthorization: Bearer ${token}\r\n\r\n`;
    const attempt = (i: number): Promise<void> =>
      new Promise((resolve) => {
        const socket = net.connect(t.port, '127.0.0.1', () => {
          // Partial requests, complete requests, and complete requests cut at random points.
          const payload =
            i % 3 === 0 ? full.slice(0, 20 + (i % 60)) : i % 3 === 1 ? full : full.slice(0, full.length - 5);
          socket.write(payload, () => socket.destroy());
        });
        socket.on('error', () => resolve());
        socket.on('close', () => resolve());
      });
    for (let batch = 0; batch < 6; batch++) {
      await Promise.all(Array.from({ length: 50 }, (_, i) => attempt(batch * 50 + i)));
    }
    expect((await fetch(`${t.httpUrl}/healthz`)).status).toBe(200);
    const c = await RawClient.connect(t.url, { token: good('after') });
    expect(await c.join('x')).toMatchObject({ ok: true });
    await c.close();
    for (let i = 0; i < 100 && t.server.connectionCount > 0; i++) await sleep(20);
    expect(t.server.connectionCount).toBe(0);
  });

  it('logs connects, closes and refusals without tokens', async () => {
    const token = good('logger-check');
    await upgradeStatus(`${t.url}?token=${token}x`, { protocols: [SUBPROTOCOL_JSON] });
    const c = await RawClient.connect(t.url, { token });
    c.send({ t: 'event', event: 'secret-event', data: { password: 'hunter2' } });
    await c.close();
    await sleep(50);
    const text = logs.lines();
    expect(text).toMatch(/"event":"connection_opened"[^\n]*"userId":"logger-check"/);
    expect(text).toMatch(/"event":"connection_closed"[^\n]*"code":1000/);
    expect(text).toMatch(/"event":"upgrade_rejected"[^\n]*"reason":"invalid_token"/);
    expect(text).not.toContain(token.split('.')[2]!);
    expect(text).not.toContain('hunter2');
  });
});

describe('upgrade: RS256 server', () => {
  it('refuses an HS256 token signed with the RSA public key as secret', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pub = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const priv = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const server = createServer({
      auth: { algorithms: ['RS256'], publicKey: pub },
      logLevel: 'silent',
      metrics: false,
    });
    const { port } = await server.listen(0, '127.0.0.1');
    try {
      const url = `ws://127.0.0.1:${port}/ws`;
      const confused = hs256({ alg: 'HS256', typ: 'JWT' }, { sub: 'mallory' }, pub);
      expect((await upgradeStatus(url, bearer(confused))).status).toBe(401);
      expect((await upgradeStatus(url, bearer(signToken({ sub: 'alice' }, { privateKey: priv })))).status).toBe(101);
    } finally {
      await server.close({ graceMs: 500 });
    }
  });

  it('lets anonymous users in only when allowAnonymous is on', async () => {
    const open = await startTestServer({ auth: { allowAnonymous: true } });
    const closed = await startTestServer();
    try {
      const c = await RawClient.connect(open.url);
      expect(c.received[0]).toMatchObject({ t: 'welcome', userId: expect.stringMatching(/^anonymous:/) as unknown });
      await c.close();
      expect((await upgradeStatus(closed.url)).status).toBe(401);
      expect((await upgradeStatus(`${open.url}`, bearer('garbage'))).status).toBe(401);
    } finally {
      await open.close();
      await closed.close();
    }
  });

  it('ignores ?token= when allowQueryToken is off', async () => {
    const t = await startTestServer({ auth: { allowQueryToken: false } });
    try {
      const r = await upgradeStatus(`${t.url}?token=${t.token('alice')}`);
      expect(r).toMatchObject({ status: 401, body: 'missing_token' });
    } finally {
      await t.close();
    }
  });
});
