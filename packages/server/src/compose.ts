import { CloseCode, ErrorCode } from '@switchyard/protocol';
import { createTokenVerifier, type TokenVerifier } from './auth/index.js';
import type { AuthorizeHook } from './rooms/authorize.js';
import { ClientDispatcher, type HandlerContext, type QueuedPublish } from './session/client-messages.js';
import type { Broker } from './cluster/broker.js';
import { BrokerOutbox } from './cluster/cluster-outbox.js';
import { ClusterInbox } from './cluster/cluster-inbox.js';
import { ClusterMembership } from './cluster/cluster-membership.js';
import { createRedisEngine, type ClusterEngine } from './cluster/create-cluster.js';
import { LocalBroker } from './cluster/local-broker.js';
import { ConnectionIds } from './upgrade/connection-id.js';
import { ServerConnection } from './session/connection.js';
import { answerHttp, HEALTH_PATH, METRICS_PATH, READY_PATH } from './http/health-routes.js';
import { createTransportApi, HttpApi } from './http/index.js';
import type { ApiPublishReceipt } from './http/facade.js';
import { HttpApiError } from './http/http-error.js';
import { LocalRoomHistory } from './history/local-room-history.js';
import { MemoryHistory } from './history/memory-history.js';
import type { RoomHistory } from './history/room-history.js';
import { ClusterRoomHistory } from './cluster/cluster-room-history.js';
import { RecentPushes } from './cluster/recent-pushes.js';
import { Hub } from './rooms/hub.js';
import { RoomRegistry } from './rooms/room-registry.js';
import type { Logger } from './log.js';
import { hubGauges } from './rooms/hub-gauges.js';
import { InboundRequests } from './session/inbound-requests.js';
import { noopMetrics, type ServerMetrics } from './metrics/metrics.js';
import { createPrometheusMetrics } from './metrics/prometheus.js';
import type { ServerOptions } from './config/options.js';
import { ClientIpResolver } from './protection/client-ip.js';
import { ConnectionLimits } from './protection/connection-limits.js';
import { OriginPolicy } from './protection/origin.js';
import { RoomPolicies } from './protection/room-policy.js';
import { RoomRules } from './protection/room-rules.js';
import { SlowConsumers } from './protection/slow-consumer.js';
import { PresenceFanOut } from './rooms/presence-fan-out.js';
import { BackpressureWatch } from './protection/backpressure-watch.js';
import { DeferredTopics } from './publish/deferred-topics.js';
import { BufferBudget } from './protection/buffer-budget.js';
import { ClusterPresenceReader, LocalPresenceReader, type PresenceReader } from './rooms/presence-reader.js';
import { runClientPublish } from './publish/client-publish.js';
import { frameBytes, type EncodedPush } from './publish/encoded-push.js';
import { Publisher } from './publish/publisher.js';
import { PublishGate } from './publish/publish-gate.js';
import { WireFormats } from './publish/wire-formats.js';
import { DeferredQueue } from './publish/publish-queue.js';
import { resolveOptions, type ResolvedOptions } from './config/resolve-options.js';
import { Router } from './session/router.js';
import type { DisconnectInfo } from './server-types.js';
import {
  onSocketClose,
  onSocketMessage,
  onSocketOpen,
  transportFrameLimit,
  welcomeLimits,
  type SocketEventDeps,
} from './session/socket-events.js';
import type { Transport, TransportHandlers, TransportSettings } from './transport/types.js';
import { createNodeHttpHandler, type NodeHttpHandler } from './transport/node-http.js';
import { createTransport } from './transport/select.js';
import { timedUpgrade, type SocketState, type UpgradeDeps } from './upgrade/upgrade.js';

/** The WebSocket endpoint. */
export const WS_PATH = '/ws';

// Between a room publish and the read of its members' send buffers a socket may grow by (room
// traffic × interval); uWS drops silently past twice maxBackpressure, so the interval bounds the
// traffic rate at which every skipped message is counted.
const BACKPRESSURE_CHECK_MS = 100;

/** A server's mutable lifecycle flags, shared by the parts that answer differently while it closes. */
export interface ServerState {
  listening: boolean;
  shuttingDown: boolean;
  /** True when Switchyard was added to the caller's app (ready without `listen()`). */
  readonly embedded: boolean;
}

