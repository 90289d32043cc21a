import { frameBytes } from '../publish/encoded-push.js';
import { refuseBinary } from '../publish/binary-data.js';
import {
  CloseCode,
  ErrorCode,
  NoticeCode,
  RpcError,
  type AnyContract,
  type Codec,
  type CodecName,
  type ProtocolVersion,
  type Contract,
  type NameOf,
  type PushesOf,
  type RequestIn,
  type RequestOut,
  type ServerEnvelope,
  type ServerRequestsOf,
} from '@switchyard/protocol';
import type { DeadlineWheel } from './deadline-wheel.js';
import type { CloseReason, ServerMetrics } from '../metrics/metrics.js';
import { PendingRequests } from './pending-requests.js';
import type { ConnectionLease } from '../protection/connection-limits.js';
import { RateLimiter } from '../protection/rate-limit-policy.js';
import type { SlowConsumerState } from '../protection/slow-consumer.js';
import type { InboundRequests } from './inbound-requests.js';
import type { TransportSocket } from '../transport/types.js';

/** Options of {@link Connection.request}. */
export interface ServerRequestOptions {
  /** Reject with `TIMEOUT` when no reply arrives in time, ms. @default 10000 */
  timeoutMs?: number;
}

/** Options of {@link Connection.join}. */
export interface JoinOptions {
  /** Also receive `presence` changes for the room. @default false */
  presence?: boolean;
}

/**
 * One client connection, as handlers and `server.on('connection')` see it. Every method is safe
 * to call after the connection closed: sends do nothing and requests reject with `DISCONNECTED`.
 */
export interface Connection<C extends Contract = AnyContract> {
  /** Server-assigned id, also sent to the client in `welcome`. */
  readonly id: string;
  /** The token's `sub` (or an anonymous id). */
  readonly userId: string;
  /** The verified token claims. */
  readonly claims: Readonly<Record<string, unknown>>;
  /** Token expiry in ms since the epoch, when the token has one. */
  readonly expiresAt: number | undefined;
  /** The negotiated codec. */
  readonly codec: CodecName;
  /** The negotiated protocol version (`welcome.v`); versions differ only in how `push` is encoded. */
  readonly protocolVersion: ProtocolVersion;
  /** Client address (from the trusted proxy header when configured). */
  readonly ip: string;
  /** Rooms this connection is in. */
  readonly rooms: ReadonlySet<string>;
  /** True once the connection closed. */
  readonly closed: boolean;
  /**
   * Sends a direct message (a `push` without `room`); false when it was not sent.
   * @throws BinaryDataError when `data` holds bytes and this connection speaks JSON
   */
  push<K extends NameOf<PushesOf<C>>>(event: K, data: PushesOf<C>[K]): boolean;
  /**
   * Sends a request the client answers with a handler; resolves with its reply data.
   * Rejects with an `RpcError`: the client's error code, `TIMEOUT`, or `DISCONNECTED`.
   */
  request<K extends NameOf<ServerRequestsOf<C>>>(
    name: K,
    data: RequestIn<ServerRequestsOf<C>, K>,
    options?: ServerRequestOptions,
  ): Promise<RequestOut<ServerRequestsOf<C>, K>>;
  /** Adds the connection to a room (no authorization: the server is trusted). */
  join(room: string, options?: JoinOptions): void;
  /** Removes the connection from a room. */
  leave(room: string): void;
  /** Closes the connection with a close code. @default code 1000 */
  close(code?: number, reason?: string): void;
}

/** What a connection needs from the server around it. */
export interface ConnectionHost {
  readonly metrics: ServerMetrics;
  /** The shared token-expiry schedule; calls {@link ServerConnection.expiryDue} when due. */
  readonly expiry: DeadlineWheel<ServerConnection>;
  join(conn: ServerConnection, room: string, presence: boolean): void;
  leave(conn: ServerConnection, room: string): void;
  /** Applies the slow-consumer policy after a send reported backpressure. */
  checkBackpressure(conn: ServerConnection): void;
  /** Sees every reply leave; false drops it (it answers a request already answered `TIMEOUT`). */
  readonly requests?: InboundRequests | undefined;
  /**
   * Queues `send` behind the room pushes still waiting for their batch and returns true; false
   * when none wait. A frame made after a push then arrives after it.
   */
  behindPushes(send: () => void): boolean;
}

