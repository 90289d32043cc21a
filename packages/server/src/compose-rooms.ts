import { CloseCode } from '@switchyard/protocol';
import type { ServerOptions } from './config/options.js';
import type { ResolvedOptions } from './config/resolve-options.js';
import type { ClusterParts } from './compose-cluster.js';
import type { ClusterEngine } from './cluster/create-cluster.js';
import type { Protection } from './compose-protection.js';
import type { ServerState } from './server-state.js';
import { HEALTH_PATH, METRICS_PATH, READY_PATH } from './http/health-routes.js';
import type { Logger } from './log.js';
import type { ServerMetrics } from './metrics/metrics.js';
import { BackpressureWatch } from './protection/backpressure-watch.js';
import { BufferBudget } from './protection/buffer-budget.js';
import { DeferredTopics } from './publish/deferred-topics.js';
import type { WireFormats } from './publish/wire-formats.js';
import { Hub } from './rooms/hub.js';
import { hubGauges } from './rooms/hub-gauges.js';
import { PresenceFanOut } from './rooms/presence-fan-out.js';
import { RoomRegistry } from './rooms/room-registry.js';
import type { ServerConnection } from './session/connection.js';
import { InboundRequests } from './session/inbound-requests.js';
import { transportFrameLimit } from './session/socket-events.js';
import type { Transport, TransportSettings } from './transport/types.js';
import type { SocketState } from './upgrade/upgrade.js';

/** The WebSocket endpoint. */
export const WS_PATH = '/ws';

// Between a room publish and the read of its members' send buffers a socket may grow by (room
// traffic × interval); uWS drops silently past twice maxBackpressure, so the interval bounds the
// traffic rate at which every skipped message is counted.
const BACKPRESSURE_CHECK_MS = 100;

/** What the transport is told before it serves: the path, HTTP routes and socket limits. */
export function transportSettings(options: ServerOptions, resolved: ResolvedOptions): TransportSettings {
  const { limits } = resolved;
  return {
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
}

/** The room-side parts the hub is built from, over the transport's topics. */
export interface RoomParts {
  readonly registry: RoomRegistry<ServerConnection>;
  readonly topics: DeferredTopics;
  readonly buffers: BufferBudget<ServerConnection>;
  readonly roomTraffic: BackpressureWatch<ServerConnection>;
  readonly presenceFanOut: PresenceFanOut;
}

/** What the room-side parts need. */
export interface RoomDeps {
  readonly transport: Transport<SocketState>;
  readonly formats: WireFormats;
  readonly limits: ResolvedOptions['limits'];
  readonly metrics: ServerMetrics;
  readonly logger: Logger;
  readonly state: ServerState;
  /** The cluster's engine, whose shared membership counts a room's users; undefined on a single node. */
  readonly engine: ClusterEngine | undefined;
}

/** Builds the room registry, the topics, the send-buffer budget and watch, and the presence fan-out. */
export function composeRoomParts({ transport, formats, limits, metrics, logger, state, engine }: RoomDeps): RoomParts {
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
  // Above the notice limit, members get one user count per turn: the cluster's from Redis.
  const presenceFanOut = new PresenceFanOut(transport, formats.codecs, metrics, {
    closing: () => state.shuttingDown,
    traffic: roomTraffic,
    limit: limits.presenceNoticeLimit,
    users: engine === undefined ? (room) => registry.userCount(room) : (room) => engine.presence.count(room),
  });
  return { registry, topics, buffers, roomTraffic, presenceFanOut };
}

/** Builds the hub over the room parts (and the shared membership in a cluster) and feeds the gauges from it. */
export function composeHub(deps: RoomDeps, rooms: RoomParts, protection: Protection, cluster: ClusterParts): Hub {
  const { transport, formats, limits, metrics, logger } = deps;
  const { membership, history, engine, broker } = cluster;
  const hub = new Hub({
    transport,
    codecs: formats.codecs,
    metrics,
    logger,
    policies: protection.policies,
    slow: protection.slow,
    presenceFanOut: rooms.presenceFanOut,
    roomTraffic: rooms.roomTraffic,
    registry: rooms.registry,
    history,
    topics: rooms.topics,
    buffers: rooms.buffers,
    requests: new InboundRequests({ metrics, timeoutMs: limits.requestTimeoutMs }),
    ...(membership === undefined ? {} : { rooms: membership, presence: membership }),
  });
  metrics.setGaugeSource({
    ...hubGauges(() => hub),
    historyMessages: () => history.usage.messages,
    historyBytes: () => history.usage.bytes,
    bufferedBytes: () => rooms.buffers.total,
    ...(engine === undefined
      ? {}
      : { brokerConnected: () => (broker.connected ? 1 : 0), brokerQueueDepth: () => broker.queueDepth }),
  });
  return hub;
}