/** Where the composed parts report connections opening and closing (the server's listeners). */
export interface ConnectionEvents {
  connected(conn: ServerConnection): void;
  disconnected(conn: ServerConnection, info: DisconnectInfo): void;
}

/** Every part of a server, built in dependency order by {@link compose}. */
export interface ServerParts {
  readonly options: ResolvedOptions;
  readonly state: ServerState;
  readonly logger: Logger;
  readonly metrics: ServerMetrics;
  readonly hub: Hub;
  readonly broker: Broker;
  readonly publisher: Publisher;
  readonly router: Router<HandlerContext>;
  readonly hooks: AuthorizeHook[];
  readonly publishes: DeferredQueue<QueuedPublish>;
  readonly transport: Transport<SocketState>;
  /** The HTTP routes as a Node request handler, for any Node HTTP framework. */
  readonly httpHandler: NodeHttpHandler;
  /** Who is where (the whole cluster's answer in a cluster). */
  readonly presence: PresenceReader;
  /** Settles once the cluster link is started (at once on a single node). */
  readonly started: Promise<void>;
  /** Closes a user's connections on this node and asks the other nodes to do the same; returns this node's count. */
  disconnectUser(userId: string, code: number): number;
  /** Stops the periodic work (the backpressure sweep). */
  stopTimers(): void;
  /** Leaves the cluster: removes this node's membership and closes the broker. */
  stopCluster(): Promise<void>;
}

function isReady(state: ServerState): boolean {
  return (state.listening || state.embedded) && !state.shuttingDown;
}

function createVerifier(resolved: ResolvedOptions, logger: Logger): TokenVerifier | undefined {
  const { secret, publicKey } = resolved.auth;
  const verifier = secret !== undefined || publicKey !== undefined ? createTokenVerifier(resolved.auth) : undefined;
  if (!verifier && !resolved.allowAnonymous) {
    logger.warn(
      { event: 'config_warning' },
      'no auth.secret or auth.publicKey configured: every upgrade will be refused with 401',
    );
  }
  return verifier;
}

function createRouter(metrics: ServerMetrics, logger: Logger): Router<HandlerContext> {
  return new Router<HandlerContext>({
    handlerFailed: (kind, name, err) => {
      metrics.handlerError(kind);
      logger.error({ event: 'handler_failed', kind, name, err }, 'handler threw');
    },
    eventRejected: (name, err) => {
      const message = err instanceof Error ? err.message : String(err);
      logger.info({ event: 'event_rejected', name, err: message }, 'event payload failed its parser');
    },
  });
}

/**
 * Builds a server's parts from its options, in dependency order: options → metrics → auth →
 * rooms → broker → publisher → sessions → transport. Each part receives what it needs as
 * arguments; nothing is looked up lazily. The transport is created before the hub (the hub
 * publishes to its topics) and serves the session handlers last.
 */
