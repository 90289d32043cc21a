import type { BrokerOutbox } from './cluster/cluster-outbox.js';
import type { RoomHistory } from './history/room-history.js';
import type { Logger } from './log.js';
import type { ServerMetrics } from './metrics/metrics.js';
import type { RoomPolicies } from './protection/room-policy.js';
import { runClientPublish } from './publish/client-publish.js';
import type { DeferredTopics } from './publish/deferred-topics.js';
import { DeferredQueue } from './publish/publish-queue.js';
import { Publisher } from './publish/publisher.js';
import type { Hub } from './rooms/hub.js';
import type { QueuedPublish } from './session/client-messages.js';

/** The one publish path, and the user-directed operations that go the same way through the cluster. */
export interface Publishing {
  readonly publisher: Publisher;
  /** Client publishes, batched outside the transport's callbacks. */
  readonly publishes: DeferredQueue<QueuedPublish>;
  /** Closes a user's connections on this node and asks the other nodes to do the same; returns this node's count. */
  readonly disconnectUser: (userId: string, code: number) => number;
}

/** What the publish path needs. */
export interface PublishDeps {
  readonly hub: Hub;
  readonly metrics: ServerMetrics;
  readonly policies: RoomPolicies;
  readonly history: RoomHistory;
  readonly outbox: BrokerOutbox | undefined;
  readonly topics: DeferredTopics;
  readonly logger: Logger;
  /** The server serves JSON, which cannot carry binary data: emits holding bytes are refused. */
  readonly servesJson: boolean;
}

/** Builds the publisher, the client publish queue and the cluster-wide disconnect. */
export function composePublishing(deps: PublishDeps): Publishing {
  const { hub, metrics, policies, history, outbox, topics, logger, servesJson } = deps;
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
  return { publisher, publishes, disconnectUser };
}

/** Closes every connection of `userId` on this node; returns how many. */
export function disconnectLocalUser(hub: Hub, userId: string, code: number): number {
  const conns = hub.userConnections(userId);
  for (const conn of conns) conn.end(code, 'disconnected by the server', 'kicked');
  return conns.length;
}
