import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { createClient } from './client.js';
import type { StatusEvent } from './connection-machine.js';
import { ClientError } from './errors.js';
import type { ClientOptions } from './options.js';
import { FakeServer, waitFor, type FakeConnection } from './testing/fake-server.js';
import { ManualClock } from './testing/manual-clock.js';
import type { Client } from './types.js';
import type { WebSocketLike } from './web-socket.js';

// The client's failure modes (refused tokens, invalid URLs, rejoins that time out, errors
// printed twice), each driven by the manual clock against the fake server.

let server: FakeServer;
let clock: ManualClock;
let client: Client | undefined;
let statuses: StatusEvent[];
let errors: unknown[];

beforeEach(async () => {
  server = await FakeServer.start();
  clock = new ManualClock();
  statuses = [];
  errors = [];
  client = undefined;
});

afterEach(async () => {
  client?.close();
  vi.restoreAllMocks();
  await server.close();
});

function connect(options: Partial<ClientOptions> = {}, listen = true): Client {
  const c = createClient({ url: server.url, token: 'tok', WebSocket, clock, random: () => 0, ...options });
  client = c;
  if (listen) {
    c.onStatus((event) => statuses.push(event));
    c.onError((error) => errors.push(error));
  }
  return c;
}

/** A WebSocket as browsers have it: `ws` underneath, but no `on`, so no HTTP status is visible. */
class BrowserLikeWebSocket implements WebSocketLike {
  readonly #ws: WebSocket;
  constructor(url: string, protocols?: string | string[]) {
    this.#ws = new WebSocket(url, protocols);
    // ws raises the refused upgrade as an 'error' event; a browser's socket reports it the same way.
    this.#ws.on('error', () => {});
  }
  get protocol(): string {
    return this.#ws.protocol;
  }
  get binaryType(): unknown {
    return this.#ws.binaryType;
  }
  set binaryType(value: 'arraybuffer') {
    this.#ws.binaryType = value;
  }
  send(data: string | Uint8Array): void {
    this.#ws.send(data);
  }
  close(code?: number, reason?: string): void {
    this.#ws.close(code, reason);
  }
  get onopen(): WebSocketLike['onopen'] {
    return this.#ws.onopen as WebSocketLike['onopen'];
  }
  set onopen(fn: WebSocketLike['onopen']) {
    this.#ws.onopen = fn;
  }
  get onmessage(): WebSocketLike['onmessage'] {
    return this.#ws.onmessage as WebSocketLike['onmessage'];
  }
  set onmessage(fn: WebSocketLike['onmessage']) {
    this.#ws.onmessage = fn;
  }
  get onclose(): WebSocketLike['onclose'] {
    return this.#ws.onclose as WebSocketLike['onclose'];
  }
  set onclose(fn: WebSocketLike['onclose']) {
    this.#ws.onclose = fn;
  }
  get onerror(): WebSocketLike['onerror'] {
    return this.#ws.onerror as WebSocketLike['onerror'];
  }
  set onerror(fn: WebSocketLike['onerror']) {
    this.#ws.onerror = fn;
  }
}

async function reconnecting(count: number): Promise<void> {
  await waitFor(() => statuses.filter((s) => s.status === 'reconnecting').length === count, `reconnect #${count}`);
}

