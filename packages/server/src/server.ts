import {
  CloseCode,
  NoticeCode,
  createJsonCodec,
  createJsonV2Codec,
  type AnyContract,
  type Codec,
  type CodecName,
  type Contract,
  type PresenceSnapshot,
  type PushEnvelope,
} from '@switchyard/protocol';
import { createMsgpackCodec, createMsgpackV2Codec } from '@switchyard/protocol/msgpack';
import { createTokenVerifier } from './auth/index.js';
import type { AuthorizeHook } from './authorize.js';
import { RoomBroadcast, UserBroadcast, type BroadcastOperator, type UserOperator } from './broadcast.js';
import { ClientDispatcher, type HandlerContext, type QueuedPublish } from './client-messages.js';
import { isSendableCloseCode, ServerConnection, type Connection, type JoinOptions } from './connection.js';
import { answerHttp, HEALTH_PATH, METRICS_PATH, READY_PATH } from './http-routes.js';
import { Hub, type RoomInfo } from './hub.js';
import { createLogger } from './log.js';
import { hubGauges } from './hub-gauges.js';
import { InboundRequests } from './inbound-requests.js';
import { noopMetrics, type ServerMetrics } from './metrics/metrics.js';
import { createPrometheusMetrics } from './metrics/prometheus.js';
import type { ServerOptions } from './options.js';
import { createTransportApi, DEFAULT_MAX_BODY_BYTES, HttpApi } from './http-api/index.js';
import { ClientIpResolver } from './protection/client-ip.js';
import { ConnectionLimits } from './protection/connection-limits.js';
import { OriginPolicy } from './protection/origin.js';
import { RoomPolicies } from './protection/room-policy.js';
import { RoomRules } from './protection/room-rules.js';
import { SlowConsumers } from './protection/slow-consumer.js';
import { DeferredQueue } from './publish-queue.js';
import { resolveOptions } from './resolve-options.js';
import { Router, type HandlerOptions } from './router.js';
import { createUwsTransport } from './transport/uws.js';
import type { Transport } from './transport/types.js';
import { timedUpgrade, type SocketState, type UpgradeDeps } from './upgrade.js';
import { ConnectionIds } from './connection-id.js';
import { onSocketClose, onSocketMessage, onSocketOpen, welcomeLimits, type SocketEventDeps } from './socket-events.js';
import { ServerLifecycle, type SwitchyardServer } from './server-types.js';

export type { DisconnectInfo, SwitchyardServer, RequestContext } from './server-types.js';

/** The WebSocket endpoint. */
export const WS_PATH = '/ws';
// Between two sweeps a socket may grow by (room traffic × interval); uWS drops silently past twice
// maxBackpressure, so the interval bounds the traffic rate at which every skipped message is counted.
const BACKPRESSURE_SWEEP_MS = 100;

// Each enabled codec is served in both protocol versions (they differ only in the push encoding),
// so clients of either release keep working; each (codec, version) is one wire format.
function buildCodecs(names: readonly CodecName[], maxPayload: number): Codec[] {
  const options = { maxBytes: maxPayload };
  return names.flatMap((name) =>
    name === 'json'
      ? [createJsonV2Codec(options), createJsonCodec(options)]
      : [createMsgpackV2Codec(options), createMsgpackCodec(options)],
  );
}