export function compose(options: ServerOptions, logger: Logger, events: ConnectionEvents): ServerParts {
  const resolved = resolveOptions(options);
  const state: ServerState = {
    listening: false,
    shuttingDown: false,
    embedded: options.app !== undefined || options.server !== undefined,
  };
  const metrics = options.metricsSink ?? (resolved.metrics ? createPrometheusMetrics() : noopMetrics);
  const { limits } = resolved;

  // Auth and protection
  const verifier = createVerifier(resolved, logger);
  const origins = new OriginPolicy(options.allowedOrigins);
  for (const warning of origins.warnings()) logger.warn({ event: 'config_warning' }, warning);
  const clientIp = new ClientIpResolver({
    trustedProxyHeader: options.trustedProxyHeader,
    trustedProxies: options.trustedProxies,
  });
  const roomRules = new RoomRules(limits);
  const policies = new RoomPolicies(options.rooms);
  const slow = new SlowConsumers<EncodedPush>({
    maxBackpressure: limits.maxBackpressure,
    policyFor: (room) => policies.resolve(room).slowConsumer,
    onDropped: (policy, count) => metrics.backpressureDropped(policy, count),
    onReplayed: (count) => metrics.backpressureReplayed(count),
  });

  // Rooms, over the transport's topics
  const formats = new WireFormats(resolved.codecs, limits.maxPayload);
  const settings: TransportSettings = {
    path: options.path ?? WS_PATH,
    httpRoutes:
      resolved.metricsPort === undefined ? [HEALTH_PATH, READY_PATH, METRICS_PATH] : [HEALTH_PATH, READY_PATH],
    maxPayload: transportFrameLimit(limits.maxPayload),
    // uWS drops only past twice the limit, so the slow-consumer policy (which acts at the limit)
    // decides what happens first.
    maxBackpressure: limits.maxBackpressure * 2,
    idleTimeoutSec: limits.idleTimeoutSec,
    proxyHeader: (options.trustedProxyHeader ?? '').toLowerCase(),
  };
  const transport = createTransport<SocketState>(options, settings);
  const registry = new RoomRegistry<ServerConnection>();
  const topics = new DeferredTopics(transport);
  const buffers = new BufferBudget<ServerConnection>({
    maxBytes: limits.maxBufferedBytes,
    read: (conn) => conn.socket.bufferedAmount(),
    shed: (conn) => {
      logger.warn(
        { event: 'buffer_cap_reached', connectionId: conn.id, maxBufferedBytes: limits.maxBufferedBytes },
        'send buffers over limits.maxBufferedBytes: closing the connection furthest behind',
      );
      metrics.slowConsumerClosed();
      conn.end(CloseCode.SLOW_CONSUMER, 'slow consumer', 'slow_consumer');
    },
  });
  // Send buffers are read where room traffic went, never in a sweep over every connection.
  const roomTraffic = new BackpressureWatch<ServerConnection>({
    intervalMs: BACKPRESSURE_CHECK_MS,
    membersOf: (room) => registry.members(room),
    check: (conn) => conn.checkSendBuffer(),
  });
  // The cluster, when there is one: the broker carries pushes and user-directed operations, the
  // shared membership answers presence for every node.
  // Set once the cluster starts: the shared membership asks for a rebuild when other nodes reaped this one.
  const relink = { resync: (): void => {} };
  const engine =
    options.redis?.url === undefined
      ? undefined
      : createRedisEngine(options.redis, metrics.broker, logger, () => relink.resync());
  const broker: Broker = engine?.broker ?? new LocalBroker();
  // Above the notice limit, members get one user count per turn: the cluster's from Redis.
  const presenceFanOut = new PresenceFanOut(transport, formats.codecs, metrics, {
    closing: () => state.shuttingDown,
    traffic: roomTraffic,
    limit: limits.presenceNoticeLimit,
    users: engine === undefined ? (room) => registry.userCount(room) : (room) => engine.presence.count(room),
  });
  const recent = new RecentPushes();
  const membership =
    engine === undefined
      ? undefined
      : new ClusterMembership({
          nodeId: engine.nodeId,
          broker,
          presence: engine.presence,
          fanOut: presenceFanOut,
          recent,
          logger,
        });
  const history: RoomHistory =
    engine === undefined
      ? new LocalRoomHistory(
          new MemoryHistory({
            hasMembers: (room) => registry.memberCount(room) > 0,
            sizeOf: (push) => frameBytes(push.frame(formats.canonical)),
          }),
          formats.canonical,
        )
      : new ClusterRoomHistory({
          nodeId: engine.nodeId,
          prefix: engine.prefix,
          store: engine.history,
          recent,
          formats,
        });
  const hub = new Hub({
    transport,
    codecs: formats.codecs,
    metrics,
    logger,
    policies,
    slow,
    presenceFanOut,
    roomTraffic,
    registry,
    history,
    topics,
    buffers,
    requests: new InboundRequests({ metrics, timeoutMs: limits.requestTimeoutMs }),
    ...(membership === undefined ? {} : { rooms: membership, presence: membership }),
  });
  metrics.setGaugeSource({
    ...hubGauges(() => hub),
    historyMessages: () => history.usage.messages,
    historyBytes: () => history.usage.bytes,
    bufferedBytes: () => buffers.total,
    ...(engine === undefined
      ? {}
      : { brokerConnected: () => (broker.connected ? 1 : 0), brokerQueueDepth: () => broker.queueDepth }),
  });
  const presence: PresenceReader =
    engine === undefined
      ? new LocalPresenceReader(hub, limits.presenceNoticeLimit)
      : new ClusterPresenceReader(engine.presence, limits.presenceNoticeLimit);

  // The one publish path
  const outbox = engine === undefined ? undefined : new BrokerOutbox(broker, engine.nodeId, formats.canonical);
  const servesJson = formats.byId('json2') !== undefined;
  const publisher = new Publisher({ hub, metrics, policies, history, outbox, logger, servesJson });
  const disconnectUser = (userId: string, code: number): number => {
    outbox?.disconnectUser(userId, code);
    return disconnectLocalUser(hub, userId, code);
  };
  const publishes = new DeferredQueue<QueuedPublish>(
    // The batch runs outside uWS callbacks: its room pushes need not wait for another one.
    (item) => topics.directly(() => runClientPublish(publisher, logger, item)),
    (err) => logger.error({ event: 'publish_failed', err }, 'publish failed'),
  );

  // Sessions: what a connection's frames do
  const router = createRouter(metrics, logger);
  const hooks: AuthorizeHook[] = options.authorize ? [options.authorize] : [];
  const dispatcher = new ClientDispatcher({
    hub,
    router,
    hooks,
    verifier,
    rules: roomRules,
    policies,
    publishes,
    publishGate: new PublishGate(policies, servesJson),
    presence,
    history,
    metrics,
    logger,
  });
  const httpApi = new HttpApi({
    apiKey: options.apiKey,
    maxBodyBytes: limits.maxHttpBodyBytes,
    roomRules,
    log: logger,
    metrics,
    facade: {
      publish: (room, event, data, opts) => publishReceipt(publisher, room, event, data, opts?.key),
      history: (room, query) => {
        const policy = policies.resolve(room).history;
        return policy === undefined ? undefined : history.page(room, policy, query);
      },
      disconnectUser: (userId, code) => disconnectUser(userId, code ?? CloseCode.KICKED),
      presence: (room) => presence.snapshot(room),
      rooms: () => presence.rooms(),
    },
  });
  const socketEvents: SocketEventDeps = {
    hub,
    metrics,
    logger,
    welcomeLimits: welcomeLimits(limits),
    dispatcher,
    isShuttingDown: () => state.shuttingDown,
    connected: (conn) => events.connected(conn),
    disconnected: (conn, info) => events.disconnected(conn, info),
  };
  // Built once: every upgrade reads the same dependencies.
  const upgradeDeps: UpgradeDeps = {
    options: resolved,
    codecs: formats.codecs,
    // A client that offers no codec speaks version 1 JSON, as it always has.
    fallbackCodec: formats.fallback,
    verifier,
    origins,
    clientIp,
    limits: new ConnectionLimits(limits),
    slow,
    metrics,
    logger,
    ids: new ConnectionIds(),
    isShuttingDown: () => state.shuttingDown,
  };

  // The transport serves the sessions
  const handlers: TransportHandlers<SocketState> = {
    upgrade: (req) => timedUpgrade(upgradeDeps, req),
    open: (socket, socketState) => {
      const init = socketState.init;
      if (!init) {
        // Unreachable: every upgrade stores an init. Never leave a socket with no connection.
        socket.end(CloseCode.INTERNAL_ERROR, 'internal error');
        return;
      }
      // The connection copies what it keeps; holding `init` in the user data would pin the rest.
      socketState.init = undefined;
      onSocketOpen(socketEvents, new ServerConnection(init, socket, hub), socketState);
    },
    message: (socketState, frame, isBinary) => onSocketMessage(socketEvents, socketState, frame, isBinary),
    drain: (socketState) => {
      if (socketState.conn) hub.checkBackpressure(socketState.conn);
    },
    close: (socketState, code, message) => onSocketClose(socketEvents, socketState, code, message),
    http: (path) => answerHttp({ isReady: () => isReady(state), metrics, metricsEnabled: resolved.metrics }, path),
    ...(httpApi.enabled || !state.embedded ? { api: createTransportApi(httpApi, clientIp) } : {}),
    failed: (where, err, socketState) => {
      const connectionId = socketState?.conn?.id ?? socketState?.init?.id;
      logger.error({ event: 'handler_failed', where, connectionId, err }, 'transport handler threw');
    },
  };
  transport.serve(handlers);
  const httpHandler = createNodeHttpHandler(handlers, {
    httpRoutes: settings.httpRoutes,
    wsPath: settings.path,
    proxyHeader: settings.proxyHeader,
  });

  const started = startCluster(engine, membership, outbox, hub, formats, presenceFanOut, recent, relink, logger);

  return {
    options: resolved,
    state,
    logger,
    metrics,
    hub,
    broker,
    publisher,
    router,
    hooks,
    publishes,
    transport,
    httpHandler,
    presence,
    started,
    disconnectUser,
    stopTimers: () => {
      roomTraffic.close();
      if (engine === undefined) void history.close();
    },
    async stopCluster() {
      if (engine === undefined) return;
      // Leaves announced by the closing connections are written before this node's entries go.
      await engine.presence.close().catch((err: unknown) => {
        logger.warn({ event: 'cluster_failed', operation: 'presence_close', err }, 'could not remove presence');
      });
      await broker.close();
      await history.close();
    },
  };
}

