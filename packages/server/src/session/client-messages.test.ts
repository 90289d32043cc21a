import { describe, expect, it } from 'vitest';
import { CloseCode, ErrorCode, NoticeCode, type ServerEnvelope } from '@switchyard/protocol';
import { AuthError, type Principal, type TokenVerifier } from '../auth/index.js';
import { sessionFixture } from '../test-support/session-fixture.js';

type Reply = Extract<ServerEnvelope, { t: 'reply' }>;

function replies(envelopes: readonly ServerEnvelope[]): Reply[] {
  return envelopes.filter((e): e is Reply => e.t === 'reply');
}

function errorCodes(envelopes: readonly ServerEnvelope[]): (string | undefined)[] {
  return replies(envelopes).map((r) => (r.ok ? undefined : r.error.code));
}

// A verifier that maps token strings to principals, and throws AuthError for anything else.
function verifierOf(tokens: Record<string, Principal>): TokenVerifier {
  return {
    verify(token) {
      const principal = tokens[token];
      if (principal === undefined) throw new AuthError('expired_token', 'jwt expired');
      return principal;
    },
  };
}

describe('ClientDispatcher: join', () => {
  it('joins and answers with the room', async () => {
    const f = sessionFixture();
    const { conn, socket } = f.connect();
    f.send(conn, { t: 'join', id: 1, room: 'lobby' });
    await f.settle();
    expect(f.received(socket)).toEqual([{ t: 'reply', id: 1, ok: true, data: { room: 'lobby' } }]);
    expect(conn.inRoom('lobby')).toBe(true);
  });

  it("refuses a room outside the token's rooms claim with FORBIDDEN", async () => {
    const f = sessionFixture();
    const { conn, socket } = f.connect({ roomClaim: ['chat:*'] });
    f.send(conn, { t: 'join', id: 1, room: 'admin' });
    f.send(conn, { t: 'join', id: 2, room: 'chat:1' });
    await f.settle();
    expect(errorCodes(f.received(socket))).toEqual([ErrorCode.FORBIDDEN, undefined]);
    expect(conn.roomNames()).toEqual(['chat:1']);
  });

  it('asks every hook in order; a false, a rejection or a throw denies', async () => {
    const seen: string[] = [];
    const f = sessionFixture({
      hooks: [
        (_ctx, action, room) => {
          seen.push(`${action}:${room}`);
          if (room === 'throws') throw new Error('hook bug');
          return room !== 'sync-denied';
        },
        (_ctx, _action, room) => Promise.resolve(room !== 'async-denied'),
      ],
    });
    const { conn, socket } = f.connect();
    for (const [id, room] of ['ok', 'sync-denied', 'async-denied', 'throws'].entries()) {
      f.send(conn, { t: 'join', id: id + 1, room });
    }
    await f.settle(() => replies(f.received(socket)).length === 4);
    const byId = new Map(replies(f.received(socket)).map((r) => [r.id, r.ok ? 'ok' : r.error.code]));
    expect([...byId.entries()].sort()).toEqual([
      [1, 'ok'],
      [2, ErrorCode.FORBIDDEN],
      [3, ErrorCode.FORBIDDEN],
      [4, ErrorCode.FORBIDDEN],
    ]);
    expect(seen).toEqual(['join:ok', 'join:sync-denied', 'join:async-denied', 'join:throws']);
    expect(f.calls['handlerError']).toEqual([['authorize']]);
    expect(conn.roomNames()).toEqual(['ok']);
  });

  it('answers a join past the rooms-per-connection limit with LIMIT_EXCEEDED', async () => {
    const f = sessionFixture({ maxRooms: 1 });
    const { conn, socket } = f.connect();
    f.send(conn, { t: 'join', id: 1, room: 'a' });
    await f.settle();
    f.send(conn, { t: 'join', id: 2, room: 'b' });
    expect(errorCodes(f.received(socket))).toEqual([undefined, ErrorCode.LIMIT_EXCEEDED]);
    expect(f.calls['limitRejected']).toEqual([['rooms_per_connection']]);
    expect(f.logs.events('limit_exceeded')).toHaveLength(1);
  });

  it('leaves a room and answers', async () => {
    const f = sessionFixture();
    const { conn, socket } = f.connect();
    f.send(conn, { t: 'join', id: 1, room: 'a' });
    await f.settle();
    f.send(conn, { t: 'leave', id: 2, room: 'a' });
    expect(replies(f.received(socket))[1]).toEqual({ t: 'reply', id: 2, ok: true, data: { room: 'a' } });
    expect(conn.roomCount).toBe(0);
  });
});

