import { jsonCodec, type ClientEnvelope, type Codec, type ServerEnvelope } from '@switchyard/protocol';
import WebSocket from 'ws';

/** Options of {@link RawClient.connect}. */
export interface RawClientOptions {
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** Codec to speak; its subprotocol is offered unless `protocols` is given. @default jsonCodec */
  codec?: Codec;
  /** Exact subprotocol offer. */
  protocols?: string[];
  headers?: Record<string, string>;
}

/** A close as the client saw it. */
export interface CloseEvent {
  readonly code: number;
  readonly reason: string;
}

/** A protocol-level test client over `ws`: sends envelopes, waits for matching ones. */
export class RawClient {
  readonly ws: WebSocket;
  readonly codec: Codec;
  readonly received: ServerEnvelope[] = [];
  readonly closed: Promise<CloseEvent>;
  readonly #waiters = new Set<{ match: (e: ServerEnvelope) => boolean; resolve: (e: ServerEnvelope) => void }>();
  #cursor = 0;
  #nextId = 1;

  private constructor(ws: WebSocket, codec: Codec) {
    this.ws = ws;
    this.codec = codec;
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      const envelope = codec.decodeFromServer(isBinary ? new Uint8Array(data) : data.toString('utf8'), isBinary);
      this.received.push(envelope);
      for (const waiter of this.#waiters) {
        if (waiter.match(envelope)) {
          this.#waiters.delete(waiter);
          waiter.resolve(envelope);
          return;
        }
      }
    });
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
  }

  /** Opens a connection and waits for the `welcome` envelope. */
  static async connect(url: string, options: RawClientOptions = {}): Promise<RawClient> {
    const codec = options.codec ?? jsonCodec;
    const headers: Record<string, string> = { ...options.headers };
    if (options.token !== undefined) headers['authorization'] = `Bearer ${options.token}`;
    const ws = new WebSocket(url, options.protocols ?? [codec.subprotocol], { headers });
    const client = new RawClient(ws, codec);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    });
    await client.next((e) => e.t === 'welcome');
    return client;
  }

  /** Sends one envelope. */
  send(envelope: ClientEnvelope): void {
    const frame = this.codec.encode(envelope);
    this.ws.send(frame, { binary: this.codec.binary });
  }

  /** Sends raw bytes or text. */
  sendRaw(data: string | Uint8Array, binary: boolean): void {
    this.ws.send(data, { binary });
  }

  /** A fresh request id. */
  id(): number {
    return this.#nextId++;
  }

  /**
   * Waits for the first envelope, received since the last `next()` match or later, that
   * satisfies `match`.
   */
  next(match: (e: ServerEnvelope) => boolean = () => true, timeoutMs = 5000): Promise<ServerEnvelope> {
    for (let i = this.#cursor; i < this.received.length; i++) {
      const e = this.received[i]!;
      if (match(e)) {
        this.#cursor = i + 1;
        return Promise.resolve(e);
      }
    }
    return new Promise((resolve, reject) => {
      const waiter = {
        match,
        resolve: (e: ServerEnvelope) => {
          clearTimeout(timer);
          this.#cursor = this.received.length;
          resolve(e);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for an envelope`));
      }, timeoutMs);
      this.#waiters.add(waiter);
    });
  }

  /** Sends an envelope with a fresh id and waits for its reply. */
  async call(make: (id: number) => ClientEnvelope, timeoutMs = 5000): Promise<Extract<ServerEnvelope, { t: 'reply' }>> {
    const id = this.id();
    this.send(make(id));
    return (await this.next((e) => e.t === 'reply' && e.id === id, timeoutMs)) as Extract<
      ServerEnvelope,
      { t: 'reply' }
    >;
  }

  join(room: string, presence = false): Promise<Extract<ServerEnvelope, { t: 'reply' }>> {
    return this.call((id) => ({ t: 'join', id, room, ...(presence ? { presence } : {}) }));
  }

  /** Every push received so far for `room`, in order. */
  pushes(room?: string): Extract<ServerEnvelope, { t: 'push' }>[] {
    return this.received.filter((e): e is Extract<ServerEnvelope, { t: 'push' }> => e.t === 'push' && e.room === room);
  }

  /** Waits until at least `count` pushes of `room` arrived. */
  async waitPushes(room: string, count: number, timeoutMs = 5000): Promise<void> {
    await eventually(
      `${count} pushes in ${room} (got ${this.pushes(room).length})`,
      () => this.pushes(room).length >= count,
      timeoutMs,
    );
  }

  close(code = 1000): Promise<CloseEvent> {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(code);
    return this.closed;
  }
}

/** Attempts an upgrade and reports the HTTP status (101 when it succeeded) and body. */
export function upgradeStatus(
  url: string,
  options: { headers?: Record<string, string>; protocols?: string[] } = {},
): Promise<{ status: number; body: string; protocol: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options.protocols ?? [], { headers: options.headers ?? {} });
    ws.once('open', () => {
      const protocol = ws.protocol;
      ws.terminate();
      resolve({ status: 101, body: '', protocol });
    });
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, protocol: '' }));
      res.on('error', reject);
    });
    ws.once('error', (err) => {
      if (!/Unexpected server response/.test(err.message)) reject(err);
    });
  });
}

/** Resolves after `ms`. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it holds; fails naming `what` after `timeoutMs`. */
export async function eventually(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