/** Everything known about a connection when it opens. */
export interface ConnectionInit {
  readonly id: string;
  readonly userId: string;
  readonly claims: Readonly<Record<string, unknown>>;
  readonly expiresAt: number | undefined;
  readonly roomClaim: readonly string[] | undefined;
  readonly codec: Codec;
  readonly ip: string;
  readonly origin: string;
  readonly messagesPerSecond: number;
  readonly messageBurst: number;
  readonly expiryGraceMs: number;
  /** The per-user / per-IP slot taken at upgrade; released on close. */
  readonly lease: ConnectionLease;
  readonly slow: SlowConsumerState;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
// A client that keeps sending after this many RATE_LIMITED answers within the window is closed (4200).
const RATE_VIOLATIONS_BEFORE_CLOSE = 20;
const RATE_VIOLATION_WINDOW_MS = 10_000;
// `ping`, `pong` and unsolicited `reply` frames get a bucket of their own this many times the
// message rate: generous for any heartbeat, yet a flood is closed long before it pins a core.
const CONTROL_RATE_FACTOR = 10;
const EXPIRY_NOTICE_LEAD_MS = 30_000;
// RFC 6455: a close frame's payload is at most 125 bytes, two of which carry the code.
const MAX_CLOSE_REASON_BYTES = 123;
/** Per-room flags of a connection. */
// One shared cork callback instead of a closure per frame. `cork` runs it synchronously; a
// nested send (a close callback fired by the native send) is harmless: the slots are read
// before the native call and the result is written after it returns.
let corkSocket: TransportSocket | undefined;
let corkFrame: string | Uint8Array = '';
let corkBinary = false;
let corkResult: ReturnType<TransportSocket['send']> = 'closed';

function corkedWrite(): void {
  corkResult = corkSocket!.send(corkFrame, corkBinary);
}

function corkedSend(
  socket: TransportSocket,
  frame: string | Uint8Array,
  binary: boolean,
): ReturnType<TransportSocket['send']> {
  corkSocket = socket;
  corkFrame = frame;
  corkBinary = binary;
  corkResult = 'closed';
  socket.cork(corkedWrite);
  const result = corkResult;
  corkSocket = undefined;
  corkFrame = '';
  return result;
}

// With the rate limit off a limiter keeps no state (no bucket, so never a violation): one serves all.
const UNLIMITED = new RateLimiter({
  messagesPerSecond: 0,
  messageBurst: 0,
  maxViolations: RATE_VIOLATIONS_BEFORE_CLOSE,
  violationWindowMs: RATE_VIOLATION_WINDOW_MS,
});

/** The server's side of a connection. Only the server creates these. */
export class ServerConnection implements Connection {
  readonly id: string;
  readonly userId: string;
  readonly ip: string;
  readonly origin: string;
  /** The negotiated wire format: codec and protocol version. */
  readonly codecImpl: Codec;
  readonly lease: ConnectionLease;
  readonly slow: SlowConsumerState;
  claims: Readonly<Record<string, unknown>>;
  expiresAt: number | undefined;
  roomClaim: readonly string[] | undefined;
  /** Why the server closed this connection, when it did. */
  closeReason: CloseReason | undefined;
  readonly #socket: TransportSocket;
  readonly #host: ConnectionHost;
  readonly #graceMs: number;
  readonly #messagesPerSecond: number;
  readonly #messageBurst: number;
  // Created on first use: most connections never see a server request, a join or a data message.
  #pending: PendingRequests | undefined;
  // The rooms: one name while the connection is in one room (no collection at all), a Set from
  // the second. Presence is opt-in, so its set exists only for connections that asked for it.
  #rooms: string | Set<string> | undefined;
  #presenceRooms: Set<string> | undefined;
  #rate: RateLimiter | undefined;
  #controlRate: RateLimiter | undefined;
  // Whether the next expiry deadline is the TOKEN_EXPIRING notice (else it is the close).
  #noticeDue = false;
  #closed = false;