describe('ClientDispatcher: publish', () => {
  it('refuses a publish to a room not open to client publishing, answering only when it has an id', () => {
    const f = sessionFixture();
    const { conn, socket } = f.connect();
    f.send(conn, { t: 'publish', id: 1, room: 'closed', event: 'e' });
    f.send(conn, { t: 'publish', room: 'closed', event: 'e' });
    expect(errorCodes(f.received(socket))).toEqual([ErrorCode.FORBIDDEN]);
    expect(f.logs.events('publish_denied')).toHaveLength(1);
  });

  it('queues a publish the room policy allows, and refuses one the hooks deny', async () => {
    const f = sessionFixture({
      policies: [{ pattern: 'open:*', clientPublish: true }],
      hooks: [(_ctx, action, room) => action !== 'publish' || room !== 'open:muted'],
    });
    const { conn, socket } = f.connect();
    f.send(conn, { t: 'publish', id: 1, room: 'open:chat', event: 'say', data: 'hi' });
    f.send(conn, { t: 'publish', id: 2, room: 'open:muted', event: 'say', data: 'hi' });
    expect(errorCodes(f.received(socket))).toEqual([ErrorCode.FORBIDDEN]);
    expect(replies(f.received(socket))[0]?.id).toBe(2);
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(f.queued.map((q) => [q.conn, q.envelope.room])).toEqual([[conn, 'open:chat']]);
  });

  it('keeps publishes in order behind an asynchronous hook', async () => {
    const f = sessionFixture({
      policies: [{ pattern: '*', clientPublish: true }],
      hooks: [(_ctx, _action, room) => (room === 'slow' ? Promise.resolve(true) : true)],
    });
    const { conn } = f.connect();
    f.send(conn, { t: 'publish', room: 'slow', event: 'first' });
    f.send(conn, { t: 'publish', room: 'fast', event: 'second' });
    await f.settle(() => f.queued.length === 2);
    expect(f.queued.map((q) => q.envelope.event)).toEqual(['first', 'second']);
  });
});

describe('ClientDispatcher: refresh', () => {
  it('answers UNAUTHORIZED when the server verifies no tokens', () => {
    const f = sessionFixture();
    const { conn, socket } = f.connect();
    f.send(conn, { t: 'refresh', id: 1, token: 't' });
    expect(errorCodes(f.received(socket))).toEqual([ErrorCode.UNAUTHORIZED]);
  });

  it("takes a valid token's claims and expiry, and revokes rooms its rooms claim no longer allows", async () => {
    const expiresAt = Date.now() + 3_600_000;
    const f = sessionFixture({
      verifier: verifierOf({
        narrower: { userId: 'alice', claims: { sub: 'alice', role: 'x' }, expiresAt, rooms: ['chat:*'] },
      }),
    });
    const { conn, socket } = f.connect({ userId: 'alice' });
    f.send(conn, { t: 'join', id: 1, room: 'chat:1' });
    f.send(conn, { t: 'join', id: 2, room: 'news' });
    await f.settle();
    f.send(conn, { t: 'refresh', id: 3, token: 'narrower' });
    const after = f.received(socket).slice(2);
    expect(after).toEqual([
      {
        t: 'notice',
        code: NoticeCode.ROOM_REVOKED,
        room: 'news',
        message: "the refreshed token's rooms claim does not allow this room",
      },
      { t: 'reply', id: 3, ok: true, data: { expiresAt } },
    ]);
    expect(conn.claims).toEqual({ sub: 'alice', role: 'x' });
    expect(conn.expiresAt).toBe(expiresAt);
    expect(conn.roomNames()).toEqual(['chat:1']);
  });

  it('answers an invalid token with its reason and keeps the connection', () => {
    const f = sessionFixture({ verifier: verifierOf({}) });
    const { conn, socket } = f.connect();
    f.send(conn, { t: 'refresh', id: 1, token: 'stale' });
    expect(replies(f.received(socket))).toEqual([
      { t: 'reply', id: 1, ok: false, error: { code: ErrorCode.UNAUTHORIZED, message: 'expired_token' } },
    ]);
    expect(conn.closed).toBe(false);
  });

  it("closes the connection with TOKEN_INVALID when the token is another user's", () => {
    const f = sessionFixture({ verifier: verifierOf({ mallory: { userId: 'mallory', claims: {} } }) });
    const { conn, socket } = f.connect({ userId: 'alice' });
    f.send(conn, { t: 'refresh', id: 1, token: 'mallory' });
    expect(errorCodes(f.received(socket))).toEqual([ErrorCode.UNAUTHORIZED]);
    expect(socket.ended?.code).toBe(CloseCode.TOKEN_INVALID);
    expect(conn.closeReason).toBe('kicked');
    expect(conn.claims).toEqual({});
  });
});

