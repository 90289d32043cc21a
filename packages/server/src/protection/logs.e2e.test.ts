import { Writable } from 'node:stream';
import { SUBPROTOCOL_JSON } from '@switchyard/protocol';
import { msgpackCodec } from '@switchyard/protocol/msgpack';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { RawClient, sleep, upgradeStatus } from '../test-support/raw-client.js';
import { startTestServer } from '../testing/index.js';

const API_KEY = 'log-test-api-key-0123456789';

describe('logs from a server run', () => {
  it('have one line per connect, close, auth failure and limit violation, and never a token, ?token= value, API key or message content', async () => {
    const chunks: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _enc, cb) {
        chunks.push(chunk.toString());
        cb();
      },
    });
    const t = await startTestServer({
      logger: pino({ level: 'trace' }, stream),
      apiKey: API_KEY,
      limits: { maxPayload: 2048, messagesPerSecond: 5, messageBurst: 5, maxRoomsPerConnection: 1 },
    });
    t.server.onRequest('echo', (_ctx, data: unknown) => data);
    t.server.onEvent('note', () => {});
    const secrets: string[] = [API_KEY];
    const remember = (token: string) => {
      secrets.push(token, token.split('.')[2] ?? token);
      return token;
    };
    try {
      // Tokens through every channel: header, subprotocol, query; a refresh in band.
      const viaHeader = await RawClient.connect(t.url, { token: remember(t.token('alice')) });
      const viaProtocol = await RawClient.connect(t.url, {
        protocols: [msgpackCodec.subprotocol, `switchyard.bearer.${remember(t.token('bob'))}`],
        codec: msgpackCodec,
      });
      const queryToken = remember(t.token('carol'));
      const viaQuery = await RawClient.connect(`${t.url}?token=${queryToken}`, { protocols: [SUBPROTOCOL_JSON] });
      const refreshed = remember(t.token('alice', { v: 2 }));
      expect((await viaHeader.call((id) => ({ t: 'refresh', id, token: refreshed }))).ok).toBe(true);
      // Failed authentications: a forged token in the query, a wrong API key.
      const forged = `${queryToken.slice(0, -4)}AAAA`;
      secrets.push(forged, forged.split('.')[2] ?? forged);
      expect((await upgradeStatus(`${t.url}?token=${forged}`)).status).toBe(401);
      const wrongKey = 'WRONG-KEY-never-log-me';
      secrets.push(wrongKey);
      expect((await fetch(`${t.httpUrl}/v1/rooms`, { headers: { authorization: `Bearer ${wrongKey}` } })).status).toBe(
        401,
      );

      // Message contents in every direction and path.
      for (const c of [viaHeader, viaProtocol]) expect((await c.join('room-a')).ok).toBe(true);
      viaHeader.send({ t: 'publish', room: 'room-a', event: 'chat', data: { text: 'CONTENT-publish-7f3a' } });
      secrets.push('CONTENT-publish-7f3a');
      expect(
        (await viaHeader.call((id) => ({ t: 'request', id, name: 'echo', data: 'CONTENT-request-91bc' }))).ok,
      ).toBe(true);
      secrets.push('CONTENT-request-91bc');
      viaProtocol.send({ t: 'event', event: 'note', data: 'CONTENT-event-55d0' });
      secrets.push('CONTENT-event-55d0');
      const api = await fetch(`${t.httpUrl}/v1/publish`, {
        method: 'POST',
        headers: { authorization: `Bearer ${API_KEY}` },
        body: JSON.stringify({ room: 'room-a', event: 'news', data: 'CONTENT-api-0c1d' }),
      });
      expect(api.status).toBe(200);
      secrets.push('CONTENT-api-0c1d');
      await viaProtocol.next((e) => e.t === 'push' && e.event === 'news');

      // Limit violations: rooms per connection, message rate, an oversize frame, a bad frame.
      expect((await viaHeader.join('room-b')).ok).toBe(false);
      for (let i = 0; i < 30; i++) viaQuery.send({ t: 'event', event: 'note', data: `CONTENT-flood-${i}` });
      secrets.push('CONTENT-flood-1');
      expect((await viaQuery.closed).code).toBe(4200);
      viaProtocol.sendRaw(new Uint8Array(4096).fill(0x41), true);
      expect((await viaProtocol.closed).code).toBe(4004);
      viaHeader.sendRaw('{"t":"event","event":"x","data":"CONTENT-badframe-e2e2"', false);
      secrets.push('CONTENT-badframe-e2e2');
      expect((await viaHeader.closed).code).toBe(4000);
      await sleep(100);
    } finally {
      await t.close();
    }

    const text = chunks.join('');
    for (const secret of secrets) expect(text, `log contains ${secret.slice(0, 12)}…`).not.toContain(secret);
    expect(text).not.toMatch(/token=/);

    const lines = text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const events = (name: string) => lines.filter((l) => l['event'] === name);
    expect(
      events('connection_opened')
        .map((l) => l['userId'])
        .sort(),
    ).toEqual(['alice', 'bob', 'carol']);
    for (const l of events('connection_opened')) expect(l).toMatchObject({ ip: '127.0.0.1' });
    const closes = events('connection_closed');
    expect(closes.map((l) => [l['userId'], l['code'], l['reason']]).sort()).toEqual([
      ['alice', 4000, 'protocol_error'],
      ['bob', 4004, 'payload_too_large'],
      ['carol', 4200, 'rate_limited'],
    ]);
    expect(events('upgrade_rejected')).toEqual([
      expect.objectContaining({ reason: 'invalid_token', status: 401, ip: '127.0.0.1' }),
    ]);
    expect(events('api_auth_failed')).toEqual([expect.objectContaining({ path: '/v1/rooms', ip: '127.0.0.1' })]);
    expect(events('limit_exceeded').map((l) => [l['limit'], l['action']])).toEqual([
      ['rooms_per_connection', undefined],
      ['message_rate', 'reject'],
      ['message_rate', 'close'],
    ]);
  }, 30_000);
});
