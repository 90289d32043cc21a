import { describe, expect, it } from 'vitest';
import { CloseCode, createJsonCodec, jsonCodec, type Codec } from '@switchyard/protocol';
import type { ServerConnection } from './connection.js';
import { onSocketClose, onSocketMessage, onSocketOpen, welcomeLimits, type SocketEventDeps } from './socket-events.js';
import type { DisconnectInfo } from '../server-types.js';
import type { SocketState } from '../upgrade/upgrade.js';
import { fakeConnectionInit } from '../test-support/fake-transport.js';
import { sessionFixture } from '../test-support/session-fixture.js';

const LIMITS = welcomeLimits({
  maxPayload: 1000,
  heartbeatMs: 25_000,
  maxRoomsPerConnection: 10,
  messagesPerSecond: 50,
} as never);

function events(options: { shuttingDown?: boolean } = {}) {
  const f = sessionFixture();
  const connected: ServerConnection[] = [];
  const disconnected: [ServerConnection, DisconnectInfo][] = [];
  const deps: SocketEventDeps = {
    hub: f.hub,
    metrics: f.metrics,
    logger: f.logs.logger,
    welcomeLimits: LIMITS,
    dispatcher: f.dispatcher,
    isShuttingDown: () => options.shuttingDown === true,
    connected: (conn) => void connected.push(conn),
    disconnected: (conn, info) => void disconnected.push([conn, info]),
  };
  let released = 0;
  const lease = { release: () => void released++ };
  /** Opens a socket as the transport does: the connection, then `open`. */
  const open = (init: Parameters<typeof f.open>[0] = {}) => {
    const opened = f.open({ ...init, lease });
    const state: SocketState = { init: undefined, conn: undefined };
    onSocketOpen(deps, opened.conn, state);
    return { ...opened, state };
  };
  const frame = (text: string): ArrayBuffer => new TextEncoder().encode(text).buffer;
  return { f, deps, connected, disconnected, open, frame, releases: () => released };
}

describe('socket events: open', () => {
  it('registers the connection, sends welcome with the advertised limits and tells the listeners', () => {
    const e = events();
    const { conn, socket, state } = e.open({ userId: 'alice' });
    expect(state.conn).toBe(conn);
    expect(e.f.received(socket)).toEqual([
      { t: 'welcome', v: 1, connectionId: conn.id, userId: 'alice', limits: LIMITS },
    ]);
    expect(e.f.hub.connections.get(conn.id)).toBe(conn);
    expect(e.f.calls['connectionOpened']).toEqual([['json']]);
    expect(e.connected).toEqual([conn]);
    expect(e.f.logs.events('connection_opened')).toHaveLength(1);
  });

  it('names the token expiry in welcome and warns at once when less than the notice lead is left', () => {
    const e = events();
    const expiresAt = Date.now() + 5_000;
    const { socket } = e.open({ expiresAt });
    expect(e.f.received(socket)).toEqual([
      expect.objectContaining({ t: 'welcome', expiresAt }),
      { t: 'notice', code: 'TOKEN_EXPIRING', message: 'refresh the token in band' },
    ]);
  });

  it('closes a socket that opens while the server shuts down with 1001, without telling the listeners', () => {
    const e = events({ shuttingDown: true });
    const { conn, socket } = e.open();
    expect(socket.ended).toEqual({ code: CloseCode.GOING_AWAY, reason: 'server shutting down' });
    expect(conn.closeReason).toBe('shutdown');
    expect(e.connected).toEqual([]);
  });
});

