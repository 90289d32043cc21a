import {
  CloseCode,
  ErrorCode,
  NoticeCode,
  RpcError,
  type AnyContract,
  type Codec,
  type CodecName,
  type Contract,
  type NameOf,
  type PushesOf,
  type RequestIn,
  type RequestOut,
  type ServerEnvelope,
  type ServerRequestsOf,
} from '@switchyard/protocol';
import type { CloseReason, ServerMetrics } from './metrics/metrics.js';
import { PendingRequests } from './pending-requests.js';
import type { ConnectionLease } from './protection/connection-limits.js';
import { RateLimiter } from './protection/rate-limit-policy.js';
import type { SlowConsumerState } from './protection/slow-consumer.js';
import type { TransportSocket } from './transport/types.js';

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
  /** Client address (from the trusted proxy header when configured). */
  readonly ip: string;
  /** Rooms this connection is in. */
  readonly rooms: ReadonlySet<string>;
  /** True once the connection closed. */
  readonly closed: boolean;
  /** Sends a direct message (a `push` without `room`); false when it was not sent. */
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
  join(conn: ServerConnection, room: string, presence: boolean): void;
  leave(conn: ServerConnection, room: string): void;
  /** Applies the slow-consumer policy after a send reported backpressure. */
  checkBackpressure(conn: ServerConnection): void;
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
const EXPIRY_NOTICE_LEAD_MS = 30_000;
// RFC 6455: a close frame's payload is at most 125 bytes, two of which carry the code.
const MAX_CLOSE_REASON_BYTES = 123;
// setTimeout fires immediately for delays above 2^31-1 ms; longer waits are re-armed.
const MAX_TIMER_MS = 2_147_483_647;

/** The server's side of a connection. Only the server creates these. */
export class ServerConnection implements Connection {
  readonly id: string;
  readonly userId: string;
  readonly codec: CodecName;
  readonly ip: string;
  readonly origin: string;
  readonly codecImpl: Codec;
  readonly rate: RateLimiter;
  readonly lease: ConnectionLease;
  readonly slow: SlowConsumerState;
  /** Rooms, with whether this connection asked for presence changes there. */
  readonly roomFlags = new Map<string, { presence: boolean }>();
  claims: Readonly<Record<string, unknown>>;
  expiresAt: number | undefined;
  roomClaim: readonly string[] | undefined;
  /** Why the server closed this connection, when it did. */
  closeReason: CloseReason | undefined;
  readonly #socket: TransportSocket;
  readonly #host: ConnectionHost;
  readonly #pending: PendingRequests;
  readonly #graceMs: number;
  #cancelExpiry: () => void = () => {};
  #closed = false;

