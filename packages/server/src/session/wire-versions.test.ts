import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  jsonCodec,
  jsonV2Codec,
  SUBPROTOCOL_V2_JSON,
  SUBPROTOCOL_V2_MSGPACK,
  type Codec,
  type ServerEnvelope,
} from '@switchyard/protocol';
import { msgpackCodec, msgpackV2Codec } from '@switchyard/protocol/msgpack';
import type { Connection } from './connection.js';
import { startTestServer, type TestServer } from '../testing/index.js';
import { RawClient } from '../test-support/raw-client.js';

// Protocol versions 1 and 2 differ only in the push encoding; a server serves both for each
// codec, and members of one room on any mix of wire formats receive every message. Each client
// decodes with its own version's strict codec, which refuses the other version's push form, so a
// push that arrives in the wrong encoding fails the test.

const FORMATS: [string, Codec][] = [
  ['json v1', jsonCodec],
  ['json v2', jsonV2Codec],
  ['msgpack v1', msgpackCodec],
  ['msgpack v2', msgpackV2Codec],
];

describe('protocol versions 1 and 2 side by side (real sockets)', () => {
  let t: TestServer;
  const clients: RawClient[] = [];
  const connect = async (user: string, codec: Codec): Promise<RawClient> => {
    const c = await RawClient.connect(t.url, { token: t.token(user), codec });
    clients.push(c);
    return c;
  };
  const members = async (room: string, presence = false): Promise<RawClient[]> => {
    const cs: RawClient[] = [];
    for (const [name, codec] of FORMATS) cs.push(await connect(name.replace(' ', '-'), codec));
    for (const c of cs) expect((await c.join(room, presence)).ok).toBe(true);
    return cs;
  };
  beforeEach(async () => {
    t = await startTestServer({ rooms: [{ pattern: 'mixed-*', clientPublish: true }] });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await t.close();
  });

  it('negotiates either version and announces it in welcome.v', async () => {
    for (const [, codec] of FORMATS) {
      const c = await connect('v', codec);
      expect(c.ws.protocol).toBe(codec.subprotocol);
      expect(c.received[0]).toMatchObject({ t: 'welcome', v: codec.version });
    }
    expect([SUBPROTOCOL_V2_JSON, SUBPROTOCOL_V2_MSGPACK]).toEqual([
      jsonV2Codec.subprotocol,
      msgpackV2Codec.subprotocol,
    ]);
  });

  it.each(FORMATS)(
    'a client publish reaches every other wire format with its sender in from, not the sender (%s sender)',
    async (_name, codec) => {
      const room = `mixed-${codec.name}-${codec.version}`;
      const others = await members(room);
      const sender = await connect('sender', codec);
      expect((await sender.join(room)).ok).toBe(true);
      for (let i = 0; i < 20; i++) sender.send({ t: 'publish', room, event: 'msg', data: { i, text: 'héllo' } });
      expect(await sender.call((id) => ({ t: 'publish', id, room, event: 'last' }))).toMatchObject({ ok: true });
      for (const c of others) {
        await c.next((e) => e.t === 'push' && e.event === 'last');
        const pushes = c.pushes(room);
        expect(pushes.slice(0, 20)).toEqual(
          Array.from({ length: 20 }, (_, i) => ({
            t: 'push',
            event: 'msg',
            data: { i, text: 'héllo' },
            room,
            from: 'sender',
          })),
        );
        // A push without data: absent in version 1, null in version 2 (docs/protocol.md §11).
        expect(pushes[20]).toEqual(
          c.codec.version === 1
            ? { t: 'push', event: 'last', room, from: 'sender' }
            : { t: 'push', event: 'last', data: null, room, from: 'sender' },
        );
      }
      await sender.call((id) => ({ t: 'presence-get', id, room }));
      expect(sender.pushes(room)).toEqual([]);
    },
  );

  it('server emits, several exclusions, direct pushes and presence reach every wire format, without from', async () => {
    const conns = new Map<string, Connection>();
    t.server.on('connection', (conn) => void conns.set(conn.userId, conn));
    const watchers = await members('lobby', true);
    expect(t.server.to('lobby').emit('srv', [1, 'two'])).toBe(4);
    // Two exclusions cannot be a topic publish: the member-by-member path, one encode per format.
    expect(
      t.server
        .to('lobby')
        .except([conns.get('json-v1')!, conns.get('msgpack-v2')!])
        .emit('few', 7),
    ).toBe(2);
    expect(t.server.toUser('json-v2').emit('direct', { ok: true })).toBe(1);
    expect([...conns.values()].map((c) => [c.userId, c.codec, c.protocolVersion])).toEqual(
      FORMATS.map(([n, codec]) => [n.replace(' ', '-'), codec.name, codec.version]),
    );
    const newcomer = await connect('newcomer', msgpackV2Codec);
    await newcomer.join('lobby');
    for (const c of watchers) {
      expect(await c.next((e) => e.t === 'presence' && e.change === 'join' && e.userId === 'newcomer')).toEqual({
        t: 'presence',
        room: 'lobby',
        change: 'join',
        userId: 'newcomer',
        connections: 1,
      });
      expect(c.pushes('lobby')[0]).toEqual({ t: 'push', event: 'srv', data: [1, 'two'], room: 'lobby' });
    }
    const got = (name: string): ServerEnvelope[] =>
      clients[FORMATS.findIndex(([n]) => n.replace(' ', '-') === name)]!.pushes('lobby');
    expect(got('json-v1').map((p) => p.t === 'push' && p.event)).toEqual(['srv']);
    expect(got('msgpack-v2').map((p) => p.t === 'push' && p.event)).toEqual(['srv']);
    expect(got('json-v2').map((p) => p.t === 'push' && p.event)).toEqual(['srv', 'few']);
    expect(got('msgpack-v1').map((p) => p.t === 'push' && p.event)).toEqual(['srv', 'few']);
    const direct = watchers[1]!;
    expect(direct.codec).toBe(jsonV2Codec);
    expect(direct.received.filter((e) => e.t === 'push' && e.room === undefined)).toEqual([
      { t: 'push', event: 'direct', data: { ok: true } },
    ]);
  });
});
