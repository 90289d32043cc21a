// Writes fixtures/golden.json (version 1) and fixtures/golden-v2.json (the version 2 pushes) from the envelopes below and the built codecs (run `npm run build`
// first). Regenerate only for a deliberate wire change: the fixtures pin the bytes on the wire,
// and the server's and client's tests read them too.
import { writeFileSync } from 'node:fs';
import { jsonCodec } from '../dist/index.js';
import { jsonV2Codec } from '../dist/index.js';
import { msgpackCodec, msgpackV2Codec } from '../dist/msgpack.js';

const limits = { maxPayload: 65536, heartbeatMs: 25000, maxRooms: 100, messagesPerSecond: 100 };

const C2S = 'client-to-server';
const S2C = 'server-to-client';

const cases = [
  ['event with data', C2S, { t: 'event', event: 'typing', data: { room: 'lobby' } }],
  ['event without data', C2S, { t: 'event', event: 'idle' }],
  ['request', C2S, { t: 'request', id: 1, name: 'chat:send', data: { room: 'lobby', text: 'héllo €' } }],
  ['reply ok from a client', C2S, { t: 'reply', id: 7, ok: true, data: { confirmed: true } }],
  [
    'reply error from a client',
    C2S,
    { t: 'reply', id: 8, ok: false, error: { code: 'NOT_FOUND', message: 'no handler' } },
  ],
  ['join', C2S, { t: 'join', id: 2, room: 'lobby' }],
  ['join with presence', C2S, { t: 'join', id: 3, room: 'lobby', presence: true }],
  ['join with presence counts', C2S, { t: 'join', id: 3, room: 'stadium', presence: true, presenceCount: true }],
  ['join with since', C2S, { t: 'join', id: 9, room: 'hist:lobby', since: { offset: 41, epoch: 'k3x9' } }],
  ['leave', C2S, { t: 'leave', id: 4, room: 'lobby' }],
  ['publish', C2S, { t: 'publish', room: 'lobby', event: 'message', data: { text: 'hi' } }],
  ['publish with ack id', C2S, { t: 'publish', room: 'lobby', event: 'message', data: { text: 'hi', n: -1.5 }, id: 5 }],
  ['presence-get', C2S, { t: 'presence-get', id: 6, room: 'lobby' }],
  ['refresh', C2S, { t: 'refresh', id: 4294967295, token: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1MSJ9.sig' }],
  ['ping from a client', C2S, { t: 'ping', ts: 1700000000000 }],
  ['pong from a client', C2S, { t: 'pong' }],
  ['welcome', S2C, { t: 'welcome', v: 1, connectionId: 'c-1', userId: 'u1', expiresAt: 1700000600000, limits }],
  ['welcome without expiry', S2C, { t: 'welcome', v: 1, connectionId: 'c-2', userId: 'anon', limits }],
  ['request from a server', S2C, { t: 'request', id: 1, name: 'client:confirm', data: [1, null, false, 'x'] }],
  ['reply ok', S2C, { t: 'reply', id: 1, ok: true, data: { id: 'm-1' } }],
  ['reply ok without data', S2C, { t: 'reply', id: 2, ok: true }],
  [
    'join reply with presence',
    S2C,
    {
      t: 'reply',
      id: 3,
      ok: true,
      data: { room: 'lobby', presence: { room: 'lobby', members: [{ userId: 'u1', connections: 2 }] } },
    },
  ],
  [
    'join reply recovered',
    S2C,
    { t: 'reply', id: 9, ok: true, data: { room: 'hist:lobby', recovered: true, offset: 43, epoch: 'k3x9' } },
  ],
  [
    'join reply not recovered',
    S2C,
    { t: 'reply', id: 1, ok: true, data: { room: 'hist:lobby', recovered: false, offset: 7, epoch: 'p2m4' } },
  ],
  ['reply error', S2C, { t: 'reply', id: 4, ok: false, error: { code: 'FORBIDDEN', message: 'not a member' } }],
  ['direct push', S2C, { t: 'push', event: 'hello', data: 'direct' }],
  ['room push', S2C, { t: 'push', event: 'message', data: { from: 'u1', text: 'hi' }, room: 'lobby' }],
  [
    'room push with offset and epoch',
    S2C,
    { t: 'push', event: 'tick', data: 4294967296, room: 'ticker:BTC', offset: 42, epoch: 'e7' },
  ],
  ['room push from a client', S2C, { t: 'push', event: 'message', data: { text: 'hi' }, room: 'lobby', from: 'u1' }],
  ['presence join', S2C, { t: 'presence', room: 'lobby', change: 'join', userId: 'u2', connections: 1 }],
  ['presence leave', S2C, { t: 'presence', room: 'lobby', change: 'leave', userId: 'u2', connections: 0 }],
  ['presence count', S2C, { t: 'presence', room: 'stadium', change: 'count', count: 4000 }],
  ['notice gap', S2C, { t: 'notice', code: 'GAP', room: 'ticker:BTC', missed: 12 }],
  ['notice gap with offset', S2C, { t: 'notice', code: 'GAP', room: 'hist:lobby', missed: 3, offset: 45 }],
  ['notice token expiring', S2C, { t: 'notice', code: 'TOKEN_EXPIRING', message: 'token expires in 30 s' }],
  ['notice shutdown', S2C, { t: 'notice', code: 'SHUTDOWN' }],
  ['ping from a server', S2C, { t: 'ping' }],
  ['pong from a server', S2C, { t: 'pong', ts: 1700000000000 }],
];

const fixtures = cases.map(([name, direction, envelope]) => ({
  name,
  direction,
  envelope,
  json: jsonCodec.encode(envelope),
  msgpackHex: Buffer.from(msgpackCodec.encode(envelope)).toString('hex'),
}));
writeFileSync(new URL('../fixtures/golden.json', import.meta.url), `${JSON.stringify(fixtures, null, 2)}\n`);
console.log(`wrote ${fixtures.length} fixtures`);

// Version 2 differs from version 1 only in `push`; every other kind is the same text and bytes,
// which the tests check against golden.json. `decoded` is given where decoding does not give the
// envelope back: a room push without data comes back with `data: null`.
const pushCases = [
  ['direct push', { t: 'push', event: 'hello', data: 'direct' }],
  ['direct push without data', { t: 'push', event: 'wake' }],
  ['room push', { t: 'push', event: 'message', data: { from: 'u1', text: 'hi' }, room: 'lobby' }],
  ['room push with null data', { t: 'push', event: 'cleared', data: null, room: 'lobby' }],
  [
    'room push without data',
    { t: 'push', event: 'left', room: 'lobby' },
    { t: 'push', event: 'left', data: null, room: 'lobby' },
  ],
  [
    'room push with offset and epoch',
    { t: 'push', event: 'tick', data: 4294967296, room: 'ticker:BTC', offset: 42, epoch: 'e7' },
  ],
  [
    'history room push',
    { t: 'push', event: 'message', data: { text: 'b' }, room: 'hist:lobby', offset: 42, epoch: 'k3x9' },
  ],
  ['room push with epoch only', { t: 'push', event: 'tick', data: [1.5, 'x'], room: 'ticker:BTC', epoch: 'e7' }],
  ['room push from a client', { t: 'push', event: 'message', data: { text: 'hi' }, room: 'lobby', from: 'u1' }],
  [
    'history room push from a client',
    { t: 'push', event: 'message', data: { text: 'b' }, room: 'hist:lobby', offset: 42, epoch: 'k3x9', from: 'u1' },
  ],
];
const v2 = pushCases.map(([name, envelope, decoded]) => ({
  name,
  direction: S2C,
  envelope,
  ...(decoded ? { decoded } : {}),
  json: jsonV2Codec.encode(envelope),
  msgpackHex: Buffer.from(msgpackV2Codec.encode(envelope)).toString('hex'),
}));
writeFileSync(new URL('../fixtures/golden-v2.json', import.meta.url), `${JSON.stringify(v2, null, 2)}\n`);
console.log(`wrote ${v2.length} version 2 push fixtures`);