  constructor(init: ConnectionInit, socket: TransportSocket, host: ConnectionHost) {
    this.id = init.id;
    this.userId = init.userId;
    this.claims = init.claims;
    this.expiresAt = init.expiresAt;
    this.roomClaim = init.roomClaim;
    this.codecImpl = init.codec;
    this.ip = init.ip;
    this.origin = init.origin;
    this.#messagesPerSecond = init.messagesPerSecond;
    this.#messageBurst = init.messageBurst;
    this.lease = init.lease;
    this.slow = init.slow;
    this.#graceMs = init.expiryGraceMs;
    this.#socket = socket;
    this.#host = host;
  }

  // Read from the wire format rather than stored: two fewer fields on every connection.
  get codec(): CodecName {
    return this.codecImpl.name;
  }

  get protocolVersion(): ProtocolVersion {
    return this.codecImpl.version;
  }

  /** The per-connection message rate limit. */
  get rate(): RateLimiter {
    if (this.#messagesPerSecond <= 0) return UNLIMITED;
    return (this.#rate ??= new RateLimiter({
      messagesPerSecond: this.#messagesPerSecond,
      messageBurst: this.#messageBurst,
      maxViolations: RATE_VIOLATIONS_BEFORE_CLOSE,
      violationWindowMs: RATE_VIOLATION_WINDOW_MS,
    }));
  }

