import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RpcError } from '@switchyard/protocol';
import { startTestServer, type TestServer } from './testing/index.js';
import { RawClient } from './test-support/raw-client.js';

describe('requests and events', () => {
  let t: TestServer;
  beforeEach(async () => {
    t = await startTestServer();
  });
  afterEach(async () => {
    await t.close();
  });

  it('sends welcome and answers a request', async () => {
    t.server.onRequest('echo', (ctx, data) => ({ data, user: ctx.userId }));
    const c = await RawClient.connect(t.url, { token: t.token('alice') });
    const welcome = c.received[0];
    expect(welcome).toMatchObject({ t: 'welcome', v: 1, userId: 'alice', limits: { maxPayload: 65536 } });
    const reply = await c.call((id) => ({ t: 'request', id, name: 'echo', data: { x: 1 } }));
    expect(reply).toEqual({ t: 'reply', id: reply.id, ok: true, data: { data: { x: 1 }, user: 'alice' } });
    const bad = await c.call((id) => ({ t: 'request', id, name: 'nope' }));
    expect(bad).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    t.server.onRequest('deny', () => {
      throw new RpcError('FORBIDDEN', 'no');
    });
    await c.close();
  });
});

describe('smoke: rooms', () => {
  it('join and publish reach other members', async () => {
    const t = await startTestServer();
    try {
      const a = await RawClient.connect(t.url, { token: t.token('alice') });
      const b = await RawClient.connect(t.url, { token: t.token('bob') });
      expect(await a.join('chat')).toMatchObject({ ok: true, data: { room: 'chat' } });
      expect(await b.join('chat')).toMatchObject({ ok: true });
      const ack = await b.call((id) => ({ t: 'publish', id, room: 'chat', event: 'msg', data: { text: 'hi' } }));
      expect(ack).toMatchObject({ ok: true });
      expect(await a.next((e) => e.t === 'push')).toEqual({ t: 'push', event: 'msg', data: { text: 'hi' }, room: 'chat' });
      expect(b.pushes('chat')).toEqual([]);
    } finally {
      await t.close();
    }
  });
});
