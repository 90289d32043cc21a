import type {
  AnyContract,
  Contract,
  EventsOf,
  NameOf,
  PresenceSnapshot,
  RequestIn,
  RequestOut,
  RequestsOf,
} from '@switchyard/protocol';
import type { AuthorizeHook } from './rooms/authorize.js';
import type { BroadcastOperator, UserOperator } from './publish/broadcast.js';
import type { Connection, JoinOptions } from './session/connection.js';
import type { RoomInfo } from './rooms/hub.js';
import type { Logger } from './log.js';
import type { CloseReason, ServerMetrics } from './metrics/metrics.js';
import type { HandlerOptions } from './session/router.js';
import type { NodeHttpHandler } from './transport/node-http.js';

/** What a request or event handler knows about its caller. */
export interface RequestContext<C extends Contract = AnyContract> {
  /** The calling connection. */
  readonly conn: Connection<C>;
  /** The token's `sub`. */
  readonly userId: string;
  /** The verified token claims. */
  readonly claims: Readonly<Record<string, unknown>>;
}

/** Why a connection ended, for `server.on('disconnect')`. */
export interface DisconnectInfo {
  /** The WebSocket close code. */
  readonly code: number;
  /** The server's classification of the close. */
  readonly reason: CloseReason;
}

/**
 * Listeners of `server.on()`. A listener may be async: a throw or a rejection is logged, any other
 * result is ignored.
 */
export interface ServerEvents<C extends Contract = AnyContract> {
  /** A connection opened (after `welcome` was sent). */
  connection: (conn: Connection<C>) => unknown;
  /** A connection closed; it already left every room. */
  disconnect: (conn: Connection<C>, info: DisconnectInfo) => unknown;
}

/** A Switchyard server. Create one with `createServer()`. */
export interface SwitchyardServer<C extends Contract = AnyContract> {
  /** The metrics implementation the server reports to. */
  readonly metrics: ServerMetrics;
  /** True between `listen()` and `close()`. */
  readonly listening: boolean;
  /** True when `/readyz` answers 200: listening (or embedded) and not shutting down. */
  readonly ready: boolean;
  /** Open connections. */
  readonly connectionCount: number;
  /**
   * Binds the HTTP/WebSocket listener (and the metrics listener when `metricsPort` is set).
   * Port 0 picks a free port; the result holds the real one.
   * @param port @default options.port (9001)
   * @param host @default options.host
   */
  listen(port?: number, host?: string): Promise<{ port: number; host: string }>;
  /**
   * Graceful shutdown: `/readyz` turns 503, new upgrades get 503, listeners close, every socket
   * gets a `SHUTDOWN` notice and closes with 1001. Resolves when all sockets are gone or after
   * `graceMs`.
   * @param options.graceMs @default options.shutdownGraceSec * 1000
   */
  close(options?: { graceMs?: number }): Promise<void>;
  /**
   * Handles client requests named `name`. The return value is the reply; a thrown `RpcError`
   * answers with its code; anything else answers `INTERNAL` (logged, message not sent).
   */
  onRequest<K extends NameOf<RequestsOf<C>>>(
    name: K,
    handler: (
      ctx: RequestContext<C>,
      data: RequestIn<RequestsOf<C>, K>,
    ) => RequestOut<RequestsOf<C>, K> | Promise<RequestOut<RequestsOf<C>, K>>,
    options?: HandlerOptions<RequestIn<RequestsOf<C>, K>>,
  ): this;
  /** Handles client events named `name` (fire and forget). */
  onEvent<K extends NameOf<EventsOf<C>>>(
    name: K,
    handler: (ctx: RequestContext<C>, data: EventsOf<C>[K]) => void | Promise<void>,
    options?: HandlerOptions<EventsOf<C>[K]>,
  ): this;
  /** Adds an authorization hook for client joins, publishes and presence reads (all hooks must allow). */
  authorize(hook: AuthorizeHook): this;
  /**
   * Switchyard's HTTP routes (`/healthz`, `/readyz`, `/metrics`, the backend API under `/v1/`) as a
   * Node request handler, to mount in Express (`app.use(handler)`), Fastify, Koa, NestJS or
   * `node:http`. It answers its own paths and returns true; other requests go to `next` when given,
   * else get 404. Mount it before body parsers: it reads the API's request bodies itself.
   * @example
   * const handler = server.httpHandler();
   * http.createServer((req, res) => handler(req, res));
   */
  httpHandler(): NodeHttpHandler;
  /** Adds a listener. */
  on<E extends keyof ServerEvents<C>>(event: E, listener: ServerEvents<C>[E]): this;
  /** Removes a listener. */
  off<E extends keyof ServerEvents<C>>(event: E, listener: ServerEvents<C>[E]): this;
  /** A broadcast to a room's members. */
  to(room: string): BroadcastOperator<C>;
  /** Direct pushes to every connection of a user. */
  toUser(userId: string): UserOperator<C>;
  /** Adds every open connection of a user to a room; returns how many. */
  joinUser(userId: string, room: string, options?: JoinOptions): number;
  /** Removes every connection of a user from a room; returns how many. */
  leaveUser(userId: string, room: string): number;
  /** Who is in a room, on this node (see {@link SwitchyardServer.fetchPresence} for the whole cluster). */
  presence(room: string): PresenceSnapshot;
  /** Who is in a room: the whole cluster in a cluster, this node on a single node. */
  fetchPresence(room: string): Promise<PresenceSnapshot>;
  /** Every non-empty room on this node with its distinct users (`members`) and connections. */
  rooms(): RoomInfo[];
  /** Every non-empty room with its distinct users: the whole cluster in a cluster. */
  fetchRooms(): Promise<{ room: string; members: number }[]>;
  /** An open connection by id. */
  connection(id: string): Connection<C> | undefined;
  /** The open connections of a user. */
  userConnections(userId: string): Connection<C>[];
  /**
   * Closes every connection of a user, on every node of a cluster; returns how many this node
   * closed. @param code @default 4002 (KICKED)
   */
  disconnectUser(userId: string, code?: number): number;
}

type Listener = (...args: never[]) => void;

/** Listener bookkeeping shared by the server; a throwing listener is logged, never fatal. */
export class ServerLifecycle {
  readonly logger: Logger;
  readonly #listeners = new Map<string, Set<Listener>>();

  constructor(logger: Logger) {
    this.logger = logger;
  }

  on(event: string, listener: Listener): this {
    let set = this.#listeners.get(event);
    if (!set) {
      set = new Set();
      this.#listeners.set(event, set);
    }
    set.add(listener);
    return this;
  }

  off(event: string, listener: Listener): this {
    this.#listeners.get(event)?.delete(listener);
    return this;
  }

  protected emitConnection(conn: Connection): void {
    this.#emit('connection', conn);
  }

  protected emitDisconnect(conn: Connection, info: DisconnectInfo): void {
    this.#emit('disconnect', conn, info);
  }

  #emit(event: string, ...args: unknown[]): void {
    const set = this.#listeners.get(event);
    if (!set) return;
    for (const listener of [...set]) {
      const failed = (err: unknown): void => {
        this.logger.error({ event: 'listener_failed', listener: event, err }, 'server listener threw');
      };
      try {
        const result: unknown = (listener as (...a: unknown[]) => unknown)(...args);
        // An async listener's rejection would otherwise be unhandled, which ends the process.
        if (result instanceof Promise) result.catch(failed);
      } catch (err) {
        failed(err);
      }
    }
  }
}
