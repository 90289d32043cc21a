import type { PublishEnvelope } from '@switchyard/protocol';
import type { TokenVerifier } from '../auth/index.js';
import type { AuthorizeHook } from '../rooms/authorize.js';
import type { ServerConnection } from './connection.js';
import type { Hub } from '../rooms/hub.js';
import type { Logger } from '../log.js';
import type { ServerMetrics } from '../metrics/metrics.js';
import type { RoomPolicies } from '../protection/room-policy.js';
import type { RoomRules } from '../protection/room-rules.js';
import type { DeferredQueue } from '../publish/publish-queue.js';
import type { Router } from './router.js';
import type { PresenceReader } from '../rooms/presence-reader.js';
import type { RoomHistory } from '../history/room-history.js';
import type { PublishGate } from '../publish/publish-gate.js';

/** A client publish waiting for the next batch. */
export interface QueuedPublish {
  readonly conn: ServerConnection;
  readonly envelope: PublishEnvelope;
  readonly enqueuedAt: number;
}

/** Context handed to request and event handlers. */
export interface HandlerContext {
  readonly conn: ServerConnection;
  readonly userId: string;
  readonly claims: Readonly<Record<string, unknown>>;
}

/** What the dispatcher reads. */
export interface DispatchDeps {
  readonly hub: Hub;
  readonly router: Router<HandlerContext>;
  readonly hooks: readonly AuthorizeHook[];
  readonly verifier: TokenVerifier | undefined;
  readonly rules: RoomRules;
  readonly policies: RoomPolicies;
  readonly publishes: DeferredQueue<QueuedPublish>;
  /** Client publishing is opt-in per room or per token, and bytes are refused where JSON members listen. */
  readonly publishGate: PublishGate;
  /** Who is where: this node's registry, or the cluster's shared membership. */
  readonly presence: PresenceReader;
  /** Rooms with history: join positions and recovery. */
  readonly history: RoomHistory;
  readonly metrics: ServerMetrics;
  readonly logger: Logger;
}
