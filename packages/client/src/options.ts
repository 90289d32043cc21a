import type { Clock } from './clock.js';
import type { BackoffConfig } from './connection-machine.js';
import type { ClientCodec } from './json-codec.js';
import type { WebSocketConstructor } from './web-socket.js';

/** Options of `createClient()`. */
export interface ClientOptions {
  /** Server WebSocket URL, for example `wss://chat.example.com/ws`. */
  url: string;
  /**
   * A fixed token (JWT). Use `getToken` instead when tokens expire: without it, a 41xx close
   * (token expired or invalid) ends the session, as a fixed token cannot be renewed.
   */
  token?: string | undefined;
  /**
   * Returns a token: before the first connect, after a 41xx close or a refused attempt, and
   * ahead of the welcome's `expiresAt` for an in-band refresh.
   */
  getToken?: () => string | Promise<string>;
  /**
   * `'json'` (text frames), or a codec object: `msgpack` from `@switchyard/client/msgpack`
   * (binary frames; kept out of JSON-only bundles), or `jsonCodec` from `@switchyard/protocol`
   * to validate every field of every server frame strictly (about 2.5 KB more). @default 'json'
   */
  codec?: 'json' | ClientCodec;
  /**
   * The WebSocket constructor. Pass `ws`'s default export on Node 20.
   * @default globalThis.WebSocket
   */
  WebSocket?: WebSocketConstructor;
  /** Connect on creation (on the next microtask); otherwise call `connect()`. @default true */
  autoConnect?: boolean;
  /** Default timeout of `request`, `join`, `publish` acks and `presence`, ms. @default 10000 */
  requestTimeoutMs?: number;
  /** Give up on an attempt that has no welcome after this long, ms. @default 10000 */
  connectTimeoutMs?: number;
  /** Reconnect delays. */
  reconnect?: Partial<BackoffConfig>;
  /**
   * Connection attempts in a row refused for their token before the session ends with a terminal
   * `UNAUTHORIZED` error. Refused: an HTTP 401 answer to the upgrade, where the runtime shows it
   * (`ws` on Node). Browsers hide the status, so there every attempt that fails before the socket
   * opens counts, which an unreachable server also does. Each refusal fetches a new token first.
   * @default 10
   */
  maxRefusals?: number;
  /**
   * Attempts of one room join that fail with `TIMEOUT` or `RATE_LIMITED` (retried with backoff)
   * before the room is given up: `ready()` rejects, or `onError` hears it. @default 5
   */
  joinAttempts?: number;
  /** Offline queue: sends made while disconnected. */
  queue?: {
    /** Most queued messages; more are rejected with `LIMIT_EXCEEDED`. 0 disables queueing. @default 100 */
    maxSize?: number;
    /** A queued message older than this is rejected with `DISCONNECTED`, ms. @default 30000 */
    ttlMs?: number;
  };
  /** Refresh the token in band this long before it expires (at most half its remaining life), ms. @default 30000 */
  refreshBeforeMs?: number;
  /** Time source, for tests. @default the system clock */
  clock?: Clock;
  /** Random source in [0, 1) for backoff jitter, for tests. @default Math.random */
  random?: () => number;
}

/** Per-call options of `request`. */
export interface RequestOptions {
  /** Reject with `TIMEOUT` when no reply arrives in time, ms. @default the client's `requestTimeoutMs` */
  timeoutMs?: number;
  /**
   * Safe to send again: if the socket drops before the reply, resend after reconnecting instead
   * of rejecting with `DISCONNECTED`. Only for idempotent calls. @default false
   */
  retry?: boolean;
}

/** Per-call options of a room's `publish`. */
export interface PublishOptions extends RequestOptions {
  /** Wait for the server's acknowledgement; without it the promise resolves once sent. @default true */
  ack?: boolean;
}

/** Options of `join`. */
export interface JoinOptions {
  /** Receive presence changes for this room (`onPresence`). @default false */
  presence?: boolean;
  /** Timeout of each join attempt, ms. @default the client's `requestTimeoutMs` */
  timeoutMs?: number;
}
