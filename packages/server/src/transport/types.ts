/**
 * The shapes the server core uses to talk to a WebSocket transport (uws.ts or ws.ts). Nothing here
 * depends on uWebSockets.js or ws: the core and its unit tests see only these interfaces.
 */

/** A frame to send: text (string) or binary (bytes). */
export type OutgoingFrame = string | Uint8Array;

/** Outcome of sending one frame on one socket. */
export type SendResult = 'ok' | 'backpressure' | 'dropped' | 'closed';

/** Everything the core needs from one upgrade request, copied out synchronously. */
export interface UpgradeRequest {
  /** Path without the query string. */
  readonly path: string;
  /** Raw query string (may carry `token=`; never log it). */
  readonly query: string;
  /** `Authorization` header, or '' when absent. */
  readonly authorization: string;
  /** `Origin` header, or '' when absent. */
  readonly origin: string;
  /** `Sec-WebSocket-Protocol` header, or '' when absent. */
  readonly protocols: string;
  /** Value of the trusted proxy header (when configured), or ''. */
  readonly forwardedFor: string;
  /** Remote address of the TCP peer, as text. */
  readonly remoteAddress: string;
  /** `Sec-WebSocket-Key` header, or '' when absent. */
  readonly wsKey: string;
  /** `Sec-WebSocket-Version` header, or '' when absent. */
  readonly wsVersion: string;
}

/** The core's answer to an upgrade request. */
export type UpgradeDecision<D> =
  | { readonly accept: true; readonly protocol: string; readonly data: D }
  | {
      readonly accept: false;
      readonly status: number;
      readonly body: string;
      /** Extra response headers (for example `sec-websocket-version` on 426). */
      readonly headers?: Readonly<Record<string, string>>;
    };

/** One open WebSocket. Every method is safe to call after close (it does nothing). */
export interface TransportSocket {
  /** True once the socket closed; nothing may be sent any more. */
  readonly closed: boolean;
  send(frame: OutgoingFrame, binary: boolean): SendResult;
  /** Publishes to a topic's subscribers except this socket. */
  publish(topic: string, frame: OutgoingFrame, binary: boolean): void;
  subscribe(topic: string): void;
  unsubscribe(topic: string): void;
  /** Bytes waiting in this socket's send buffer. */
  bufferedAmount(): number;
  /** Runs `fn` with writes batched into one syscall (needed outside uWS callbacks). */
  cork(fn: () => void): void;
  /** Sends a close frame with `code` and `reason`, then closes. */
  end(code: number, reason: string): void;
}

/** A plain HTTP answer for the built-in routes. */
export interface HttpReply {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

/** The transport callback in which a handler threw: one per {@link TransportHandlers} method. */
export type HandlerStage = 'upgrade' | 'open' | 'message' | 'drain' | 'close' | 'http' | 'api';

/**
 * Callbacks the transport drives. `D` is the per-socket state the core attaches at upgrade.
 *
 * Error contract, for every transport (uWebSockets.js, `ws`): an exception thrown by a handler,
 * or a rejected promise it returned, never escapes into the transport's event loop and is never
 * dropped. The transport answers what it must (500 to an upgrade or HTTP request), keeps the
 * socket as it is, and reports the error once through {@link TransportHandlers.failed}.
 */
export interface TransportHandlers<D> {
  upgrade(req: UpgradeRequest): UpgradeDecision<D> | Promise<UpgradeDecision<D>>;
  /** The socket is open: the core keeps `socket` inside `data`. */
  open(socket: TransportSocket, data: D): void;
  /** One frame arrived. `frame` is only valid until this callback returns. */
  message(data: D, frame: ArrayBuffer, isBinary: boolean): void;
  /** The send buffer drained below the limit. */
  drain(data: D): void;
  /**
   * The socket closed (any reason). `message` is the close reason, or the transport's own text
   * when it closed the socket itself (uWS's words, with code 1006, on both transports).
   */
  close(data: D, code: number, message: string): void;
  /** Answers the built-in GET routes; `undefined` means 404. */
  http(path: string): HttpReply | Promise<HttpReply> | undefined;
  /** The backend HTTP API, served under `TransportApi.prefix` when present. */
  readonly api?: TransportApi | undefined;
  /**
   * A handler threw in `where`; called once per error. `data` is the socket's state for the
   * socket stages (`open`, `message`, `drain`, `close`), so the report can name the connection.
   * Must not throw.
   */
  failed(where: HandlerStage, error: unknown, data?: D): void;
}

/** A backend HTTP API request, copied out of the transport's request synchronously. */
export interface ApiRequest {
  /** HTTP method (any case). */
  readonly method: string;
  /** Path without the query string. */
  readonly path: string;
  /** The query string without `?`, or '' when absent. */
  readonly query: string;
  /** `Authorization` header, or '' when absent (never log it). */
  readonly authorization: string;
  /** `Content-Length` header, or '' when absent. */
  readonly contentLength: string;
  /** Remote address of the TCP peer, as text. */
  readonly remoteAddress: string;
  /** Value of the trusted proxy header (when configured), or ''. */
  readonly forwardedFor: string;
}

/** An answer of the backend HTTP API. */
export interface ApiReply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** The backend HTTP API as the transport drives it: check the head, collect the body, answer. */
export interface TransportApi {
  /** Path prefix the API owns, for example `/v1/`. */
  readonly prefix: string;
  /** Largest body to collect; a larger one is answered 413 and the connection closed. */
  readonly maxBodyBytes: number;
  /** Answers before the body is read (auth, routing, declared length); `undefined`: read the body. */
  head(req: ApiRequest): ApiReply | undefined;
  /** Answers a request whose body is complete. */
  handle(req: ApiRequest, body: Uint8Array): Promise<ApiReply>;
  /** The answer for a body that grew past `maxBodyBytes` while arriving. */
  tooLarge(req: ApiRequest): ApiReply;
}

/** Socket settings applied to the WebSocket route. */
export interface TransportSettings {
  /** WebSocket path. */
  readonly path: string;
  /** GET routes answered through `handlers.http`. */
  readonly httpRoutes: readonly string[];
  /** The largest frame the transport reads; larger ones are dropped without a close frame. */
  readonly maxPayload: number;
  readonly maxBackpressure: number;
  readonly idleTimeoutSec: number;
  /** Header to copy into `UpgradeRequest.forwardedFor`, lowercase; '' for none. */
  readonly proxyHeader: string;
}

/**
 * An HTTP+WebSocket transport bound to one app. It is built in two steps, so that the parts that
 * publish to its topics can be composed before the handlers that read them exist: create it,
 * then {@link Transport.serve} the handlers once.
 */
export interface Transport<D = unknown> {
  /** Installs the WebSocket route and the HTTP routes, driven by `handlers`. Called once, before `listen`. */
  serve(handlers: TransportHandlers<D>): void;
  /** Publishes to every subscriber of a topic. */
  publish(topic: string, frame: OutgoingFrame, binary: boolean): void;
  numSubscribers(topic: string): number;
  /** Starts listening; resolves with the bound port. */
  listen(host: string, port: number): Promise<number>;
  /** Serves only the given GET routes on a second port (for `metricsPort`). */
  listenSideHttp(host: string, port: number, routes: readonly string[]): Promise<number>;
  /** Stops accepting new TCP connections on every listener this transport opened. */
  stopListening(): void;
}
