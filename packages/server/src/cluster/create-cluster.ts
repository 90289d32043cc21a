import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from '../log.js';
import type { RedisOptions } from '../config/options.js';
import type { Broker, BrokerMetrics } from './broker.js';
import type { ClusterPresence } from './presence.js';
import { createRedisBroker } from './redis-broker.js';
import { createRedisPresence } from './redis-presence.js';
import { createRedisHistory, type RedisHistory } from './redis-history.js';

/** The engine-specific parts of a cluster node. */
export interface ClusterEngine {
  /** This node's id, unique in the cluster: host, process and a random suffix. */
  readonly nodeId: string;
  /** Prefix of every key and channel of the cluster. */
  readonly prefix: string;
  readonly broker: Broker;
  readonly presence: ClusterPresence;
  readonly history: RedisHistory;
}

/** A node id that tells an operator where the node runs and never repeats across restarts. */
export function newNodeId(): string {
  return `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

/**
 * Connects this node to a cluster through Redis (docs/scaling.md). `reaped` is called when the
 * other nodes removed this one's membership (it missed heartbeats, a long pause for example): the
 * node must rewrite its share.
 */
export function createRedisEngine(
  redis: RedisOptions,
  metrics: BrokerMetrics,
  logger: Logger,
  reaped: () => void,
): ClusterEngine {
  const nodeId = newNodeId();
  const prefix = redis.prefix ?? 'switchyard';
  const broker = createRedisBroker({
    url: redis.url,
    prefix,
    nodeId,
    ...(redis.maxQueue === undefined ? {} : { maxQueue: redis.maxQueue }),
    metrics,
    logger,
  });
  const presence = createRedisPresence({ url: redis.url, prefix, nodeId, logger, onReaped: reaped });
  const history = createRedisHistory({ url: redis.url, prefix, logger });
  return { nodeId, prefix, broker, presence, history };
}