  constructor(init: ConnectionInit, socket: TransportSocket, host: ConnectionHost) {
    this.id = init.id;
    this.userId = init.userId;
    this.claims = init.claims;
    this.expiresAt = init.expiresAt;
    this.roomClaim = init.roomClaim;
    this.codecImpl = init.codec;
    this.codec = init.codec.name;
    this.ip = init.ip;
    this.origin = init.origin;
    this.rate = new RateLimiter({
      messagesPerSecond: init.messagesPerSecond,
      messageBurst: init.messageBurst,
      maxViolations: RATE_VIOLATIONS_BEFORE_CLOSE,
      violationWindowMs: RATE_VIOLATION_WINDOW_MS,
    });
    this.lease = init.lease;
    this.slow = init.slow;
    this.#graceMs = init.expiryGraceMs;
    this.#socket = socket;
    this.#host = host;
    this.#pending = new PendingRequests((outcome, seconds) =>
      host.metrics.requestCompleted('server_to_client', outcome, seconds),
    );
  }

  get rooms(): ReadonlySet<string> {
    return new Set(this.roomFlags.keys());
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
    return this.sendFrame(frame, envelope.t);
  }

  /** Sends an already encoded frame (broadcasts encode once per codec). */
  sendFrame(frame: string | Uint8Array, kind: ServerEnvelope['t']): boolean {
    if (this.closed) return false;
    let result = 'closed' as ReturnType<TransportSocket['send']>;
    // Corking batches the write into one syscall when called from timers or promise callbacks.
    this.#socket.cork(() => {
      result = this.#socket.send(frame, this.codecImpl.binary);
    });
    const bytes = typeof frame === 'string' ? Buffer.byteLength(frame) : frame.byteLength;
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

  push(event: string, data: unknown): boolean {
    return this.send(data === undefined ? { t: 'push', event } : { t: 'push', event, data });
  }

  request(name: string, data: unknown, options: ServerRequestOptions = {}): Promise<never> {
    if (this.closed) {
      return Promise.reject(new RpcError(ErrorCode.DISCONNECTED, 'the connection is closed'));
    }
    const { id, promise } = this.#pending.create(name, options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
    try {
      const sent = this.send(data === undefined ? { t: 'request', id, name } : { t: 'request', id, name, data });
      if (!sent) this.#pending.fail(id, new RpcError(ErrorCode.DISCONNECTED, 'the request could not be sent'));
    } catch {
      this.#pending.fail(id, new RpcError(ErrorCode.BAD_REQUEST, `the data of request '${name}' cannot be encoded`));
    }
    return promise as Promise<never>;
  }

  /** Settles a pending server-to-client request; false for an unknown id. */
  settleReply(envelope: Parameters<PendingRequests['reply']>[0]): boolean {
    return this.#pending.reply(envelope);
  }

  join(room: string, options: JoinOptions = {}): void {
    if (!this.closed) this.#host.join(this, room, options.presence ?? false);
  }

  leave(room: string): void {
    if (!this.closed) this.#host.leave(this, room);
  }

  close(code: number = CloseCode.NORMAL, reason = ''): void {
    if (!isSendableCloseCode(code)) throw new RangeError(`close code ${code} cannot be sent (use 1000, 1001, 1011-1014 or 3000-4999)`);
    this.end(code, reason, code === CloseCode.KICKED ? 'kicked' : undefined);
  }

  /** Closes with a code and remembers why, for logs and metrics. */
  end(code: number, reason: string, why: CloseReason | undefined): void {
    if (this.closed) return;
    this.closeReason ??= why;
    this.#socket.end(code, truncateUtf8(reason, MAX_CLOSE_REASON_BYTES));
  }

  /**
   * Arms the expiry timers: a `TOKEN_EXPIRING` notice ahead of `exp`, then a close with
   * `TOKEN_EXPIRED` after the grace period. A refresh re-arms them with the new expiry.
   */
  scheduleExpiry(): void {
    this.#cancelExpiry();
    const expiresAt = this.expiresAt;
    if (expiresAt === undefined || this.closed) return;
    const noticeAt = expiresAt - EXPIRY_NOTICE_LEAD_MS;
    const cancelNotice =
      noticeAt > Date.now()
        ? timerAt(noticeAt, () => {
            this.send({ t: 'notice', code: NoticeCode.TOKEN_EXPIRING, message: 'refresh the token in band' });
          })
        : undefined;
    const cancelClose = timerAt(expiresAt + this.#graceMs, () => {
      this.end(CloseCode.TOKEN_EXPIRED, 'token expired', 'token_expired');
    });
    this.#cancelExpiry = () => {
      cancelNotice?.();
      cancelClose();
    };
  }

  /** Called once by the server when the transport reports the close. */
  markClosed(): void {
    this.#closed = true;
    this.#cancelExpiry();
    this.#pending.rejectAll();
  }
}

/** Runs `fn` at wall-clock time `at`; returns a cancel function. */
function timerAt(at: number, fn: () => void): () => void {
  let timer: ReturnType<typeof setTimeout>;
  const arm = (): void => {
    const delay = at - Date.now();
    if (delay <= 0) {
      fn();
      return;
    }
    timer = setTimeout(arm, Math.min(delay, MAX_TIMER_MS));
    timer.unref();
  };
  timer = setTimeout(arm, 0);
  timer.unref();
  return () => clearTimeout(timer);
}

/** True for close codes an endpoint may put in a close frame (RFC 6455 section 7.4). */
export function isSendableCloseCode(code: number): boolean {
  if (!Number.isInteger(code)) return false;
  if (code >= 3000 && code <= 4999) return true;
  return code === 1000 || code === 1001 || code === 1002 || code === 1003 || code === 1007 || code === 1008 ||
    code === 1009 || code === 1010 || code === 1011 || code === 1012 || code === 1013 || code === 1014;
}

function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  let out = Buffer.from(text).subarray(0, maxBytes).toString();
  // A cut inside a multi-byte character decodes to U+FFFD; drop it.
  while (out.endsWith('\uFFFD') || Buffer.byteLength(out) > maxBytes) out = out.slice(0, -1);
  return out;
}