describe('a refused token (issue 14, item 18)', { timeout: 20_000 }, () => {
  it('reports UNAUTHORIZED, fetches a new token before each try, and stops after maxRefusals', async () => {
    server.refuseWith = 401;
    let n = 0;
    connect({ token: undefined, getToken: () => `t${++n}`, maxRefusals: 3 });
    await reconnecting(1);
    expect(statuses.at(-1)).toMatchObject({ status: 'reconnecting', code: 1006, reason: 'HTTP 401' });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(ClientError);
    expect(errors[0]).toMatchObject({ code: 'UNAUTHORIZED' });
    clock.advance(500);
    await reconnecting(2);
    clock.advance(500);
    await waitFor(() => client?.status === 'closed', 'closed');
    expect(statuses.at(-1)).toMatchObject({ status: 'closed', terminal: true, unauthorized: true });
    expect(n).toBe(3);
    expect(errors.map((e) => (e as ClientError).code)).toEqual([
      'UNAUTHORIZED',
      'UNAUTHORIZED',
      'UNAUTHORIZED',
      'UNAUTHORIZED',
    ]);
    // Terminal: no retry left, and calls fail with the reason.
    expect(clock.pending()).toEqual([]);
    await expect(client?.request('x', null)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('counts refusals in a row only: a welcome in between starts again', async () => {
    server.refuseWith = 401;
    connect({ getToken: () => 'tok', maxRefusals: 2 });
    await reconnecting(1);
    server.refuseWith = undefined;
    clock.advance(500);
    const connection = await server.connection(0);
    await waitFor(() => client?.status === 'open', 'open');
    server.refuseWith = 401;
    connection.socket.close(4101, 'revoked');
    await reconnecting(2);
    clock.advance(500);
    await reconnecting(3);
    expect(client?.status).toBe('reconnecting');
    clock.advance(500);
    await waitFor(() => client?.status === 'closed', 'closed');
    expect(statuses.at(-1)).toMatchObject({ unauthorized: true });
  });

  it('where the status is hidden (browsers), counts every attempt that fails before opening', async () => {
    server.refuseWith = 401;
    connect({ WebSocket: BrowserLikeWebSocket, getToken: () => 'tok', maxRefusals: 2 });
    await reconnecting(1);
    // No status, no UNAUTHORIZED guess for each attempt: only the terminal error names it.
    expect(errors).toEqual([]);
    expect(statuses.at(-1)).toMatchObject({ code: 1006, reason: '' });
    clock.advance(500);
    await waitFor(() => client?.status === 'closed', 'closed');
    expect(statuses.at(-1)).toMatchObject({ status: 'closed', terminal: true, unauthorized: true });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('where the status is hidden, a socket that opened is no refusal', async () => {
    connect({ WebSocket: BrowserLikeWebSocket, getToken: () => 'tok', maxRefusals: 1 });
    const connection = await server.connection(0);
    await waitFor(() => client?.status === 'open', 'open');
    connection.socket.close(1011, 'crash');
    await reconnecting(1);
    expect(errors).toEqual([]);
  });
});

describe('an invalid URL (item 19)', () => {
  it.each(['not a url', 'ftp://example.com/ws', 'wss://example.com/ws#frag', '//'])(
    'throws a TypeError for %j',
    (url) => {
      expect(() => createClient({ url, token: 't', WebSocket, autoConnect: false })).toThrow(TypeError);
    },
  );

  it('accepts ws:, wss:, http: and https: URLs', () => {
    for (const url of ['ws://127.0.0.1:9/ws', 'wss://example.com/ws', 'https://example.com/ws', 'http://[::1]:9/ws']) {
      expect(() => createClient({ url, token: 't', WebSocket, autoConnect: false })).not.toThrow();
    }
  });
});

/** Connects, joins `lobby` and drops the socket, so the client rejoins on connection #1. */
async function rejoining(options: Partial<ClientOptions> = {}): Promise<FakeConnection> {
  connect(options);
  const room = client?.join('lobby');
  const first = await server.connection(0);
  await first.acceptJoin();
  await room?.ready();
  first.socket.close(1011, 'gone');
  await reconnecting(1);
  clock.advance(500);
  return server.connection(1);
}

describe('a rejoin that fails with TIMEOUT or RATE_LIMITED (item 20)', { timeout: 20_000 }, () => {
  it('is retried with backoff, slowly after RATE_LIMITED, and the app hears nothing', async () => {
    const second = await rejoining();
    const joined: boolean[] = [];
    client?.join('lobby').onJoin(({ rejoined }) => joined.push(rejoined));
    const first = await second.next('join');
    clock.advance(10_000); // the join's timeout
    await waitFor(() => clock.pending().includes(500), 'the retry timer');
    clock.advance(500);
    const retry = await second.next('join', new Set([first]));
    second.send({ t: 'reply', id: retry.id, ok: false, error: { code: 'RATE_LIMITED', message: 'slow down' } });
    await second.settle();
    expect(clock.pending()).toContain(5_000);
    clock.advance(5_000);
    await second.acceptJoin({}, new Set([first, retry]));
    await second.settle();
    expect(second.all('join')).toHaveLength(3);
    expect(errors).toEqual([]);
    expect(joined).toEqual([true]);
  });

  it('gives up after joinAttempts, tells onError, and forgets the room', async () => {
    const second = await rejoining({ joinAttempts: 2 });
    const first = await second.next('join');
    second.send({ t: 'reply', id: first.id, ok: false, error: { code: 'RATE_LIMITED', message: 'slow down' } });
    await second.settle();
    clock.advance(5_000);
    const retry = await second.next('join', new Set([first]));
    second.send({ t: 'reply', id: retry.id, ok: false, error: { code: 'RATE_LIMITED', message: 'again' } });
    await waitFor(() => errors.length === 1, 'the error');
    expect(errors[0]).toMatchObject({ code: 'RATE_LIMITED', message: 'again' });
    expect(clock.pending()).not.toContain(5_000);
    second.socket.close(1011, 'gone');
    await reconnecting(2);
    clock.advance(500);
    const third = await server.connection(2);
    await third.settle();
    expect(third.all('join')).toEqual([]);
  });

  it('still forgets a room the server refuses (FORBIDDEN) at once', async () => {
    const second = await rejoining();
    const join = await second.next('join');
    second.send({ t: 'reply', id: join.id, ok: false, error: { code: 'FORBIDDEN', message: 'banned' } });
    await waitFor(() => errors.length === 1, 'the error');
    expect(errors[0]).toMatchObject({ code: 'FORBIDDEN' });
  });
});

describe('errors printed twice (issue 16)', { timeout: 20_000 }, () => {
  it('prints nothing for a kick the app sees through onError or onStatus', async () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const c = connect({}, false);
    const seen: StatusEvent[] = [];
    c.onStatus((event) => seen.push(event));
    const connection = await server.connection(0);
    await waitFor(() => c.status === 'open', 'open');
    connection.socket.close(4002, 'kicked');
    await waitFor(() => c.status === 'closed', 'closed');
    expect(seen.at(-1)).toMatchObject({ code: 4002, terminal: true });
    expect(error).not.toHaveBeenCalled();
    expect(warn).not.toHaveBeenCalled();
  });

  it('without any listener, says it in one line, never a stack trace', async () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const c = connect({}, false);
    const connection = await server.connection(0);
    await waitFor(() => c.status === 'open', 'open');
    connection.socket.close(4002, 'kicked');
    await waitFor(() => c.status === 'closed', 'closed');
    expect(error).not.toHaveBeenCalled();
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]).toEqual(['switchyard: ClientError: connection closed (4002: kicked)']);
  });
});
