import type { PresenceSnapshot } from '@switchyard/protocol';
import { describe, expect, it } from 'vitest';
import { RoomRules } from '../protection/room-rules.js';
import type { HttpApiFacade } from './facade.js';
import { HttpApi, type ApiLog, type ApiRequestHead, type ApiResponse } from './http-api.js';

const KEY = 'test-api-key-0123456789';
const rules = new RoomRules({ maxRoomNameLength: 64, maxRoomsPerConnection: 10 });

function fakeServer() {
  const calls: unknown[][] = [];
  const facade: HttpApiFacade = {
    publish: (room, event, data, opts) => {
      calls.push(['publish', room, event, data, opts]);
      return 3;
    },
    disconnectUser: (userId, code) => {
      calls.push(['disconnect', userId, code]);
      return 2;
    },
    presence: (room): PresenceSnapshot => ({ room, members: [{ userId: 'u1', connections: 2 }] }),
    rooms: () => Promise.resolve([{ room: 'a', members: 1 }]),
  };
  return { calls, facade };
}

function capture(): { log: ApiLog; lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    log: {
      warn: (f, m) => lines.push(JSON.stringify({ ...f, m })),
      error: (f, m) => lines.push(JSON.stringify({ ...f, err: String(f['err']), m })),
    },
  };
}

const auth = `Bearer ${KEY}`;
const enc = (v: unknown) => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));
const json = (r: ApiResponse) => JSON.parse(r.body) as Record<string, unknown>;

async function call(api: HttpApi, head: ApiRequestHead, body?: unknown): Promise<ApiResponse> {
  return api.head(head) ?? api.handle(head, body === undefined ? new Uint8Array(0) : enc(body));
}

