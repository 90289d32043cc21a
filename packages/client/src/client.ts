import {
  type AnyContract,
  type Contract,
  type NoticeEnvelope,
  type PushEnvelope,
  type RequestEnvelope,
  type ServerEnvelope,
  type WelcomeEnvelope,
} from '@switchyard/protocol';
import type { Clock, TimerHandle } from './clock.js';
import { connectionConfig } from './connection-config.js';
import type { Status, StatusEvent } from './connection-machine.js';
import { Connection } from './connection.js';
import { Emitter } from './emitter.js';
import { backoff } from './backoff.js';
import { ClientError, endedError } from './errors.js';
import type { ClientOptions, JoinOptions, RequestOptions } from './options.js';
import { Outbox } from './outbox.js';
import { RoomHandle, type RoomHost } from './room.js';
import { answer, type Handler } from './server-requests.js';
import { refreshDelay } from './token-refresh.js';
import type { Client, PushMeta } from './types.js';

/**
 * Creates a client and, unless `autoConnect: false`, starts connecting.
 *
 * @example
 * const client = createClient<ChatContract>({ url: 'wss://chat.example.com/ws', getToken });
 * const room = client.join('lobby');
 * room.on('message', (m) => render(m));
 * await room.publish('message', { from: 'me', text: 'hi' });
 */
export function createClient<C extends Contract = AnyContract>(options: ClientOptions): Client<C> {
  return new SwitchyardClient(options) as unknown as Client<C>;
}

class SwitchyardClient {
  readonly #connection: Connection;
  readonly #clock: Clock;
  readonly #outbox: Outbox;
  readonly #refreshBeforeMs: number;
  #refreshTimer: TimerHandle;
  readonly #rooms = new Map<string, RoomHandle>();
  readonly #host: RoomHost;
  readonly #handlers = new Map<string, Handler>();
  readonly #errors = new Emitter<[unknown]>((error) => console.error(error));
  readonly #pushes = new Emitter<[unknown, PushMeta]>((error) => this.#error(error));
  readonly #events = new Emitter<[StatusEvent | NoticeEnvelope]>((error) => this.#error(error));
  readonly #getToken: (() => string | Promise<string>) | undefined;
  #token: string | undefined;
  #expiresAt: number | undefined;
  #welcome: WelcomeEnvelope | undefined;
  /** Counts welcomes; async work started in one session checks it before acting. */
  #session = 0;

