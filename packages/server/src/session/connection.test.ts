import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RpcError } from '@switchyard/protocol';
import { msgpackCodec } from '@switchyard/protocol/msgpack';
import type { Connection } from './connection.js';
import { startTestServer, type TestServer } from '../testing/index.js';
import { RawClient, sleep } from '../test-support/raw-client.js';

describe('server-to-client requests', () => {
  let t: TestServer;
  let conns: Connection[];
  beforeEach(async () => {
    t = await startTestServer();
    conns = [];
    t.server.on('connection', (conn) => conns.push(conn));
  });
  afterEach(async () => {
    await t.close();
  });

  it('resolves with the client reply, rejects with its error code', async () => {
    const c = await RawClient.connect(t.url, { token: t.token('alice'), codec: msgpackCodec });
    const conn = conns[0]!;
    expect(conn.userId).toBe('alice');
    const pending = conn.request('client:add', { a: 2, b: 3 }, { timeoutMs: 5000 });
    const req = await c.next((e) => e.t === 'request');
    expect(req).toMatchObject({ t: 'request', name: 'client:add', data: { a: 2, b: 3 } });
    if (req.t !== 'request') throw new Error('unreachable');
    c.send({ t: 'reply', id: req.id, ok: true, data: 5 });
    await expect(pending).resolves.toBe(5);

    const failing = conn.request('client:fail', null);
    const req2 = await c.next((e) => e.t === 'request');
    if (req2.t !== 'request') throw new Error('unreachable');
    c.send({ t: 'reply', id: req2.id, ok: false, error: { code: 'FORBIDDEN', message: 'nope' } });
    await expect(failing).rejects.toMatchObject({ name: 'RpcError', code: 'FORBIDDEN', message: 'nope' });
    await c.close();
  });

  it('rejects with TIMEOUT when the client does not answer, and DISCONNECTED when it leaves', async () => {
    const c = await RawClient.connect(t.url, { token: t.token('bob') });
    const conn = conns[0]!;
    const error: unknown = await conn.request('client:slow', {}, { timeoutMs: 100 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcError);
    expect(error).toMatchObject({ code: 'TIMEOUT' });
    const orphan = conn.request('client:never', {}, { timeoutMs: 10_000 });
    await c.next((e) => e.t === 'request' && e.name === 'client:never');
    c.ws.terminate();
    await expect(orphan).rejects.toMatchObject({ code: 'DISCONNECTED' });
    expect(conn.closed).toBe(true);
    await expect(conn.request('client:after', {})).rejects.toMatchObject({ code: 'DISCONNECTED' });
    expect(conn.push('late', 1)).toBe(false);
  });

  it('waits for the reply when the timeout is longer than a timer can hold (instead of timing out at once)', async () => {
    const c = await RawClient.connect(t.url, { token: t.token('dave') });
    const conn = conns[0]!;
    let settled = false;
    const pending = conn.request('client:patient', {}, { timeoutMs: 30 * 24 * 3600 * 1000 });
    pending.then(
      () => (settled = true),
      () => (settled = true),
    );
    const req = await c.next((e) => e.t === 'request');
    if (req.t !== 'request') throw new Error('unreachable');
    await sleep(50);
    expect(settled).toBe(false);
    c.send({ t: 'reply', id: req.id, ok: true, data: 'done' });
    await expect(pending).resolves.toBe('done');
    await c.close();
  });

  it('push sends a direct message; close ends the connection with the given code', async () => {
    const c = await RawClient.connect(t.url, { token: t.token('carol') });
    const conn = conns[0]!;
    expect(conn.push('hello', { x: 1 })).toBe(true);
    expect(await c.next((e) => e.t === 'push')).toEqual({ t: 'push', event: 'hello', data: { x: 1 } });
    expect(() => conn.close(1006)).toThrow(RangeError);
    expect(() => conn.close(5000)).toThrow(RangeError);
    expect(() => t.server.disconnectUser('carol', 1005)).toThrow(RangeError);
    conn.close(4003, 'é'.repeat(100));
    const closed = await c.closed;
    expect(closed.code).toBe(4003);
    expect(closed.reason).toBe('é'.repeat(61));
  });
});

describe('token expiry and in-band refresh', () => {
  let t: TestServer;
  beforeEach(async () => {
    t = await startTestServer({ auth: { expiryGraceMs: 100 } });
  });
  afterEach(async () => {
    await t.close();
  });

  it('closes with 4100 shortly after exp without a refresh', async () => {
    const c = await RawClient.connect(t.url, { token: t.token('alice', {}, { expiresIn: 1 }) });
    const welcome = c.received[0];
    expect(welcome).toMatchObject({ t: 'welcome', expiresAt: expect.any(Number) as unknown });
    const closed = await c.closed;
    expect(closed.code).toBe(4100);
  }, 10_000);

  it('keeps the connection after a refresh for the same user', async () => {
    const c = await RawClient.connect(t.url, { token: t.token('alice', {}, { expiresIn: 1 }) });
    const reply = await c.call((id) => ({ t: 'refresh', id, token: t.token('alice', {}, { expiresIn: 3600 }) }));
    expect(reply).toMatchObject({ ok: true, data: { expiresAt: expect.any(Number) as unknown } });
    const bad = await c.call((id) => ({ t: 'refresh', id, token: 'garbage' }));
    expect(bad).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
    await sleep(2300);
    c.send({ t: 'ping', ts: 1 });
    expect(await c.next((e) => e.t === 'pong')).toEqual({ t: 'pong', ts: 1 });
    await c.close();
  }, 10_000);

  it('sends a TOKEN_EXPIRING notice 30 s before exp', async () => {
    const c = await RawClient.connect(t.url, { token: t.token('alice', {}, { expiresIn: 31 }) });
    const notice = await c.next((e) => e.t === 'notice', 4000);
    expect(notice).toMatchObject({ t: 'notice', code: 'TOKEN_EXPIRING' });
    await c.close();
  }, 10_000);

  it('refuses a refresh for another user and closes with 4101', async () => {
    const c = await RawClient.connect(t.url, { token: t.token('alice', {}, { expiresIn: 3600 }) });
    const reply = await c.call((id) => ({ t: 'refresh', id, token: t.token('mallory') }));
    expect(reply).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
    expect((await c.closed).code).toBe(4101);
  });
});
