import type {
  AnyContract,
  CodecName,
  Contract,
  NameOf,
  ProtocolVersion,
  PushesOf,
  RequestIn,
  RequestOut,
  ServerRequestsOf,
} from '@switchyard/protocol';

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
