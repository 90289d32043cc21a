import {
  BEARER_SUBPROTOCOL_PREFIX,
  type CloseCode,
  type Frame,
  type PongEnvelope,
  type ServerEnvelope,
} from '@switchyard/protocol';
import type { TimerHandle } from './clock.js';
import type { ConnectionConfig, ConnectionListener } from './connection-config.js';
import { ClientError } from './errors.js';
import type { ClientCodec } from './json-codec.js';
import {
  NORMAL_CLOSE,
  initialState,
  transition,
  type Effect,
  type MachineEvent,
  type MachineState,
  type Status,
} from './connection-machine.js';
import { closeQuietly, type WebSocketLike } from './web-socket.js';

/** `CloseCode.ABNORMAL`: reported for a socket the client gave up on (no welcome, no heartbeat). */
const ABNORMAL_CLOSE: (typeof CloseCode)['ABNORMAL'] = 1006;
/** `CloseCode.PROTOCOL_ERROR`: a frame the client cannot read. */
const PROTOCOL_ERROR_CLOSE: (typeof CloseCode)['PROTOCOL_ERROR'] = 4000;

/**
 * Runs the connection machine: opens sockets, fetches tokens, times out stuck attempts,
 * schedules retries and sends heartbeats. Everything time-related goes through the injected clock.
 */
export class Connection {
  readonly #config: ConnectionConfig;
  readonly #listener: ConnectionListener;
  #state: MachineState = initialState;
  #socket: WebSocketLike | undefined;
  #attemptId = 0;
  #retryTimer: TimerHandle;
  #connectTimer: TimerHandle;
  #heartbeatTimer: TimerHandle;
  #heardSincePing = true;
  // The current attempt: whether its socket opened, the HTTP status of a refused upgrade, and
  // whether the runtime can show that status at all (browsers cannot).
  #opened = false;
  #httpStatus: number | undefined;
  #statusVisible = true;
  #pending: MachineEvent[] = [];
  #running = false;

  constructor(config: ConnectionConfig, listener: ConnectionListener) {
    this.#config = config;
    this.#listener = listener;
  }

  /** The public status. */
  get status(): Status {
    return this.#state.status;
  }

  /** Starts connecting (no-op unless idle or closed). */
  connect(): void {
    this.#dispatch({ type: 'connect' });
  }

  /** Ends the session with 1000. */
  close(reason = 'client close'): void {
    this.#dispatch({ type: 'close', reason });
  }