/**
 * Connects a cluster node: the broker starts delivering, the shared membership starts its
 * heartbeats and reaper, and a link that comes back rebuilds this node's share of the membership.
 * Resolves at once on a single node.
 */
function startCluster(
  engine: ClusterEngine | undefined,
  membership: ClusterMembership | undefined,
  outbox: BrokerOutbox | undefined,
  hub: Hub,
  formats: WireFormats,
  fanOut: PresenceFanOut,
  recent: RecentPushes,
  relink: { resync: () => void },
  logger: Logger,
): Promise<void> {
  if (engine === undefined || membership === undefined) return Promise.resolve();
  let wasDown = false;
  const resync = (): void => {
    engine.presence.resync(hub.registry.usersByRoom()).then(
      (changes) => {
        for (const change of changes) membership.announce(change);
      },
      (err: unknown) => logger.warn({ event: 'cluster_failed', operation: 'resync', err }, 'presence resync failed'),
    );
  };
  relink.resync = resync;
  const inbox = new ClusterInbox({
    nodeId: engine.nodeId,
    hub,
    formats,
    fanOut,
    recent,
    logger,
    disconnectUser: (userId, code) => disconnectLocalUser(hub, userId, code),
    linkChanged: (connected) => {
      if (!connected) {
        wasDown = true;
        logger.warn({ event: 'cluster_link_down', nodeId: engine.nodeId }, 'cluster broker unreachable');
        return;
      }
      logger.info({ event: 'cluster_link_up', nodeId: engine.nodeId }, 'cluster broker reachable');
      if (wasDown) resync();
      wasDown = false;
      outbox?.flushGaps();
    },
  });
  logger.info({ event: 'cluster_connecting', nodeId: engine.nodeId }, 'connecting to the cluster broker');
  return engine.broker.start(inbox).then(() => {
    engine.presence.start((reaped) => {
      for (const { room, userId, connections } of reaped) {
        if (connections === 0) membership.announce({ room, change: 'leave', userId, connections });
      }
    });
    logger.info({ event: 'cluster_joined', nodeId: engine.nodeId }, 'joined the cluster');
  });
}

/** Publishes for the HTTP API: local recipients, and the position in a room with history. */
async function publishReceipt(
  publisher: Publisher,
  room: string,
  event: string,
  data: unknown,
  key: string | undefined,
): Promise<ApiPublishReceipt> {
  const { recipients, position, pending } = publisher.toRoom(room, event, data, { key, since: performance.now() });
  let at = position;
  if (pending !== undefined) {
    try {
      at = await pending;
    } catch {
      throw new HttpApiError(503, ErrorCode.UNAVAILABLE, 'the cluster is unreachable: the message was not published');
    }
  }
  return at === undefined ? { recipients } : { recipients, offset: at.offset, epoch: at.epoch };
}

/** Closes every connection of `userId` on this node; returns how many. */
export function disconnectLocalUser(hub: Hub, userId: string, code: number): number {
  const conns = hub.userConnections(userId);
  for (const conn of conns) conn.end(code, 'disconnected by the server', 'kicked');
  return conns.length;
}

/** True when the server answers `/readyz` with 200. */
export { isReady };
