import { frameBytes } from '../publish/encoded-push.js';
import { refuseBinary } from '../publish/binary-data.js';
import { CloseCode, ErrorCode, RpcError, type Codec, type CodecName } from '@switchyard/protocol';
import type { ProtocolVersion, ServerEnvelope } from '@switchyard/protocol';
import type { CloseReason } from '../metrics/metrics.js';
import { PendingRequests } from './pending-requests.js';
import type { ConnectionLease } from '../protection/connection-limits.js';
import type { RateLimiter } from '../protection/rate-limit-policy.js';
import type { SlowConsumerState } from '../protection/slow-consumer.js';
import type { OutgoingFrame, TransportSocket } from '../transport/types.js';
import type { Connection, JoinOptions, ServerRequestOptions } from './connection-api.js';
import type { ConnectionInit, RefreshedToken, SessionHost } from './connection-init.js';
import type { CorkedWriter } from './corked-writer.js';
import { assertSendableCloseCode, closeFrameReason } from './close-frame.js';
import { UNLIMITED, controlRate, messageRate } from './message-rates.js';
import { hasRoom, roomCount, roomList, withRoom, withoutRoom, type RoomSet } from './room-set.js';
import { TOKEN_EXPIRING_NOTICE, planExpiry } from './token-expiry.js';

export type { Connection, JoinOptions, ServerRequestOptions } from './connection-api.js';
export type { ConnectionInit, RefreshedToken, SessionHost } from './connection-init.js';
export { assertSendableCloseCode, isSendableCloseCode } from './close-frame.js';

/** What a connection needs from the server around it. */
export type ConnectionHost = SessionHost<ServerConnection>;

