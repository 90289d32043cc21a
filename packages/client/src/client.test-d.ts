import { describe, expectTypeOf, it } from 'vitest';
import WebSocket from 'ws';
import { createClient } from './client.js';
import type { ClientError } from './errors.js';
import { msgpack } from './msgpack.js';
import type { Client, Room } from './types.js';
import type { WebSocketConstructor } from './web-socket.js';

interface Message {
  from: string;
  text: string;
}

interface ChatContract {
  events: { typing: { room: string } };
  requests: {
    'chat:send': { in: { room: string; text: string }; out: { id: string } };
    'chat:count': { in: null; out: number };
  };
  pushes: { message: Message; cleared: { room: string } };
  serverRequests: { 'client:confirm': { in: { question: string }; out: boolean } };
}

declare const client: Client<ChatContract>;
declare const room: Room<ChatContract>;

describe('client types', () => {
  it('accepts the browser, Node 22 and ws WebSocket constructors', () => {
    expectTypeOf(WebSocket).toExtend<WebSocketConstructor>();
    createClient<ChatContract>({ url: 'ws://x/ws', token: 't', WebSocket });
    createClient<ChatContract>({ url: 'ws://x/ws', getToken: async () => 't', codec: msgpack });
    // @ts-expect-error a codec is 'json' or a codec object, not another string
    createClient<ChatContract>({ url: 'ws://x/ws', codec: 'msgpack' });
  });

  it('types the join outcome and the recovery position', () => {
    room.onJoin((info) => {
      expectTypeOf(info.recovered).toEqualTypeOf<boolean>();
      expectTypeOf(info.rejoined).toEqualTypeOf<boolean>();
      expectTypeOf(info.result.recovered).toEqualTypeOf<boolean | undefined>();
      expectTypeOf(info.result.offset).toEqualTypeOf<number | undefined>();
    });
    room.on('message', (_data, meta) => {
      expectTypeOf(meta.offset).toEqualTypeOf<number | undefined>();
      expectTypeOf(meta.epoch).toEqualTypeOf<string | undefined>();
    });
    createClient<ChatContract>({ url: 'ws://x/ws', token: 't', maxRefusals: Infinity, joinAttempts: 3 });
    // @ts-expect-error onJoin listeners get one info object
    room.onJoin((recovered: boolean) => recovered);
  });

  it('types emit by the contract events', () => {
    expectTypeOf(client.emit('typing', { room: 'lobby' })).toEqualTypeOf<Promise<void>>();
    // @ts-expect-error unknown event name
    void client.emit('typo', { room: 'lobby' });
    // @ts-expect-error wrong payload
    void client.emit('typing', { room: 1 });
    // @ts-expect-error a push is not an event
    void client.emit('message', { from: 'a', text: 'b' });
  });

  it('types request input and output', () => {
    expectTypeOf(client.request('chat:send', { room: 'r', text: 'hi' })).toEqualTypeOf<Promise<{ id: string }>>();
    expectTypeOf(client.request('chat:count', null, { timeoutMs: 1_000, retry: true })).toEqualTypeOf<
      Promise<number>
    >();
    // @ts-expect-error unknown request
    void client.request('chat:delete', { id: '1' });
    // @ts-expect-error missing field
    void client.request('chat:send', { room: 'r' });
    // @ts-expect-error unknown option
    void client.request('chat:count', null, { timeout: 5 });
  });

  it('types push listeners and returns an unsubscribe function', () => {
    const off = client.on('message', (m, meta) => {
      expectTypeOf(m).toEqualTypeOf<Message>();
      expectTypeOf(meta.room).toEqualTypeOf<string | undefined>();
    });
    expectTypeOf(off).toEqualTypeOf<() => void>();
    // @ts-expect-error unknown push
    client.on('mesage', () => {});
    // @ts-expect-error listener expects the wrong payload
    client.on('cleared', (m: Message) => m);
  });

  it('types server→client request handlers', () => {
    client.handle('client:confirm', ({ question }) => question.length > 0);
    client.handle('client:confirm', async () => true);
    // @ts-expect-error wrong reply type
    client.handle('client:confirm', () => 'yes');
    // @ts-expect-error unknown server request
    client.handle('client:unknown', () => true);
  });

  it('types rooms', () => {
    expectTypeOf(client.join('lobby')).toEqualTypeOf<Room<ChatContract>>();
    expectTypeOf(room.publish('message', { from: 'a', text: 'b' })).toEqualTypeOf<Promise<void>>();
    room.on('cleared', (c) => expectTypeOf(c).toEqualTypeOf<{ room: string }>());
    // @ts-expect-error wrong payload for the push
    void room.publish('message', { text: 'b' });
    // @ts-expect-error unknown push
    void room.publish('typing', { room: 'x' });
  });

  it('exposes error codes on ClientError', () => {
    expectTypeOf<ClientError['code']>().toEqualTypeOf<import('@switchyard/protocol').ErrorCode>();
    expectTypeOf<ClientError['closeCode']>().toEqualTypeOf<number | undefined>();
  });

  it('allows any name with the default contract', () => {
    const loose = createClient({ url: 'ws://x/ws' });
    void loose.emit('anything', { a: 1 });
    expectTypeOf(loose.request('x', 1)).toEqualTypeOf<Promise<any>>();
  });
});