describe('ClientDispatcher: rate limiting', () => {
  it('answers RATE_LIMITED past the burst, then closes with 4200 when the client keeps going', () => {
    const f = sessionFixture();
    f.router.onRequest('echo', (_ctx, data) => data);
    const { conn, socket } = f.connect({ messagesPerSecond: 1, messageBurst: 1 });
    f.send(conn, { t: 'request', id: 1, name: 'echo', data: 'a' });
    f.send(conn, { t: 'request', id: 2, name: 'echo', data: 'b' });
    expect(replies(f.received(socket))).toEqual([
      { t: 'reply', id: 1, ok: true, data: 'a' },
      { t: 'reply', id: 2, ok: false, error: { code: ErrorCode.RATE_LIMITED, message: 'message rate limit exceeded' } },
    ]);
    expect(f.logs.events('limit_exceeded')).toHaveLength(1);
    for (let id = 3; !conn.closed && id < 100; id++) f.send(conn, { t: 'request', id, name: 'echo' });
    expect(socket.ended?.code).toBe(CloseCode.RATE_LIMITED);
    expect(conn.closeReason).toBe('rate_limited');
    // Every message past the burst was answered, the last one too.
    expect(
      errorCodes(f.received(socket))
        .slice(1)
        .every((c) => c === ErrorCode.RATE_LIMITED),
    ).toBe(true);
  });

  it('meters ping on its own, more generous bucket', () => {
    const f = sessionFixture();
    const { conn, socket } = f.connect({ messagesPerSecond: 1, messageBurst: 1 });
    for (let i = 0; i < 10; i++) f.send(conn, { t: 'ping', ts: i });
    f.send(conn, { t: 'ping', ts: 10 });
    const pongs = f.received(socket).filter((e) => e.t === 'pong');
    expect(pongs).toHaveLength(10);
    expect(pongs[0]).toEqual({ t: 'pong', ts: 0 });
    expect(f.calls['rateLimited']).toHaveLength(1);
  });
});

describe('ClientDispatcher: requests and events', () => {
  it('answers a request with no handler NOT_FOUND and logs an event with none', () => {
    const f = sessionFixture();
    const { conn, socket } = f.connect();
    f.send(conn, { t: 'request', id: 7, name: 'nope' });
    f.send(conn, { t: 'event', event: 'nothing' });
    expect(errorCodes(f.received(socket))).toEqual([ErrorCode.NOT_FOUND]);
    expect(f.logs.events('unknown_event')).toEqual([expect.objectContaining({ name: 'nothing' })]);
  });

  it('answers INTERNAL when a reply cannot be encoded', () => {
    const f = sessionFixture();
    f.router.onRequest('big', () => 10n);
    const { conn, socket } = f.connect();
    f.send(conn, { t: 'request', id: 1, name: 'big' });
    expect(errorCodes(f.received(socket))).toEqual([ErrorCode.INTERNAL]);
    expect(f.calls['handlerError']).toEqual([['request']]);
  });

  it('answers INTERNAL, never {"0":1,…}, when a handler returns bytes to a JSON connection', () => {
    const f = sessionFixture();
    f.router.onRequest('bytes', () => ({ avatar: new Uint8Array([1, 2, 3]) }));
    const { conn, socket } = f.connect();
    f.send(conn, { t: 'request', id: 1, name: 'bytes' });
    expect(errorCodes(f.received(socket))).toEqual([ErrorCode.INTERNAL]);
    const [logged] = f.logs.events('reply_encode_failed');
    expect(logged?.['err']).toMatchObject({ name: 'BinaryDataError', path: 'data.avatar' });
  });

  it('rejects a server request carrying bytes to a JSON connection with BAD_REQUEST, sending nothing', async () => {
    const f = sessionFixture();
    const { conn, socket } = f.connect();
    const before = f.received(socket).length;
    await expect(conn.request('show', new Uint8Array([1]))).rejects.toMatchObject({ code: ErrorCode.BAD_REQUEST });
    expect(f.received(socket)).toHaveLength(before);
  });
});
