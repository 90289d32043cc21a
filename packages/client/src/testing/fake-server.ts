import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  SUBPROTOCOL_V2_JSON,
  jsonV2Codec,
  type ClientEnvelope,
  type JoinEnvelope,
  type ServerEnvelope,
  type WelcomeEnvelope,
} from '@switchyard/protocol';

/** Polls `predicate` in real time until it holds. */
export async function waitFor(predicate: () => boolean, what = 'condition', timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** One client connection on the fake server. */
export class FakeConnection {
  readonly socket: WebSocket;
  /** Subprotocols the client offered. */
  readonly offered: string[];
  /** Every envelope the client sent, in order. */
  readonly received: ClientEnvelope[] = [];
  closed: { code: number; reason: string } | undefined;
  /** Marker pongs seen (see {@link FakeConnection.settle}); kept out of `received`. */
  readonly #markers = new Set<number>();
  #nextMarker = 0;

  constructor(socket: WebSocket, request: IncomingMessage, answerPings: boolean) {
    this.socket = socket;
    this.offered = (request.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    socket.on('message', (data) => {
      const envelope = JSON.parse((data as Buffer).toString()) as ClientEnvelope;
      if (envelope.t === 'pong' && typeof envelope.ts === 'number' && envelope.ts < -1e9) {
        this.#markers.add(envelope.ts);
        return;
      }
      this.received.push(envelope);
      if (answerPings && envelope.t === 'ping')
        this.send({ t: 'pong', ...(envelope.ts === undefined ? {} : { ts: envelope.ts }) });
    });
    socket.on('close', (code, reason) => (this.closed = { code, reason: String(reason) }));
  }

  /** Sends an envelope (in protocol version 2: a push is a compact array), or raw text, to the client. */
  send(envelope: ServerEnvelope | string): void {
    this.socket.send(typeof envelope === 'string' ? envelope : jsonV2Codec.encode(envelope));
  }

  /** Sends the welcome. */
  welcome(overrides: Partial<WelcomeEnvelope> = {}): void {
    this.send({
      t: 'welcome',
      v: 2,
      connectionId: 'c1',
      userId: 'alice',
      limits: { maxPayload: 65_536, heartbeatMs: 25_000, maxRooms: 100, messagesPerSecond: 0 },
      ...overrides,
    });
  }

  /** Waits for the client's next envelope of kind `t` not yet taken, and returns it. */
  async next<T extends ClientEnvelope['t']>(
    t: T,
    taken = new Set<ClientEnvelope>(),
  ): Promise<Extract<ClientEnvelope, { t: T }>> {
    let found: ClientEnvelope | undefined;
    await waitFor(
      () => (found = this.received.find((e) => e.t === t && !taken.has(e))) !== undefined,
      `a "${t}" envelope`,
    );
    return found as Extract<ClientEnvelope, { t: T }>;
  }

  /**
   * Resolves once the client has handled every frame sent to it before, and everything it sent
   * in answer (at once or on a microtask) has arrived: two ping round trips. The explicit event
   * that replaces "wait a little and check nothing happened".
   */
  async settle(): Promise<void> {
    for (let i = 0; i < 2; i++) {
      const ts = -2e9 - this.#nextMarker++;
      this.send({ t: 'ping', ts });
      await waitFor(() => this.#markers.has(ts), 'the marker pong');
    }
  }

  /** Answers the client's next join not yet answered with `data` (the room name is added). */
  async acceptJoin(data: Record<string, unknown> = {}, taken = new Set<ClientEnvelope>()): Promise<JoinEnvelope> {
    const join = await this.next('join', taken);
    this.send({ t: 'reply', id: join.id, ok: true, data: { room: join.room, ...data } });
    return join;
  }

  /** Envelopes of kind `t` received so far. */
  all<T extends ClientEnvelope['t']>(t: T): Extract<ClientEnvelope, { t: T }>[] {
    return this.received.filter((e) => e.t === t) as Extract<ClientEnvelope, { t: T }>[];
  }
}

/**
 * A protocol-level stand-in for the server: a `ws` server that accepts `switchyard.v2.json`,
 * records what clients send and lets the test script every server envelope and close.
 */
export class FakeServer {
  readonly connections: FakeConnection[] = [];
  readonly #wss: WebSocketServer;
  readonly url: string;
  /** Sends the welcome as soon as a client connects. */
  autoWelcome: Partial<WelcomeEnvelope> | false = {};
  /** Answer pings with pongs, as a live server does. */
  answerPings = true;
  /** Refuse upgrades with this HTTP status instead of accepting them. */
  refuseWith: number | undefined;

  private constructor(wss: WebSocketServer, port: number) {
    this.#wss = wss;
    this.url = `ws://127.0.0.1:${port}/ws`;
    wss.on('connection', (socket, request) => {
      const connection = new FakeConnection(socket, request, this.answerPings);
      this.connections.push(connection);
      if (this.autoWelcome) connection.welcome(this.autoWelcome);
    });
  }

  /** Starts on 127.0.0.1, port 0. */
  static async start(): Promise<FakeServer> {
    let server: FakeServer | undefined;
    const wss = new WebSocketServer({
      host: '127.0.0.1',
      port: 0,
      handleProtocols: (protocols) => (protocols.has(SUBPROTOCOL_V2_JSON) ? SUBPROTOCOL_V2_JSON : false),
      verifyClient: (_info, done) => (server?.refuseWith ? done(false, server.refuseWith) : done(true)),
    });
    await new Promise<void>((resolve) => wss.once('listening', resolve));
    server = new FakeServer(wss, (wss.address() as AddressInfo).port);
    return server;
  }

  /** The `n`th connection (0-based), once it exists. */
  async connection(n: number): Promise<FakeConnection> {
    await waitFor(() => this.connections.length > n, `connection #${n}`);
    return this.connections[n] as FakeConnection;
  }

  async close(): Promise<void> {
    for (const client of this.#wss.clients) client.terminate();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
  }
}