  /**
   * The limit on `ping`, `pong` and `reply` frames that answer no pending request: ten times the
   * message rate and burst, off when the message rate is off.
   */
  get controlRate(): RateLimiter {
    if (this.#messagesPerSecond <= 0) return UNLIMITED;
    return (this.#controlRate ??= new RateLimiter({
      messagesPerSecond: this.#messagesPerSecond * CONTROL_RATE_FACTOR,
      messageBurst: this.#messageBurst * CONTROL_RATE_FACTOR,
      maxViolations: RATE_VIOLATIONS_BEFORE_CLOSE,
      violationWindowMs: RATE_VIOLATION_WINDOW_MS,
    }));
  }

  /** Number of rooms the connection is in. */
  get roomCount(): number {
    const rooms = this.#rooms;
    return rooms === undefined ? 0 : typeof rooms === 'string' ? 1 : rooms.size;
  }

  /** True when the connection is in `room`. */
  inRoom(room: string): boolean {
    const rooms = this.#rooms;
    return typeof rooms === 'string' ? rooms === room : rooms !== undefined && rooms.has(room);
  }

  /** The rooms the connection is in, as a new array (safe to leave rooms while walking it). */
  roomNames(): string[] {
    const rooms = this.#rooms;
    return rooms === undefined ? [] : typeof rooms === 'string' ? [rooms] : [...rooms];
  }

  /** True when the connection receives presence changes in `room`. */
  wantsPresence(room: string): boolean {
    return this.#presenceRooms?.has(room) === true;
  }

  /** Records membership of `room` (the hub calls this; it does not subscribe). */
  addRoom(room: string, presence: boolean): void {
    const rooms = this.#rooms;
    if (rooms === undefined) this.#rooms = room;
    else if (typeof rooms === 'string') {
      if (rooms !== room) this.#rooms = new Set([rooms, room]);
    } else rooms.add(room);
    if (presence) this.enablePresence(room);
  }

  /** Turns on presence changes in `room` (a later join asked for them). */
  enablePresence(room: string): void {
    (this.#presenceRooms ??= new Set()).add(room);
  }

  /** Forgets membership of `room`; false when the connection was not in it. */
  removeRoom(room: string): boolean {
    const rooms = this.#rooms;
    if (rooms === undefined) return false;
    if (typeof rooms === 'string') {
      if (rooms !== room) return false;
      this.#rooms = undefined;
    } else {
      if (!rooms.delete(room)) return false;
      // Back to one room: keep its name, drop the Set.
      if (rooms.size === 1) this.#rooms = rooms.values().next().value;
    }
    const presence = this.#presenceRooms;
    if (presence?.delete(room) === true && presence.size === 0) this.#presenceRooms = undefined;
    return true;
  }

  get rooms(): ReadonlySet<string> {
    return new Set(this.roomNames());
  }

  get closed(): boolean {
    return this.#closed || this.#socket.closed;
  }

  /** The transport socket (for topic subscriptions and sender-excluding publishes). */
  get socket(): TransportSocket {
    return this.#socket;
  }

  /** Encodes and sends one envelope; false when the connection is closed or the frame was dropped. */
  send(envelope: ServerEnvelope): boolean {
    if (this.closed) return false;
    const frame = this.codecImpl.encode(envelope);
    if (envelope.t === 'reply' && this.#host.requests?.replying(this, envelope) === false) return false;
    return this.sendFrame(frame, envelope.t);
  }

  /** Sends an already encoded frame (broadcasts encode once per wire format). */
  sendFrame(frame: string | Uint8Array, kind: ServerEnvelope['t']): boolean {
    if (this.closed) return false;
    // Room pushes made before this frame (a handler's emit before its reply) leave before it. The
    // frame counts as sent; its backpressure is handled when it is written.
    if (this.#host.behindPushes(() => this.sendFrame(frame, kind))) return true;
    // Corking batches the write into one syscall when called from timers or promise callbacks.
    const result = corkedSend(this.#socket, frame, this.codecImpl.binary);
    const bytes = frameBytes(frame);
    this.#host.metrics.messageSent(this.codec, kind, bytes, 1);
    if (result === 'backpressure') {
      this.#host.metrics.sendBackpressure('backpressure');
      this.#host.checkBackpressure(this);
    }
    if (result === 'dropped') {
      this.#host.metrics.sendBackpressure('dropped');
      this.#host.metrics.slowConsumerClosed();
      this.end(CloseCode.SLOW_CONSUMER, 'slow consumer', 'slow_consumer');
      return false;
    }
    return result !== 'closed';
  }

  /** Reads the send buffer and applies the slow-consumer policy (after room traffic reached it). */
  checkSendBuffer(): void {
    this.#host.checkBackpressure(this);
  }

  push(event: string, data: unknown): boolean {
    // JSON would turn bytes into {"0":1,…}: refuse them rather than change them.
    if (!this.codecImpl.binary) refuseBinary(data);
    return this.send(data === undefined ? { t: 'push', event } : { t: 'push', event, data });
  }

  request(name: string, data: unknown, options: ServerRequestOptions = {}): Promise<never> {
    if (this.closed) {
      return Promise.reject(new RpcError(ErrorCode.DISCONNECTED, 'the connection is closed'));
    }
    const pending = (this.#pending ??= new PendingRequests((outcome, seconds) =>
      this.#host.metrics.requestCompleted('server_to_client', outcome, seconds),
    ));
    const { id, promise } = pending.create(name, options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
    this.#host.metrics.requestStarted('server_to_client');
    try {
      const sent = this.send(data === undefined ? { t: 'request', id, name } : { t: 'request', id, name, data });
      if (!sent) pending.fail(id, new RpcError(ErrorCode.DISCONNECTED, 'the request could not be sent'));
    } catch {
      pending.fail(id, new RpcError(ErrorCode.BAD_REQUEST, `the data of request '${name}' cannot be encoded`));
    }
    return promise as Promise<never>;
  }

  /** Settles a pending server-to-client request; false for an unknown id. */
  settleReply(envelope: Parameters<PendingRequests['reply']>[0]): boolean {
    return this.#pending?.reply(envelope) ?? false;
  }

  join(room: string, options: JoinOptions = {}): void {
    if (!this.closed) this.#host.join(this, room, options.presence ?? false);
  }

  leave(room: string): void {
    if (!this.closed) this.#host.leave(this, room);
  }

  close(code: number = CloseCode.NORMAL, reason = ''): void {
    assertSendableCloseCode(code);
    this.end(code, reason, code === CloseCode.KICKED ? 'kicked' : undefined);
  }

  /** Closes with a code and remembers why, for logs and metrics. */
  end(code: number, reason: string, why: CloseReason | undefined): void {
    if (this.closed) return;
    this.closeReason ??= why;
    this.#socket.end(code, truncateUtf8(reason, MAX_CLOSE_REASON_BYTES));
  }

  /**
   * Schedules the expiry on the server's shared wheel: a `TOKEN_EXPIRING` notice 30 s ahead of
   * `exp` (at once when less is left, so call this after `welcome` or the refresh reply), then a close with `TOKEN_EXPIRED` after the grace period. A refresh reschedules with the new
   * expiry. Deadlines are coarse (up to the wheel's resolution late, never early).
   */
  scheduleExpiry(): void {
    const wheel = this.#host.expiry;
    wheel.cancel(this);
    const expiresAt = this.expiresAt;
    if (expiresAt === undefined || this.closed) return;
    const noticeAt = expiresAt - EXPIRY_NOTICE_LEAD_MS;
    this.#noticeDue = noticeAt > Date.now();
    // A token with less than the lead time left (at connect or after a refresh) is told so at once.
    if (!this.#noticeDue) this.#sendExpiring();
    wheel.schedule(this, this.#noticeDue ? noticeAt : expiresAt + this.#graceMs);
  }

  #sendExpiring(): void {
    this.send({ t: 'notice', code: NoticeCode.TOKEN_EXPIRING, message: 'refresh the token in band' });
  }

  /** Called by the expiry wheel when this connection's next expiry deadline has passed. */
  expiryDue(): void {
    const expiresAt = this.expiresAt;
    if (expiresAt === undefined || this.closed) return;
    if (this.#noticeDue) {
      this.#noticeDue = false;
      this.#sendExpiring();
      this.#host.expiry.schedule(this, expiresAt + this.#graceMs);
      return;
    }
    this.end(CloseCode.TOKEN_EXPIRED, 'token expired', 'token_expired');
  }

  /** Called once by the server when the transport reports the close. */
  markClosed(): void {
    this.#closed = true;
    this.#host.expiry.cancel(this);
    this.#pending?.rejectAll();
  }
}

/** True for close codes an endpoint may put in a close frame (RFC 6455 section 7.4). */
export function isSendableCloseCode(code: number): boolean {
  if (!Number.isInteger(code)) return false;
  if (code >= 3000 && code <= 4999) return true;
  return (
    code === 1000 ||
    code === 1001 ||
    code === 1002 ||
    code === 1003 ||
    code === 1007 ||
    code === 1008 ||
    code === 1009 ||
    code === 1010 ||
    code === 1011 ||
    code === 1012 ||
    code === 1013 ||
    code === 1014
  );
}

/** Throws a `RangeError` naming the accepted ranges unless {@link isSendableCloseCode}. */
export function assertSendableCloseCode(code: number): void {
  if (!isSendableCloseCode(code)) {
    throw new RangeError(`close code ${code} cannot be sent (use 1000-1003, 1007-1014 or 3000-4999)`);
  }
}

function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  let out = Buffer.from(text).subarray(0, maxBytes).toString();
  // A cut inside a multi-byte character decodes to U+FFFD; drop it.
  while (out.endsWith('\uFFFD') || Buffer.byteLength(out) > maxBytes) out = out.slice(0, -1);
  return out;
}
