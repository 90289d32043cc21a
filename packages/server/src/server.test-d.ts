import { describe, expectTypeOf, it } from 'vitest';
import type { Connection } from './session/connection.js';
import { createServer } from './server.js';

interface ChatContract {
  events: { typing: { room: string } };
  requests: { 'chat:send': { in: { room: string; text: string }; out: { id: string } } };
  pushes: { message: { from: string; text: string } };
  serverRequests: { 'client:confirm': { in: { question: string }; out: boolean } };
}

describe('createServer<Contract>', () => {
  it('types handlers, pushes, broadcasts and server requests from the contract', () => {
    const server = createServer<ChatContract>();
    server.onRequest('chat:send', (ctx, data) => {
      expectTypeOf(data).toEqualTypeOf<{ room: string; text: string }>();
      expectTypeOf(ctx.conn).toEqualTypeOf<Connection<ChatContract>>();
      return { id: 'x' };
    });
    server.onRequest('chat:send', async () => ({ id: 'x' }));
    // @ts-expect-error the reply must match `out`
    server.onRequest('chat:send', () => ({ nope: 1 }));
    // @ts-expect-error unknown request name
    server.onRequest('chat:delete', () => ({}));
    server.onEvent('typing', (_ctx, data) => {
      expectTypeOf(data).toEqualTypeOf<{ room: string }>();
    });
    server.to('r').emit('message', { from: 'a', text: 'b' });
    // @ts-expect-error wrong payload
    server.to('r').except([]).emit('message', { from: 1 });
    // @ts-expect-error unknown push
    server.toUser('u').emit('other', {});
    server.on('connection', async (conn) => {
      conn.push('message', { from: 'server', text: 'hi' });
      const ok = await conn.request('client:confirm', { question: '?' });
      expectTypeOf(ok).toEqualTypeOf<boolean>();
    });
  });

  it('accepts any name without a contract', () => {
    const server = createServer();
    server.onRequest('anything', (_ctx, data) => data);
    server.to('r').emit('whatever', 1);
  });
});
