import { request as httpRequest } from 'node:http';
import { msgpackCodec } from '@switchyard/protocol/msgpack';
import { afterEach, describe, expect, it } from 'vitest';
import { RawClient } from '../test-support/raw-client.js';
import { startTestServer, type TestServer } from '../testing/index.js';

const KEY = 'k'.repeat(12) + '-integration-key';
const servers: TestServer[] = [];
const clients: RawClient[] = [];

async function start(options: Parameters<typeof startTestServer>[0] = {}): Promise<TestServer> {
  const t = await startTestServer({ apiKey: KEY, ...options });
  servers.push(t);
  return t;
}

async function connect(t: TestServer, user: string, msgpack = false): Promise<RawClient> {
  const c = await RawClient.connect(t.url, { token: t.token(user), ...(msgpack ? { codec: msgpackCodec } : {}) });
  clients.push(c);
  return c;
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.ws.terminate();
  await Promise.all(servers.splice(0).map((t) => t.close()));
});

async function api(t: TestServer, method: string, path: string, body?: unknown, key = KEY) {
  const res = await fetch(`${t.httpUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return { status: res.status, headers: res.headers, json: (await res.json()) as Record<string, unknown> };
}

describe('backend HTTP API over a real server', () => {
  it('delivers a valid publish to room members of both codecs', async () => {
    const t = await start();
    const json = await connect(t, 'alice');
    const mp = await connect(t, 'bob', true);
    expect((await json.join('news')).ok).toBe(true);
    expect((await mp.join('news')).ok).toBe(true);
    const r = await api(t, 'POST', '/v1/publish', {
      room: 'news',
      event: 'headline',
      data: { title: 'hi', n: [1, 2] },
    });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ recipients: 2 });
    for (const c of [json, mp]) {
      const push = await c.next((e) => e.t === 'push');
      expect(push).toEqual({ t: 'push', room: 'news', event: 'headline', data: { title: 'hi', n: [1, 2] } });
    }
    expect(mp.ws.protocol).toBe(msgpackCodec.subprotocol);
  });

  it('rejects a wrong or missing key with 401 and publishes nothing', async () => {
    const t = await start();
    const c = await connect(t, 'alice');
    await c.join('news');
    const wrong = await api(t, 'POST', '/v1/publish', { room: 'news', event: 'x' }, 'not-the-key');
    expect(wrong.status).toBe(401);
    expect(wrong.json).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
    const none = await fetch(`${t.httpUrl}/v1/rooms`);
    expect(none.status).toBe(401);
    // A later valid publish is the first push the client sees.
    await api(t, 'POST', '/v1/publish', { room: 'news', event: 'ok' });
    expect(await c.next((e) => e.t === 'push')).toMatchObject({ event: 'ok' });
  });

  it('answers bad bodies with 400 BAD_REQUEST', async () => {
    const t = await start();
    for (const body of [
      '{"room":',
      '[1]',
      { room: 'news' },
      { room: 'bad room', event: 'e' },
      { room: 'news', event: 'e', extra: true },
    ]) {
      const r = await api(t, 'POST', '/v1/publish', body);
      expect(r.status).toBe(400);
      expect(r.json).toMatchObject({ error: { code: 'BAD_REQUEST' } });
    }
  });

  it('413 for a body over the limit, declared or streamed', async () => {
    const t = await start({ limits: { maxHttpBodyBytes: 1024 } });
    const declared = await api(t, 'POST', '/v1/publish', { room: 'news', event: 'e', data: 'x'.repeat(2000) });
    expect(declared.status).toBe(413);
    expect(declared.json).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } });
    // Chunked: no Content-Length, the limit is found while the body arrives.
    const streamed = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(
        `${t.httpUrl}/v1/publish`,
        { method: 'POST', headers: { authorization: `Bearer ${KEY}` } },
        (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      for (let i = 0; i < 4; i++) req.write('y'.repeat(512));
      req.end();
    });
    expect(streamed.status).toBe(413);
    expect(JSON.parse(streamed.body)).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } });
    expect((await t.server.metrics.scrape()).body).toMatch(
      /^switchyard_limit_rejections_total\{limit="http_body"\} 2$/m,
    );
  });

  it('disconnects a user (4002 by default, or the given code)', async () => {
    const t = await start();
    const a1 = await connect(t, 'alice');
    const a2 = await connect(t, 'alice', true);
    const b = await connect(t, 'bob');
    const r = await api(t, 'POST', '/v1/users/alice/disconnect');
    expect(r.json).toEqual({ disconnected: 2 });
    expect((await a1.closed).code).toBe(4002);
    expect((await a2.closed).code).toBe(4002);
    const r2 = await api(t, 'POST', '/v1/users/bob/disconnect', { code: 4101 });
    expect(r2.json).toEqual({ disconnected: 1 });
    expect((await b.closed).code).toBe(4101);
  });

  it('reads presence and the room list', async () => {
    const t = await start();
    const a = await connect(t, 'alice');
    const a2 = await connect(t, 'alice');
    const b = await connect(t, 'bob');
    await a.join('org/1');
    await a2.join('org/1');
    await b.join('org/1');
    await b.join('lobby');
    const p = await api(t, 'GET', '/v1/rooms/org%2F1/presence');
    expect(p.status).toBe(200);
    expect(p.json['room']).toBe('org/1');
    expect(p.json['members']).toEqual(
      expect.arrayContaining([
        { userId: 'alice', connections: 2 },
        { userId: 'bob', connections: 1 },
      ]),
    );
    expect((await api(t, 'GET', '/v1/rooms/nobody-here/presence')).json).toEqual({ room: 'nobody-here', members: [] });
    const rooms = await api(t, 'GET', '/v1/rooms');
    expect(rooms.json['rooms']).toEqual(
      expect.arrayContaining([
        { room: 'org/1', members: 2 },
        { room: 'lobby', members: 1 },
      ]),
    );
  });

  it('is off (404) without a key; unknown routes 404 and wrong methods 405 with a key', async () => {
    const off = await startTestServer();
    servers.push(off);
    expect((await api(off, 'GET', '/v1/rooms')).status).toBe(404);
    const t = await start();
    expect((await api(t, 'GET', '/v1/nope')).status).toBe(404);
    const wrong = await api(t, 'GET', '/v1/publish');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST');
  });
});
