import type { Broker } from './cluster/broker.js';
import { BrokerOutbox } from './cluster/cluster-outbox.js';
import { ClusterInbox } from './cluster/cluster-inbox.js';
import { ClusterMembership } from './cluster/cluster-membership.js';
import { ClusterRoomHistory } from './cluster/cluster-room-history.js';
import { createRedisEngine, type ClusterEngine } from './cluster/create-cluster.js';
import { LocalBroker } from './cluster/local-broker.js';
import { RecentPushes } from './cluster/recent-pushes.js';
import { disconnectLocalUser } from './compose-publish.js';
import type { ServerOptions } from './config/options.js';
import { LocalRoomHistory } from './history/local-room-history.js';
import { MemoryHistory } from './history/memory-history.js';
import type { RoomHistory } from './history/room-history.js';
import type { Logger } from './log.js';
import type { ServerMetrics } from './metrics/metrics.js';
import { frameBytes } from './publish/encoded-push.js';
import type { WireFormats } from './publish/wire-formats.js';
import type { Hub } from './rooms/hub.js';
import type { PresenceFanOut } from './rooms/presence-fan-out.js';
import type { RoomRegistry } from './rooms/room-registry.js';
import type { ServerConnection } from './session/connection.js';

/**
 * The cluster, when there is one: the broker carries pushes and user-directed operations, the
 * shared membership answers presence for every node. On a single node: a local broker and history in memory.
 */
export interface ClusterParts {
  /** The Redis engine; undefined on a single node. */
  readonly engine: ClusterEngine | undefined;
  readonly broker: Broker;
  readonly recent: RecentPushes;
  readonly membership: ClusterMembership | undefined;
  readonly history: RoomHistory;
  /** Set once the cluster starts: the shared membership asks for a rebuild when other nodes reaped this one. */
  readonly relink: { resync: () => void };
}

/** What the cluster parts need. */
export interface ClusterDeps {
  readonly logger: Logger;
  readonly formats: WireFormats;
  readonly registry: RoomRegistry<ServerConnection>;
  readonly fanOut: PresenceFanOut;
  /** From {@link createClusterEngine}. */
  readonly engine: ClusterEngine | undefined;
  readonly relink: { resync: () => void };
}

/**
 * The Redis engine when `redis.url` is set, built first: the presence fan-out reads the cluster's
 * user counts from it. `relink.resync` is set once the cluster starts.
 */
export function createClusterEngine(
  options: ServerOptions,
  metrics: ServerMetrics,
  logger: Logger,
): { engine: ClusterEngine | undefined; relink: { resync: () => void } } {
  const relink = { resync: (): void => {} };
  const engine =
    options.redis?.url === undefined
      ? undefined
      : createRedisEngine(options.redis, metrics.broker, logger, () => relink.resync());
  return { engine, relink };
}

/** Builds the broker, the shared membership and the room history (Redis-backed in a cluster). */
export function composeCluster({ engine, relink, formats, registry, fanOut, logger }: ClusterDeps): ClusterParts {
  const broker: Broker = engine?.broker ?? new LocalBroker();
  const recent = new RecentPushes();
  const membership =
    engine === undefined
      ? undefined
      : new ClusterMembership({ nodeId: engine.nodeId, broker, presence: engine.presence, fanOut, recent, logger });
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
  return { engine, broker, recent, membership, history, relink };
}

/** The outbox that forwards this node's publishes to the others; undefined on a single node. */
export function createOutbox(cluster: ClusterParts, formats: WireFormats): BrokerOutbox | undefined {
  const { engine, broker } = cluster;
  return engine === undefined ? undefined : new BrokerOutbox(broker, engine.nodeId, formats.canonical);
}

/**
 * Connects a cluster node: the broker starts delivering, the shared membership starts its
 * heartbeats and reaper, and a link that comes back rebuilds this node's share of the membership.
 * Resolves at once on a single node.
 */
export function startCluster(
  cluster: ClusterParts,
  outbox: BrokerOutbox | undefined,
  hub: Hub,
  formats: WireFormats,
  fanOut: PresenceFanOut,
  logger: Logger,
): Promise<void> {
  const { engine, membership, recent, relink } = cluster;
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

/** Leaves the cluster: removes this node's membership and closes the broker (nothing on a single node). */
export async function stopCluster(cluster: ClusterParts, logger: Logger): Promise<void> {
  const { engine, broker, history } = cluster;
  if (engine === undefined) return;
  // Leaves announced by the closing connections are written before this node's entries go.
  await engine.presence.close().catch((err: unknown) => {
    logger.warn({ event: 'cluster_failed', operation: 'presence_close', err }, 'could not remove presence');
  });
  await broker.close();
  await history.close();
}