describe('HttpApi', () => {
  it('is off (404 for every /v1 path) without a key', async () => {
    const api = new HttpApi({ roomRules: rules, facade: fakeServer().facade });
    expect(api.enabled).toBe(false);
    const r = await call(api, { method: 'POST', path: '/v1/publish', authorization: auth }, { room: 'a', event: 'e' });
    expect(r.status).toBe(404);
    expect(json(r)).toEqual({ error: { code: 'NOT_FOUND', message: expect.stringMatching(/disabled/) as unknown } });
  });

  it('401 for a missing or wrong key, before routing; logs without the header', async () => {
    const { log, lines } = capture();
    const api = new HttpApi({ apiKey: KEY, roomRules: rules, facade: fakeServer().facade, log });
    for (const authorization of [undefined, 'Bearer nope', `Basic ${KEY}`, `Bearer ${KEY}x`]) {
      const r = await call(api, { method: 'GET', path: '/v1/does-not-exist', authorization, ip: '10.0.0.9' });
      expect(r.status).toBe(401);
      expect(r.headers['www-authenticate']).toBe('Bearer');
      expect(json(r)).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
    }
    expect(lines).toHaveLength(4);
    expect(lines.join('\n')).not.toContain('nope');
    expect(lines.join('\n')).not.toContain(KEY);
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ ip: '10.0.0.9', path: '/v1/does-not-exist' });
  });

  it('publishes with and without a key and reports recipients', async () => {
    const s = fakeServer();
    const api = new HttpApi({ apiKey: KEY, roomRules: rules, facade: s.facade });
    const r1 = await call(
      api,
      { method: 'POST', path: '/v1/publish', authorization: auth },
      { room: 'tick', event: 'px', data: { v: 1 }, key: 'BTC' },
    );
    expect(r1.status).toBe(200);
    expect(r1.headers['content-type']).toMatch(/application\/json/);
    expect(json(r1)).toEqual({ recipients: 3 });
    await call(
      api,
      { method: 'POST', path: '/v1/publish', authorization: auth },
      { room: 'tick', event: 'px', data: [1] },
    );
    expect(s.calls).toEqual([
      ['publish', 'tick', 'px', { v: 1 }, { key: 'BTC' }],
      ['publish', 'tick', 'px', [1], {}],
    ]);
  });

  it('disconnects a user with the default or a given code', async () => {
    const s = fakeServer();
    const api = new HttpApi({ apiKey: KEY, roomRules: rules, facade: s.facade });
    const r = await call(api, {
      method: 'POST',
      path: '/v1/users/alice%40example.com/disconnect',
      authorization: auth,
    });
    expect(json(r)).toEqual({ disconnected: 2 });
    await call(api, { method: 'POST', path: '/v1/users/bob/disconnect', authorization: auth }, { code: 4003 });
    expect(s.calls).toEqual([
      ['disconnect', 'alice@example.com', undefined],
      ['disconnect', 'bob', 4003],
    ]);
  });

  it('answers presence and the room list', async () => {
    const api = new HttpApi({ apiKey: KEY, roomRules: rules, facade: fakeServer().facade });
    const p = await call(api, { method: 'GET', path: '/v1/rooms/org%2F1/presence', authorization: auth });
    expect(json(p)).toEqual({ room: 'org/1', members: [{ userId: 'u1', connections: 2 }] });
    const bad = await call(api, { method: 'GET', path: '/v1/rooms/a%20b/presence', authorization: auth });
    expect(bad.status).toBe(400);
    const list = await call(api, { method: 'GET', path: '/v1/rooms', authorization: auth });
    expect(json(list)).toEqual({ rooms: [{ room: 'a', members: 1 }] });
  });

  it('400 with BAD_REQUEST for bad JSON and bad fields', async () => {
    const s = fakeServer();
    const api = new HttpApi({ apiKey: KEY, roomRules: rules, facade: s.facade });
    for (const body of [
      '{"room":',
      '[]',
      { room: 'a' },
      { room: 'a b', event: 'e' },
      { room: 'a', event: 'e', x: 1 },
    ]) {
      const r = await call(api, { method: 'POST', path: '/v1/publish', authorization: auth }, body);
      expect(r.status).toBe(400);
      expect(json(r)).toMatchObject({ error: { code: 'BAD_REQUEST' } });
    }
    expect(s.calls).toEqual([]);
  });

  it('413 from the declared length before the body, and from the body itself', async () => {
    const api = new HttpApi({ apiKey: KEY, roomRules: rules, facade: fakeServer().facade, maxBodyBytes: 64 });
    const early = api.head({ method: 'POST', path: '/v1/publish', authorization: auth, contentLength: '65' });
    expect(early?.status).toBe(413);
    expect(JSON.parse(early?.body ?? '{}')).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } });
    expect(api.head({ method: 'POST', path: '/v1/publish', authorization: auth, contentLength: '64' })).toBeUndefined();
    const late = await api.handle({ method: 'POST', path: '/v1/publish', authorization: auth }, new Uint8Array(65));
    expect(late.status).toBe(413);
  });

  it('404 and 405 for unknown routes and methods once authenticated', async () => {
    const api = new HttpApi({ apiKey: KEY, roomRules: rules, facade: fakeServer().facade });
    expect((await call(api, { method: 'GET', path: '/v1/nothing', authorization: auth })).status).toBe(404);
    const r = await call(api, { method: 'GET', path: '/v1/publish', authorization: auth });
    expect(r.status).toBe(405);
    expect(r.headers['allow']).toBe('POST');
  });

  it('a failing facade is a 500 INTERNAL that leaks nothing and is logged', async () => {
    const { log, lines } = capture();
    const facade: HttpApiFacade = {
      ...fakeServer().facade,
      publish: () => {
        throw new Error('db password is hunter2');
      },
    };
    const api = new HttpApi({ apiKey: KEY, roomRules: rules, facade, log });
    const r = await call(api, { method: 'POST', path: '/v1/publish', authorization: auth }, { room: 'a', event: 'e' });
    expect(r.status).toBe(500);
    expect(json(r)).toEqual({ error: { code: 'INTERNAL', message: 'internal error' } });
    expect(r.body).not.toContain('hunter2');
    expect(lines).toHaveLength(1);
  });
});