  constructor(options: ClientOptions) {
    const config = connectionConfig(options, (fresh) => this.#tokenFor(fresh));
    const clock = (this.#clock = config.clock);
    this.#token = options.token;
    this.#getToken = options.getToken;
    this.#outbox = new Outbox(config.codec, clock, options, (frame) => this.#connection.send(frame));
    this.#refreshBeforeMs = options.refreshBeforeMs ?? 30_000;
    const delays = config.backoff;
    const joinAttempts = options.joinAttempts ?? 5;
    this.#host = {
      call: (build, mode, callOptions, onReply) => this.#outbox.call(build, mode, callOptions, onReply),
      send: (envelope) => this.#outbox.send(envelope),
      forget: (room) => {
        if (this.#rooms.get(room.name) === room) this.#rooms.delete(room.name);
      },
      error: (error) => this.#error(error),
      retry: (fn, failures, slow) => {
        if (failures >= joinAttempts) return undefined;
        const delay = slow
          ? backoff(failures - 1, delays.slowMinDelayMs, delays.slowMaxDelayMs, config.random)
          : backoff(failures - 1, delays.minDelayMs, delays.maxDelayMs, config.random);
        const timer = clock.setTimeout(fn, delay);
        return () => clock.clearTimeout(timer);
      },
    };
    this.#connection = new Connection(config, {
      welcome: (welcome) => this.#onWelcome(welcome),
      envelope: (envelope) => this.#onEnvelope(envelope),
      down: () => this.#onDown(),
      status: (event) => this.#onStatus(event),
      error: (error) => this.#error(error),
    });
    // On the next microtask, so listeners attached right after createClient() see `connecting`.
    if (options.autoConnect !== false) queueMicrotask(() => this.#outbox.ended || this.connect());
  }

  get status(): Status {
    return this.#connection.status;
  }

  get welcome(): WelcomeEnvelope | undefined {
    return this.#welcome;
  }

  emit(event: string, data: unknown): Promise<void> {
    return this.#outbox.send({ t: 'event', event, data });
  }

  request(name: string, data: unknown, options?: RequestOptions): Promise<unknown> {
    return this.#outbox.call((id) => ({ t: 'request', id, name, data }), 'queue', options);
  }

  on(event: string, fn: (data: unknown, meta: PushMeta) => void): () => void {
    return this.#pushes.on(event, fn);
  }

  handle(name: string, fn: Handler): () => void {
    this.#handlers.set(name, fn);
    return () => {
      if (this.#handlers.get(name) === fn) this.#handlers.delete(name);
    };
  }

  join(name: string, options: JoinOptions = {}): RoomHandle {
    let room = this.#rooms.get(name);
    if (!room) {
      this.#rooms.set(name, (room = new RoomHandle(this.#host, name, options)));
      // Before the welcome, the welcome handler sends every remembered room's join.
      if (this.#welcome) void room.join();
    }
    return room;
  }

  onStatus(fn: (event: StatusEvent) => void): () => void {
    return this.#events.on('status', fn as (event: StatusEvent | NoticeEnvelope) => void);
  }

  onNotice(fn: (notice: NoticeEnvelope) => void): () => void {
    return this.#events.on('notice', fn as (event: StatusEvent | NoticeEnvelope) => void);
  }

  onError(fn: (error: unknown) => void): () => void {
    return this.#errors.on('', fn);
  }

  connect(): void {
    this.#outbox.restart();
    this.#connection.connect();
  }

  close(): void {
    // The machine reports `closed` (1000) at once, in every phase, and #onStatus ends the session.
    this.#connection.close();
  }

  async #tokenFor(fresh: boolean): Promise<string | undefined> {
    const expired = this.#expiresAt !== undefined && this.#expiresAt <= this.#clock.now();
    if (this.#getToken && (fresh || expired || this.#token === undefined)) {
      this.#token = await this.#getToken();
      this.#expiresAt = undefined;
    }
    return this.#token;
  }

  #planRefresh(session: number): void {
    this.#clock.clearTimeout(this.#refreshTimer);
    // NaN without an expiry, or with one that is not a number (a broken server): a runtime would
    // fire a NaN delay at once, and every refresh would plan the next one at once again.
    const delay = refreshDelay(this.#expiresAt as number, this.#clock.now(), this.#refreshBeforeMs);
    if (delay >= 0 && this.#getToken)
      this.#refreshTimer = this.#clock.setTimeout(() => void this.#refresh(session), delay);
  }

  /** Replaces the token in band; a refused refresh is reported, and the server closes with 41xx. */
  async #refresh(session: number): Promise<void> {
    try {
      const token = await (this.#getToken as () => string | Promise<string>)();
      const reply = (await this.#outbox.call((id) => ({ t: 'refresh', id, token }), 'direct')) as
        { expiresAt?: number } | undefined;
      if (session !== this.#session) return;
      this.#token = token;
      this.#expiresAt = reply?.expiresAt;
      this.#planRefresh(session);
    } catch (error) {
      this.#error(error);
    }
  }

  #onWelcome(welcome: WelcomeEnvelope): void {
    const session = ++this.#session;
    this.#welcome = welcome;
    this.#outbox.welcomed(welcome.limits);
    this.#expiresAt = welcome.expiresAt;
    this.#planRefresh(session);
    // Rooms first, then the queue: a queued publish may need the membership restored.
    const joins = [...this.#rooms.values()].map((room) => room.join());
    const flush = (): void => {
      if (session === this.#session && this.#welcome) this.#outbox.flush();
    };
    void Promise.all(joins).then(flush);
  }

  #onEnvelope(envelope: ServerEnvelope): void {
    switch (envelope.t) {
      case 'reply':
        this.#outbox.settle(envelope);
        return;
      case 'request':
        this.#answer(envelope);
        return;
      case 'push':
        this.#onPush(envelope);
        return;
      case 'presence':
        this.#rooms.get(envelope.room)?.presenceChanged(envelope);
        return;
      case 'notice': {
        const { code, room, offset } = envelope;
        if (code === 'TOKEN_EXPIRING' && this.#getToken) void this.#refresh(this.#session);
        // In a room with history a gap is recovered by rejoining from before it.
        if (code === 'GAP' && offset !== undefined) this.#rooms.get(room as string)?.gap(offset);
        if (code === 'ROOM_REVOKED') this.#revoked(room as string);
        this.#events.emit('notice', envelope);
        return;
      }
    }
  }

  /** The server left the room for us (a refreshed token no longer allows it): never rejoin it. */
  #revoked(room: string): void {
    const handle = this.#rooms.get(room);
    if (!handle) return;
    const error = new ClientError('FORBIDDEN', `the refreshed token no longer allows room '${room}'`);
    handle.revoke(error);
    this.#error(error);
  }

  #onPush({ event, data, room, offset, epoch, from }: PushEnvelope): void {
    // No room (a direct push) finds no room handle.
    const handle = this.#rooms.get(room as string);
    // Held while a gap is recovered, or a duplicate: never reaches a listener.
    if (handle && !handle.accept(offset, epoch)) return;
    const meta: PushMeta = {
      ...(room !== undefined && { room }),
      ...(offset !== undefined && epoch !== undefined && { offset, epoch }),
      ...(from !== undefined && { from }),
    };
    handle?.deliver(event, data, meta);
    this.#pushes.emit(event, data, meta);
  }

  #answer(request: RequestEnvelope): void {
    answer(
      this.#handlers.get(request.name),
      request,
      (reply) => this.#outbox.encode(reply),
      (error) => this.#error(error),
    ).then(
      (frame) => this.#outbox.reply(frame),
      // Even the error reply cannot be sent (larger than maxPayload): the server's call times out.
      (error: unknown) => this.#error(error),
    );
  }

  #onDown(): void {
    this.#welcome = undefined;
    this.#clock.clearTimeout(this.#refreshTimer);
    this.#outbox.down(this.#connection.status === 'closed');
  }

  #onStatus(event: StatusEvent): void {
    this.#events.emit('status', event);
    if (event.status !== 'closed') return;
    const error = endedError(event);
    this.#outbox.end(error);
    for (const room of this.#rooms.values()) room.abandon(error);
    this.#rooms.clear();
    if (event.terminal) this.#error(error, true);
  }

  /**
   * Hands an error to the `onError` listeners. Without one it is never dropped: the console gets
   * it, but an error that ends the session (`ending`) only when nobody listens to the status
   * either, and as one line, not a stack trace.
   */
  #error(error: unknown, ending = false): void {
    if (this.#errors.emit('', error)) return;
    if (!ending) console.error(error);
    else if (!this.#events.has('status')) console.warn(`switchyard: ${String(error)}`);
  }
}
