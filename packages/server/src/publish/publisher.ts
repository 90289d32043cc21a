import type { PushEnvelope, StreamPosition } from '@switchyard/protocol';
import type { RoomHistory } from '../history/room-history.js';
import type { RoomPolicies } from '../protection/room-policy.js';
import type { ServerConnection } from '../session/connection.js';
import type { Hub } from '../rooms/hub.js';
import type { Logger } from '../log.js';
import type { ServerMetrics } from '../metrics/metrics.js';
import { refuseBinary } from './binary-data.js';
import { EncodedPush } from './encoded-push.js';

/** Where pushes go beyond this node; unset on a single node. */
export interface ClusterOutbox {
  /** Forwards a room push to the other nodes; false when the broker refused it (queue full). */
  room(push: EncodedPush): boolean;
  /** Forwards a direct push to a user's connections on the other nodes. */
  user(userId: string, push: EncodedPush): boolean;
}

/** Options of {@link Publisher.toRoom}. */
export interface RoomPublishOptions {
  /** Connections of this node that must not receive it (the publishing client's own). */
  readonly except?: ServerConnection | ReadonlySet<ServerConnection> | undefined;
  /** Conflation key for rooms with the `latest` slow-consumer policy. */
  readonly key?: string | undefined;
  /** `performance.now()` when the publish entered the server, for the publish-latency metric. */
  readonly since?: number | undefined;
  /** The publishing client's user id, carried by the push as `from`; unset for the server's own pushes. */
  readonly from?: string | undefined;
}

/** What a room publish did. */
export interface PublishOutcome {
  /** Connections of this node it was handed to. */
  readonly recipients: number;
  /** False when other nodes could not be reached (the broker's queue was full); always true on a single node. */
  readonly forwarded: boolean;
  /** The message's offset and epoch, in a room with history. */
  readonly position?: StreamPosition;
  /**
   * In a cluster's room with history: settles with the position once Redis took the message
   * (every node, this one included, delivers it from there); rejects when Redis is unreachable.
   */
  readonly pending?: Promise<StreamPosition>;
}

/** What the publisher is built from. */
export interface PublisherDeps {
  readonly hub: Hub;
  readonly metrics: ServerMetrics;
  readonly policies: RoomPolicies;
  /** Where rooms with history keep their streams. */
  readonly history: RoomHistory;
  readonly outbox?: ClusterOutbox | undefined;
  readonly logger: Logger;
  /** The server serves JSON, which cannot carry binary data: emits holding bytes are refused. */
  readonly servesJson: boolean;
}

function pushEnvelope(room: string | undefined, event: string, data: unknown, from?: string): PushEnvelope {
  if (room === undefined) return data === undefined ? { t: 'push', event } : { t: 'push', event, data };
  const push: PushEnvelope = data === undefined ? { t: 'push', event, room } : { t: 'push', event, data, room };
  return from === undefined ? push : { ...push, from };
}

/**
 * The one publish path. A client `publish`, `server.to(room).emit()` and `POST /v1/publish` all
 * end here: the push is encoded once per wire format, handed to this node's members, counted,
 * and forwarded once to the other nodes when the server is part of a cluster.
 */
export class Publisher {
  readonly #hub: Hub;
  readonly #metrics: ServerMetrics;
  readonly #outbox: ClusterOutbox | undefined;
  readonly #policies: RoomPolicies;
  readonly #history: RoomHistory;
  readonly #logger: Logger;
  readonly #servesJson: boolean;

  constructor(deps: PublisherDeps) {
    this.#servesJson = deps.servesJson;
    this.#hub = deps.hub;
    this.#metrics = deps.metrics;
    this.#outbox = deps.outbox;
    this.#policies = deps.policies;
    this.#history = deps.history;
    this.#logger = deps.logger;
  }

  /**
   * Publishes `event` with `data` to every member of `room`.
   * @throws what a codec throws for data it cannot encode (nothing was delivered then)
   */
  toRoom(room: string, event: string, data: unknown, options: RoomPublishOptions = {}): PublishOutcome {
    const envelope = pushEnvelope(room, event, data, options.from);
    const history = this.#policies.resolve(room).history;
    let push: EncodedPush;
    let position: StreamPosition | undefined;
    if (history === undefined) push = EncodedPush.of(envelope, options.key);
    else {
      const except = options.except;
      if (except instanceof Set && this.#history.deferSubscribe) {
        throw new RangeError('several exclusions are not supported in rooms with history in a cluster');
      }
      const single = except instanceof Set ? undefined : (except as ServerConnection | undefined);
      const kept = this.#history.publish(room, history, envelope, options.key, single);
      if ('pending' in kept) {
        // Server emits do not wait for it: a failure is logged here, and callers that wait see it too.
        kept.pending.catch((err: unknown) =>
          this.#logger.warn({ event: 'publish_failed', room, err }, 'could not publish to a room with history'),
        );
        // Every node, this one included, delivers it when Redis echoes it with its offset.
        const members = this.#hub.registry.members(room).size - (single !== undefined && !single.closed ? 1 : 0);
        return { recipients: Math.max(0, members), forwarded: true, pending: kept.pending };
      }
      push = kept.push;
      position = kept.position;
    }
    const recipients = this.#hub.fanOut(push, options.except);
    const forwarded = this.#outbox === undefined || this.#outbox.room(push);
    if (options.since !== undefined) this.#metrics.publishLatency((performance.now() - options.since) / 1000);
    return position === undefined ? { recipients, forwarded } : { recipients, forwarded, position };
  }

  /**
   * Refuses data that a member of this server might receive as JSON, which cannot carry bytes.
   * @throws BinaryDataError when the server serves JSON and `data` holds binary data
   */
  checkEmitData(data: unknown): void {
    if (this.#servesJson) refuseBinary(data);
  }

  /** This node's members of `room`. */
  localMembers(room: string): ReadonlySet<ServerConnection> {
    return this.#hub.registry.members(room);
  }

  /** Hands a room push that another node published to this node's members. */
  fromCluster(push: EncodedPush): number {
    return this.#hub.fanOut(push);
  }

  /**
   * Pushes `event` directly (no room) to every connection of `userId`.
   * @returns the number of this node's connections it was handed to
   */
  toUser(userId: string, event: string, data: unknown): number {
    const push = EncodedPush.of(pushEnvelope(undefined, event, data));
    const recipients = this.userFromCluster(userId, push);
    this.#outbox?.user(userId, push);
    return recipients;
  }

  /** Hands a direct push for `userId` to this node's connections of that user. */
  userFromCluster(userId: string, push: EncodedPush): number {
    const conns = this.#hub.userConnections(userId);
    return conns.length === 0 ? 0 : this.#hub.sendToEach(conns, push);
  }
}