const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

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
  /** Why the server closed this connection, when it did. */
  closeReason: CloseReason | undefined;
  #claims: Readonly<Record<string, unknown>>;
  #expiresAt: number | undefined;
  #roomClaim: readonly string[] | undefined;
  readonly #socket: TransportSocket;
  readonly #host: ConnectionHost;
  readonly #writer: CorkedWriter;
  readonly #graceMs: number;
  readonly #messagesPerSecond: number;
  readonly #messageBurst: number;
  // Created on first use: most connections never see a server request, a join or a data message.
  #pending: PendingRequests | undefined;
  // Presence is opt-in, so its set exists only for connections that asked for it.
  #rooms: RoomSet;
  #presenceRooms: Set<string> | undefined;
  #rate: RateLimiter | undefined;
  #controlRate: RateLimiter | undefined;
  // Whether the next expiry deadline is the TOKEN_EXPIRING notice (else it is the close).
  #noticeDue = false;
  #closed = false;

  constructor(init: ConnectionInit, socket: TransportSocket, host: ConnectionHost) {
    this.id = init.id;
    this.userId = init.userId;
    this.#claims = init.claims;
    this.#expiresAt = init.expiresAt;
    this.#roomClaim = init.roomClaim;
    this.codecImpl = init.codec;
    this.ip = init.ip;
    this.origin = init.origin;
    this.#messagesPerSecond = init.messagesPerSecond;
    this.#messageBurst = init.messageBurst;
    this.lease = init.lease;
    this.slow = init.slow;
    this.#graceMs = init.expiryGraceMs;
    this.#writer = init.writer;
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

  get claims(): Readonly<Record<string, unknown>> {
    return this.#claims;
  }

  get expiresAt(): number | undefined {
    return this.#expiresAt;
  }

  /** The token's `rooms` claim: the rooms it may join; `undefined` restricts nothing. */
  get roomClaim(): readonly string[] | undefined {
    return this.#roomClaim;
  }

  /** Takes a refreshed token's claims, expiry and rooms claim; call {@link scheduleExpiry} after the reply. */
  refreshToken(token: RefreshedToken): void {
    this.#claims = token.claims;
    this.#expiresAt = token.expiresAt;
    this.#roomClaim = token.rooms;
  }

  /** The per-connection message rate limit. */
  get rate(): RateLimiter {
    if (this.#messagesPerSecond <= 0) return UNLIMITED;
    return (this.#rate ??= messageRate(this.#messagesPerSecond, this.#messageBurst));
  }

  /**
   * The limit on `ping`, `pong` and `reply` frames that answer no pending request: ten times the
   * message rate and burst, off when the message rate is off.
   */
  get controlRate(): RateLimiter {
    if (this.#messagesPerSecond <= 0) return UNLIMITED;
    return (this.#controlRate ??= controlRate(this.#messagesPerSecond, this.#messageBurst));
  }

  /** Number of rooms the connection is in. */
  get roomCount(): number {
    return roomCount(this.#rooms);
  }

  /** True when the connection is in `room`. */
  inRoom(room: string): boolean {
    return hasRoom(this.#rooms, room);
  }

  /** The rooms the connection is in, as a new array (safe to leave rooms while walking it). */
  roomNames(): string[] {
    return roomList(this.#rooms);
  }

  /** True when the connection receives presence changes in `room`. */
  wantsPresence(room: string): boolean {
    return this.#presenceRooms?.has(room) === true;
  }

  /** Records membership of `room` (the hub calls this; it does not subscribe). */
  addRoom(room: string, presence: boolean): void {
    this.#rooms = withRoom(this.#rooms, room);
    if (presence) this.enablePresence(room);
  }

  /** Turns on presence changes in `room` (a later join asked for them). */
  enablePresence(room: string): void {
    (this.#presenceRooms ??= new Set()).add(room);
  }

  /** Forgets membership of `room`; false when the connection was not in it. */
  removeRoom(room: string): boolean {
    const rooms = withoutRoom(this.#rooms, room);
    if (rooms === false) return false;
    this.#rooms = rooms;
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
  sendFrame(frame: OutgoingFrame, kind: ServerEnvelope['t']): boolean {
    if (this.closed) return false;
    // Room pushes made before this frame (a handler's emit before its reply) leave before it. The
    // frame counts as sent; its backpressure is handled when it is written.
    if (this.#host.behindPushes(() => this.sendFrame(frame, kind))) return true;
    // Corking batches the write into one syscall when called from timers or promise callbacks.
    const result = this.#writer.send(this.#socket, frame, this.codecImpl.binary);
    const metrics = this.#host.metrics;
    metrics.messageSent(this.codec, kind, frameBytes(frame), 1);
    if (result === 'backpressure') {
      metrics.sendBackpressure('backpressure');
      this.#host.checkBackpressure(this);
    }
    if (result === 'dropped') {
      metrics.sendBackpressure('dropped');
      metrics.slowConsumerClosed();
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
      if (!this.codecImpl.binary) refuseBinary(data);
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
    this.#socket.end(code, closeFrameReason(reason));
  }

  /**
   * Schedules the expiry on the server's shared wheel: a `TOKEN_EXPIRING` notice 30 s ahead of `exp` (at once
   * when less is left, so call this after `welcome` or the refresh reply), then a close with `TOKEN_EXPIRED` after
   * the grace period. A refresh reschedules. Deadlines are coarse (up to the wheel's resolution late, never early).
   */
  scheduleExpiry(): void {
    const wheel = this.#host.expiry;
    wheel.cancel(this);
    const expiresAt = this.#expiresAt;
    if (expiresAt === undefined || this.closed) return;
    const plan = planExpiry(expiresAt, this.#graceMs, Date.now());
    this.#noticeDue = plan.noticeAhead;
    if (!plan.noticeAhead) this.send(TOKEN_EXPIRING_NOTICE);
    wheel.schedule(this, plan.at);
  }

  /** Called by the expiry wheel when this connection's next expiry deadline has passed. */
  expiryDue(): void {
    const expiresAt = this.#expiresAt;
    if (expiresAt === undefined || this.closed) return;
    if (this.#noticeDue) {
      this.#noticeDue = false;
      this.send(TOKEN_EXPIRING_NOTICE);
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