describe('socket events: message', () => {
  it('decodes a frame and hands it to the dispatcher', () => {
    const e = events();
    const { socket, state } = e.open();
    onSocketMessage(e.deps, state, e.frame('{"t":"ping","ts":5}'), false);
    expect(e.f.received(socket).at(-1)).toEqual({ t: 'pong', ts: 5 });
    expect(e.f.calls['messageReceived']).toEqual([['json', 'ping', 19]]);
  });

  it.each([
    ['not JSON', '{"t":', CloseCode.PROTOCOL_ERROR, 'INVALID_JSON'],
    ['an unknown type', '{"t":"launch"}', CloseCode.PROTOCOL_ERROR, 'UNKNOWN_TYPE'],
    ['a server-only type', '{"t":"welcome"}', CloseCode.PROTOCOL_ERROR, 'WRONG_DIRECTION'],
  ])('closes on %s with the protocol error close code', (_what, text, code, reason) => {
    const e = events();
    const { conn, socket, state } = e.open();
    onSocketMessage(e.deps, state, e.frame(text), false);
    expect(socket.ended).toEqual({ code, reason });
    expect(conn.closeReason).toBe('protocol_error');
    expect(e.f.logs.events('protocol_error')).toEqual([expect.objectContaining({ code: reason, closeCode: code })]);
  });

  it('closes a binary frame on a JSON connection with 4001', () => {
    const e = events();
    const { socket, state } = e.open();
    onSocketMessage(e.deps, state, e.frame('{"t":"ping"}'), true);
    expect(socket.ended?.code).toBe(CloseCode.UNSUPPORTED_FRAME);
  });

  it('closes a frame larger than the decoder accepts with 4004, counted as payload_too_large', () => {
    const e = events();
    const { conn, socket, state } = e.open({ codec: createJsonCodec({ maxBytes: 16 }) });
    onSocketMessage(e.deps, state, e.frame(`{"t":"event","event":"${'x'.repeat(64)}"}`), false);
    expect(socket.ended).toEqual({ code: CloseCode.MESSAGE_TOO_LARGE, reason: 'TOO_LARGE' });
    expect(conn.closeReason).toBe('payload_too_large');
  });

  it('closes with 1011 when the decoder throws something other than a ProtocolError', () => {
    const e = events();
    const broken: Codec = {
      ...jsonCodec,
      decodeFromClient: () => {
        throw new TypeError('decoder bug');
      },
    };
    const { socket, state } = e.open({ codec: broken });
    onSocketMessage(e.deps, state, e.frame('{"t":"ping"}'), false);
    expect(socket.ended).toEqual({ code: CloseCode.INTERNAL_ERROR, reason: 'internal error' });
    expect(e.f.logs.events('decode_failed')).toHaveLength(1);
  });

  it('ignores frames once the connection is closed', () => {
    const e = events();
    const { conn, socket, state } = e.open();
    conn.close();
    onSocketMessage(e.deps, state, e.frame('{"t":"ping"}'), false);
    expect(e.f.received(socket).map((m) => m.t)).toEqual(['welcome']);
    expect(e.f.calls['messageReceived']).toBeUndefined();
  });
});

describe('socket events: close', () => {
  it('leaves the rooms, unregisters, releases the lease, counts, logs and tells the listeners', async () => {
    const e = events();
    const { conn, state } = e.open();
    e.f.send(conn, { t: 'join', id: 1, room: 'lobby' });
    await e.f.settle();
    expect(e.f.transport.numSubscribers('j:lobby')).toBe(1);
    const pending = conn.request('ask', null);
    onSocketClose(e.deps, state, 1000, '');
    expect(conn.closed).toBe(true);
    expect(e.f.hub.connections.has(conn.id)).toBe(false);
    expect(conn.roomCount).toBe(0);
    expect(e.f.transport.numSubscribers('j:lobby')).toBe(0);
    expect(e.releases()).toBe(1);
    expect(e.f.calls['connectionClosed']).toEqual([['normal', 'client']]);
    expect(e.disconnected).toEqual([[conn, { code: 1000, reason: 'client' }]]);
    await expect(pending).rejects.toMatchObject({ code: 'DISCONNECTED' });
  });

  it("reports the server's own reason for a close it made", () => {
    const e = events();
    const { conn, state } = e.open();
    conn.end(CloseCode.RATE_LIMITED, 'rate limited', 'rate_limited');
    onSocketClose(e.deps, state, CloseCode.RATE_LIMITED, 'rate limited');
    expect(e.disconnected[0]?.[1]).toEqual({ code: CloseCode.RATE_LIMITED, reason: 'rate_limited' });
  });

  it('releases the lease of a socket that closed before it opened', () => {
    const e = events();
    let released = 0;
    const state: SocketState = {
      init: fakeConnectionInit({ lease: { release: () => void released++ } }),
      conn: undefined,
    };
    onSocketClose(e.deps, state, 1006, '');
    expect(released).toBe(1);
    expect(e.disconnected).toEqual([]);
  });
});