/**
 * Creates a Switchyard server: WebSocket endpoint `/ws` (JWT verified during the upgrade),
 * rooms as uWS topics, requests and events with acknowledgements both ways, `/healthz`,
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

class Server extends ServerLifecycle implements SwitchyardServer {
  readonly metrics: ServerMetrics;
  readonly #options;
  readonly #hub: Hub;
  readonly #router: Router<HandlerContext>;
  readonly #hooks: AuthorizeHook[] = [];
  readonly #publishes: DeferredQueue<QueuedPublish>;
  readonly #transport: Transport;
  readonly #embedded: boolean;
  #listening = false;
  #shuttingDown = false;
  #closing: Promise<void> | undefined;
  readonly #sweep: ReturnType<typeof setInterval>;
  readonly #dispatcher: ClientDispatcher;

  constructor(options: ServerOptions) {
    super(options.logger ?? createLogger(options.logLevel));
    const resolved = resolveOptions(options);
    this.#options = resolved;
    this.#embedded = options.app !== undefined;
    this.metrics = options.metricsSink ?? (resolved.metrics ? createPrometheusMetrics() : noopMetrics);
    const { limits } = resolved;
    const codecs = buildCodecs(resolved.codecs, limits.maxPayload);
    const policies = new RoomPolicies(options.rooms);
    const slow = new SlowConsumers<PushEnvelope>({
      maxBackpressure: limits.maxBackpressure,
      policyFor: (room) => policies.resolve(room).slowConsumer,
      onDropped: (policy, count) => this.metrics.backpressureDropped(policy, count),
      onReplayed: (count) => this.metrics.backpressureReplayed(count),
    });
    const origins = new OriginPolicy(options.allowedOrigins);
    for (const warning of origins.warnings()) this.logger.warn({ event: 'config_warning' }, warning);
    const hasKey = resolved.auth.secret !== undefined || resolved.auth.publicKey !== undefined;
    const verifier = hasKey ? createTokenVerifier(resolved.auth) : undefined;
    if (!verifier && !resolved.allowAnonymous) {
      this.logger.warn(
        { event: 'config_warning' },
        'no auth.secret or auth.publicKey configured: every upgrade will be refused with 401',
      );
    }
    if (options.authorize) this.#hooks.push(options.authorize);
    this.#router = new Router<HandlerContext>({
      handlerFailed: (kind, name, err) => {
        this.metrics.handlerError(kind);
        this.logger.error({ event: 'handler_failed', kind, name, err }, 'handler threw');
      },
      eventRejected: (name, err) => {
        this.logger.info(
          { event: 'event_rejected', name, err: err instanceof Error ? err.message : String(err) },
          'event payload failed its parser',
        );
      },
    });

    // Transport callbacks need the hub and the hub needs the transport: the transport is created
    // first with handlers that read `this.#hub` only once sockets exist.
    const http = (path: string) =>
      answerHttp({ isReady: () => this.ready, metrics: this.metrics, metricsEnabled: resolved.metrics }, path);
    const clientIp = new ClientIpResolver({
      trustedProxyHeader: options.trustedProxyHeader,
      trustedProxies: options.trustedProxies,
    });
    const roomRules = new RoomRules(limits);
    const httpApi = new HttpApi({
      apiKey: options.apiKey,
      maxBodyBytes: options.limits?.maxHttpBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
      roomRules,
      log: this.logger,
      metrics: this.metrics,
      facade: {
        publish: (room, event, data, opts) => {
          const started = performance.now();
          const recipients = this.#hub.publish(room, event, data, undefined, opts?.key);
          this.metrics.publishLatency((performance.now() - started) / 1000);
          return recipients;
        },
        disconnectUser: (userId, code) => this.disconnectUser(userId, code),
        presence: (room) => this.#hub.presence(room),
        rooms: () => this.#hub.rooms().map(({ room, members }) => ({ room, members })),
      },
    });
    const connLimits = new ConnectionLimits(limits);
    const events: SocketEventDeps = {
      get hub() {
        return hub();
      },
      metrics: this.metrics,
      logger: this.logger,
      welcomeLimits: welcomeLimits(limits),
      dispatcher: () => this.#dispatcher,
      isShuttingDown: () => this.#shuttingDown,
      connected: (conn) => this.emitConnection(conn),
      disconnected: (conn, info) => this.emitDisconnect(conn, info),
    };
    const hub = (): Hub => this.#hub;
    // Built once: every upgrade reads the same dependencies.
    const upgradeDeps: UpgradeDeps = {
      options: resolved,
      codecs,
      // A client that offers no codec speaks version 1 JSON, as it always has.
      fallbackCodec: codecs.find((c) => c.name === 'json' && c.version === 1),
      verifier,
      origins,
      clientIp,
      limits: connLimits,
      slow,
      metrics: this.metrics,
      logger: this.logger,
      ids: new ConnectionIds(),
      isShuttingDown: () => this.#shuttingDown,
    };
    this.#transport = createUwsTransport<SocketState>(
      {
        upgrade: (req) => timedUpgrade(upgradeDeps, req),
        open: (socket, state) => {
          const init = state.init;
          if (!init) {
            // Unreachable: every upgrade stores an init. Never leave a socket with no connection.
            socket.end(CloseCode.INTERNAL_ERROR, 'internal error');
            return;
          }
          // The connection copies what it keeps; holding `init` in the user data would pin the rest.
          state.init = undefined;
          onSocketOpen(events, new ServerConnection(init, socket, this.#hub), state);
        },
        message: (state, frame, isBinary) => onSocketMessage(events, state, frame, isBinary),
        drain: (state) => {
          if (state.conn) this.#hub.checkBackpressure(state.conn);
        },
        close: (state, code, message) => onSocketClose(events, state, code, message),
        http,
        ...(httpApi.enabled || !this.#embedded ? { api: createTransportApi(httpApi, clientIp) } : {}),
      },
      {
        path: WS_PATH,
        httpRoutes:
          resolved.metricsPort === undefined ? [HEALTH_PATH, READY_PATH, METRICS_PATH] : [HEALTH_PATH, READY_PATH],
        maxPayload: limits.maxPayload,
        // uWS drops only past twice the limit, so the slow-consumer policy (which acts at the
        // limit) decides what happens first.
        maxBackpressure: limits.maxBackpressure * 2,
        idleTimeoutSec: limits.idleTimeoutSec,
        proxyHeader: (options.trustedProxyHeader ?? '').toLowerCase(),
      },
      options.app,
    );
    this.#hub = new Hub({
      transport: this.#transport,
      codecs,
      metrics: this.metrics,
      logger: this.logger,
      policies,
      slow,
      requests: new InboundRequests({ metrics: this.metrics, timeoutMs: limits.requestTimeoutMs }),
    });
    this.metrics.setGaugeSource(hubGauges(() => this.#hub));
    this.#publishes = new DeferredQueue<QueuedPublish>(
      (item) => this.#runPublish(item),
      (err) => this.logger.error({ event: 'publish_failed', err }, 'publish failed'),
    );
    this.#dispatcher = new ClientDispatcher({
      hub: this.#hub,
      router: this.#router,
      hooks: this.#hooks,
      verifier,
      rules: roomRules,
      policies,
      publishes: this.#publishes,
      metrics: this.metrics,
      logger: this.logger,
    });
    this.#sweep = setInterval(() => {
      for (const conn of this.#hub.connections.values()) this.#hub.checkBackpressure(conn);
    }, BACKPRESSURE_SWEEP_MS);
    this.#sweep.unref();
  }

  get ready(): boolean {
    return (this.#listening || this.#embedded) && !this.#shuttingDown;
  }

  get listening(): boolean {
    return this.#listening;
  }

  async listen(port?: number, host?: string): Promise<{ port: number; host: string }> {
    if (this.#shuttingDown) throw new Error('the server is closed');
    const bindHost = host ?? this.#options.host;
    const bound = await this.#transport.listen(bindHost, port ?? this.#options.port);
    if (this.#options.metricsPort !== undefined && this.#options.metrics) {
      await this.#transport.listenSideHttp(bindHost, this.#options.metricsPort, [METRICS_PATH]);
    }
    this.#listening = true;
    this.logger.info({ event: 'listening', host: bindHost, port: bound }, 'listening');
    return { port: bound, host: bindHost };
  }

  close(options: { graceMs?: number } = {}): Promise<void> {
    this.#closing ??= this.#shutdown(options.graceMs ?? this.#options.shutdownGraceMs);
    return this.#closing;
  }

  async #shutdown(graceMs: number): Promise<void> {
    this.#shuttingDown = true;
    this.#transport.stopListening();
    this.#publishes.flush();
    for (const conn of [...this.#hub.connections.values()]) {
      conn.send({ t: 'notice', code: NoticeCode.SHUTDOWN, message: 'server shutting down' });
      conn.end(CloseCode.GOING_AWAY, 'server shutting down', 'shutdown');
    }
    const deadline = Date.now() + graceMs;
    while (this.#hub.connections.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    clearInterval(this.#sweep);
    this.#listening = false;
    this.logger.info({ event: 'closed', remaining: this.#hub.connections.size }, 'server closed');
  }

  onRequest(
    name: string,
    handler: (ctx: HandlerContext, data: unknown) => unknown,
    options: HandlerOptions<unknown> = {},
  ): this {
    this.#router.onRequest(name, handler, options.parse);
    return this;
  }

  onEvent(
    name: string,
    handler: (ctx: HandlerContext, data: unknown) => unknown,
    options: HandlerOptions<unknown> = {},
  ): this {
    this.#router.onEvent(name, handler, options.parse);
    return this;
  }

  authorize(hook: AuthorizeHook): this {
    this.#hooks.push(hook);
    return this;
  }

  to(room: string): BroadcastOperator {
    return new RoomBroadcast(this.#hub, [room]);
  }

  toUser(userId: string): UserOperator {
    return new UserBroadcast(this.#hub, userId);
  }

  joinUser(userId: string, room: string, options: JoinOptions = {}): number {
    const conns = [...(this.#hub.users.get(userId) ?? [])];
    for (const conn of conns) conn.join(room, options);
    return conns.length;
  }

  leaveUser(userId: string, room: string): number {
    const conns = [...(this.#hub.users.get(userId) ?? [])];
    for (const conn of conns) conn.leave(room);
    return conns.length;
  }

  presence(room: string): PresenceSnapshot {
    return this.#hub.presence(room);
  }

  rooms(): RoomInfo[] {
    return this.#hub.rooms();
  }

  connection(id: string): Connection | undefined {
    return this.#hub.connections.get(id);
  }

  userConnections(userId: string): Connection[] {
    return [...(this.#hub.users.get(userId) ?? [])];
  }

  get connectionCount(): number {
    return this.#hub.connections.size;
  }

  disconnectUser(userId: string, code: number = CloseCode.KICKED): number {
    if (!isSendableCloseCode(code))
      throw new RangeError(`close code ${code} cannot be sent (use 1000, 1001, 1011-1014 or 3000-4999)`);
    const conns = [...(this.#hub.users.get(userId) ?? [])];
    for (const conn of conns) conn.end(code, 'disconnected by the server', 'kicked');
    return conns.length;
  }

  #runPublish(item: QueuedPublish): void {
    const { conn, envelope } = item;
    try {
      // The sender is excluded through its own socket while it is open.
      this.#hub.publish(envelope.room, envelope.event, envelope.data, conn.closed ? undefined : conn);
    } catch (err) {
      // Data one codec decoded that the other cannot encode; the sender learns it failed.
      this.logger.error({ event: 'publish_failed', connectionId: conn.id, room: envelope.room, err }, 'publish failed');
      if (envelope.id !== undefined)
        conn.send({ t: 'reply', id: envelope.id, ok: false, error: { code: 'INTERNAL', message: 'internal error' } });
      return;
    }
    this.metrics.publishLatency((performance.now() - item.enqueuedAt) / 1000);
    if (envelope.id !== undefined) conn.send({ t: 'reply', id: envelope.id, ok: true });
  }
}