  /** Sends a frame on the welcomed socket; false when there is none. */
  send(frame: Frame): boolean {
    if (this.#state.phase !== 'open' || !this.#socket) return false;
    this.#socket.send(frame);
    return true;
  }

  #dispatch(event: MachineEvent): void {
    // Effects may raise events synchronously (a constructor that throws); queue them so each
    // transition completes before the next begins.
    this.#pending.push(event);
    if (this.#running) return;
    this.#running = true;
    try {
      for (let next; (next = this.#pending.shift());) {
        const wasOpen = this.#state.phase === 'open';
        const [state, effects] = transition(
          this.#state,
          next,
          this.#config.backoff,
          this.#config.random,
          this.#config.reauth,
          this.#config.maxRefusals,
        );
        this.#state = state;
        for (const effect of effects) this.#run(effect);
        if (wasOpen && state.phase !== 'open') this.#listener.down();
      }
    } finally {
      this.#running = false;
    }
  }

  #run(effect: Effect): void {
    const { clock } = this.#config;
    switch (effect.type) {
      case 'open-socket':
        void this.#open(effect.refreshToken);
        return;
      case 'close-socket':
        closeQuietly(this.#detach(), effect.code, effect.reason);
        return;
      case 'schedule-retry':
        this.#retryTimer = clock.setTimeout(() => this.#dispatch({ type: 'retry-due' }), effect.delayMs);
        return;
      case 'cancel-retry':
        clock.clearTimeout(this.#retryTimer);
        return;
      case 'status': {
        const { type: _, ...event } = effect;
        this.#listener.status(event);
        return;
      }
    }
  }

  async #open(refreshToken: boolean): Promise<void> {
    const attempt = ++this.#attemptId;
    const { clock, codec, url } = this.#config;
    this.#opened = false;
    this.#httpStatus = undefined;
    this.#statusVisible = true;
    this.#connectTimer = clock.setTimeout(() => this.#fail(attempt, 'connect timeout'), this.#config.connectTimeoutMs);
    let socket: WebSocketLike;
    try {
      const token = await this.#config.token(refreshToken);
      if (attempt !== this.#attemptId || this.#state.phase !== 'socket') return;
      // Browsers cannot set headers on a WebSocket, so the token always travels as a subprotocol
      // entry, on every runtime: one path to test and to secure.
      const protocols =
        token === undefined ? [codec.subprotocol] : [codec.subprotocol, BEARER_SUBPROTOCOL_PREFIX + token];
      socket = new this.#config.WebSocket(url, protocols);
    } catch (error) {
      // getToken() failed, or the constructor refused the URL or a subprotocol.
      this.#listener.error(error);
      this.#fail(attempt, String(error));
      return;
    }
    this.#socket = socket;
    socket.binaryType = 'arraybuffer';
    this.#statusVisible = typeof socket.on === 'function';
    socket.onopen = () => (this.#opened = true);
    // `ws` shows a refused upgrade's HTTP answer; with a listener, aborting it is left to us.
    socket.on?.('unexpected-response', (_request: unknown, response: { statusCode?: number }) => {
      if (this.#socket !== socket) return;
      this.#httpStatus = response.statusCode;
      if (this.#httpStatus === 401) {
        this.#listener.error(new ClientError('UNAUTHORIZED', 'the server refused the token (HTTP 401)'));
      }
      closeQuietly(socket, NORMAL_CLOSE, '');
    });
    socket.onmessage = (event: { data: unknown }) => this.#receive(socket, event.data);
    socket.onclose = (event: { code: number; reason: string }) => {
      if (this.#socket !== socket) return;
      this.#detach();
      this.#closed(event.code, this.#httpStatus ? `HTTP ${this.#httpStatus}` : event.reason);
    };
    // A failed socket always closes next and the close event carries what the client may know;
    // the listener must still exist, because `ws` throws an 'error' nobody listens to.
    socket.onerror = () => {};
  }

  #receive(socket: WebSocketLike, data: unknown): void {
    if (this.#socket !== socket) return;
    this.#heardSincePing = true;
    let envelope: ServerEnvelope;
    try {
      envelope = this.#config.codec.decodeFromServer(data as Frame | ArrayBuffer, typeof data !== 'string');
    } catch (error) {
      this.#listener.error(error);
      // A ProtocolError (msgpack, strict JSON) names its close code; the light JSON codec does not.
      const code = (error as { closeCode?: number }).closeCode ?? PROTOCOL_ERROR_CLOSE;
      this.#drop(String(error), code, code);
      return;
    }
    switch (envelope.t) {
      case 'welcome':
        if (this.#state.phase !== 'socket') return;
        this.#config.clock.clearTimeout(this.#connectTimer);
        this.#dispatch({ type: 'welcome' });
        // A status listener may have closed the client in the meantime.
        if (this.status !== 'open') return;
        this.#startHeartbeat(envelope.limits.heartbeatMs);
        this.#listener.welcome(envelope);
        return;
      case 'ping':
        // An absent ts stays absent: both codecs omit undefined fields.
        this.#sendNow({ t: 'pong', ts: envelope.ts } as PongEnvelope);
        return;
      default:
        // A pong only proves the socket alive (#heardSincePing); the listener ignores it.
        if (this.#state.phase === 'open') this.#listener.envelope(envelope);
    }
  }

  #sendNow(envelope: Parameters<ClientCodec['encode']>[0]): void {
    this.#socket?.send(this.#config.codec.encode(envelope));
  }

  #startHeartbeat(intervalMs: number): void {
    if (!(intervalMs > 0)) return;
    const { clock } = this.#config;
    this.#heardSincePing = true;
    const tick = (): void => {
      // No frame at all for a whole interval after a ping: the socket is dead even if the
      // browser still calls it open (it cannot see a silently dropped TCP connection).
      if (!this.#heardSincePing) {
        this.#drop('heartbeat timeout');
        return;
      }
      this.#heardSincePing = false;
      this.#sendNow({ t: 'ping', ts: clock.now() });
      this.#heartbeatTimer = clock.setTimeout(tick, intervalMs);
    };
    this.#heartbeatTimer = clock.setTimeout(tick, intervalMs);
  }

  /** Gives up on the current attempt (still before the welcome) if it is `attempt`. */
  #fail(attempt: number, reason: string): void {
    if (attempt !== this.#attemptId || this.#state.phase !== 'socket') return;
    this.#drop(reason);
  }

  /**
   * Closes the current socket with `sent` and reports it closed with `code`: by default it is
   * abandoned locally and reported as lost (1006).
   */
  #drop(reason: string, code: number = ABNORMAL_CLOSE, sent: number = NORMAL_CLOSE): void {
    closeQuietly(this.#detach(), sent, reason);
    this.#closed(code, reason);
  }

  #closed(code: number, reason: string): void {
    // A refusal: a 401, or, where the status is hidden, any attempt that never opened.
    const refused = this.#httpStatus === 401 || (!this.#statusVisible && !this.#opened);
    this.#dispatch({ type: 'socket-closed', code, reason, refused });
  }

  #detach(): WebSocketLike | undefined {
    const { clock } = this.#config;
    clock.clearTimeout(this.#connectTimer);
    clock.clearTimeout(this.#heartbeatTimer);
    const socket = this.#socket;
    this.#socket = undefined;
    if (socket) {
      socket.onopen = socket.onmessage = socket.onclose = null;
      // Swallow the error a closing socket may still raise (ws emits it as an 'error' event).
      socket.onerror = () => {};
    }
    return socket;
  }
}
