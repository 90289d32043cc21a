import { CloseCode, NoticeCode, type AnyContract, type Contract, type PresenceSnapshot } from '@switchyard/protocol';
import type { AuthorizeHook } from './rooms/authorize.js';
import { RoomBroadcast, UserBroadcast, type BroadcastOperator, type UserOperator } from './publish/broadcast.js';
import type { HandlerContext } from './session/client-messages.js';
import { compose, type ServerParts } from './compose.js';
import { isReady } from './server-state.js';
import type { RoomSummary } from './rooms/presence-reader.js';
import { assertSendableCloseCode, type Connection, type JoinOptions } from './session/connection.js';
import { METRICS_PATH } from './http/health-routes.js';
import type { RoomInfo } from './rooms/hub.js';
import { createLogger } from './log.js';
import type { ServerMetrics } from './metrics/metrics.js';
import type { ServerOptions } from './config/options.js';
import type { HandlerOptions } from './session/router.js';
import type { NodeHttpHandler } from './transport/node-http.js';
import { ServerLifecycle, type SwitchyardServer } from './server-types.js';

export { WS_PATH } from './compose.js';
export type { DisconnectInfo, SwitchyardServer, RequestContext } from './server-types.js';

/**
 * Creates a Switchyard server: WebSocket endpoint `/ws` (JWT verified during the upgrade) on
 * uWebSockets.js, or with `server: httpServer` on an existing Node HTTP server through `ws`;
 * rooms as topics, requests and events with acknowledgements both ways, `/healthz`,
 * `/readyz` and `/metrics`.
 * @throws TransportUnavailableError when uWebSockets.js is its slow JavaScript fallback.
 * @example
 * const server = createServer<ChatContract>({ auth: { secret: process.env.JWT_SECRET } });
 * server.onRequest('chat:send', async (ctx, { room, text }) => {
 *   server.to(room).except(ctx.conn).emit('message', { from: ctx.userId, text });
 *   return { id: crypto.randomUUID() };
 * });
 * await server.listen(9001);
 */
export function createServer<C extends Contract = AnyContract>(options: ServerOptions = {}): SwitchyardServer<C> {
  return new Server(options) as unknown as SwitchyardServer<C>;
}

/** The public facade over the composed parts (compose.ts): lifecycle, handlers and broadcasts. */
class Server extends ServerLifecycle implements SwitchyardServer {
  readonly #parts: ServerParts;
  #closing: Promise<void> | undefined;

  constructor(options: ServerOptions) {
    super(options.logger ?? createLogger(options.logLevel));
    this.#parts = compose(options, this.logger, {
      connected: (conn) => this.emitConnection(conn),
      disconnected: (conn, info) => this.emitDisconnect(conn, info),
    });
    // An embedded server never calls listen(); a cluster that cannot start is logged, and the
    // broker keeps reconnecting on its own.
    this.#parts.started.catch((err: unknown) => {
      this.logger.error({ event: 'cluster_failed', operation: 'start', err }, 'could not join the cluster');
    });
  }

  get metrics(): ServerMetrics {
    return this.#parts.metrics;
  }

  get ready(): boolean {
    return isReady(this.#parts.state);
  }

  get listening(): boolean {
    return this.#parts.state.listening;
  }

  async listen(port?: number, host?: string): Promise<{ port: number; host: string }> {
    const { state, options, transport } = this.#parts;
    if (state.shuttingDown) throw new Error('the server is closed');
    const bindHost = host ?? options.host;
    await this.#parts.started;
    const bound = await transport.listen(bindHost, port ?? options.port);
    if (options.metricsPort !== undefined && options.metrics) {
      await transport.listenSideHttp(bindHost, options.metricsPort, [METRICS_PATH]);
    }
    state.listening = true;
    const { descriptorLimit } = options;
    this.logger.info(
      {
        event: 'listening',
        host: bindHost,
        port: bound,
        descriptorLimit: descriptorLimit === Number.POSITIVE_INFINITY ? 'unlimited' : descriptorLimit,
        maxConnections: options.limits.maxConnections,
        maxBufferedBytes: options.limits.maxBufferedBytes,
      },
      'listening',
    );
    return { port: bound, host: bindHost };
  }

  close(options: { graceMs?: number } = {}): Promise<void> {
    this.#closing ??= this.#shutdown(options.graceMs ?? this.#parts.options.shutdownGraceMs);
    return this.#closing;
  }

  async #shutdown(graceMs: number): Promise<void> {
    const { state, transport, publishes, hub } = this.#parts;
    state.shuttingDown = true;
    publishes.flush();
    hub.flushPushes();
    for (const conn of [...hub.connections.values()]) {
      conn.send({ t: 'notice', code: NoticeCode.SHUTDOWN, message: 'server shutting down' });
      conn.end(CloseCode.GOING_AWAY, 'server shutting down', 'shutdown');
    }
    const deadline = Date.now() + graceMs;
    while (hub.connections.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    // Listening until now lets requests that arrive while connections close get the documented
    // 503 instead of a refused connection.
    transport.stopListening();
    this.#parts.stopTimers();
    await this.#parts.stopCluster();
    state.listening = false;
    this.logger.info({ event: 'closed', remaining: hub.connections.size }, 'server closed');
  }

  httpHandler(): NodeHttpHandler {
    return this.#parts.httpHandler;
  }

  onRequest(
    name: string,
    handler: (ctx: HandlerContext, data: unknown) => unknown,
    options: HandlerOptions<unknown> = {},
  ): this {
    this.#parts.router.onRequest(name, handler, options.parse);
    return this;
  }

  onEvent(
    name: string,
    handler: (ctx: HandlerContext, data: unknown) => unknown,
    options: HandlerOptions<unknown> = {},
  ): this {
    this.#parts.router.onEvent(name, handler, options.parse);
    return this;
  }

  authorize(hook: AuthorizeHook): this {
    this.#parts.hooks.push(hook);
    return this;
  }

  to(room: string): BroadcastOperator {
    return new RoomBroadcast(this.#parts.publisher, [room]);
  }

  toUser(userId: string): UserOperator {
    return new UserBroadcast(this.#parts.publisher, userId);
  }

  joinUser(userId: string, room: string, options: JoinOptions = {}): number {
    const conns = this.userConnections(userId);
    for (const conn of conns) conn.join(room, options);
    return conns.length;
  }

  leaveUser(userId: string, room: string): number {
    const conns = this.userConnections(userId);
    for (const conn of conns) conn.leave(room);
    return conns.length;
  }

  presence(room: string): PresenceSnapshot {
    return this.#parts.hub.presence(room);
  }

  rooms(): RoomInfo[] {
    return this.#parts.hub.rooms();
  }

  connection(id: string): Connection | undefined {
    return this.#parts.hub.connections.get(id);
  }

  userConnections(userId: string): Connection[] {
    return this.#parts.hub.userConnections(userId);
  }

  get connectionCount(): number {
    return this.#parts.hub.connections.size;
  }

  disconnectUser(userId: string, code: number = CloseCode.KICKED): number {
    assertSendableCloseCode(code);
    return this.#parts.disconnectUser(userId, code);
  }

  fetchPresence(room: string): Promise<PresenceSnapshot> {
    return Promise.resolve(this.#parts.presence.snapshot(room));
  }

  async fetchRooms(): Promise<RoomSummary[]> {
    return [...(await this.#parts.presence.rooms())];
  }
}
