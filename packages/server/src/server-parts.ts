import type { Broker } from './cluster/broker.js';
import type { ResolvedOptions } from './config/resolve-options.js';
import type { Logger } from './log.js';
import type { ServerMetrics } from './metrics/metrics.js';
import type { DeferredQueue } from './publish/publish-queue.js';
import type { Publisher } from './publish/publisher.js';
import type { AuthorizeHook } from './rooms/authorize.js';
import type { Hub } from './rooms/hub.js';
import type { PresenceReader } from './rooms/presence-reader.js';
import type { ServerState } from './server-state.js';
import type { HandlerContext, QueuedPublish } from './session/client-messages.js';
import type { Router } from './session/router.js';
import type { NodeHttpHandler } from './transport/node-http.js';
import type { Transport } from './transport/types.js';
import type { SocketState } from './upgrade/upgrade.js';

/** Every part of a server, built in dependency order by `compose()` (compose.ts). */
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
