import type { ServerConnection } from '../session/connection.js';
import type { PresenceHooks, RoomWatcher } from '../rooms/hub.js';
import type { Logger } from '../log.js';
import type { JoinChange, LeaveChange } from '../rooms/room-registry.js';
import type { PresenceChange, PresenceFanOut } from '../rooms/presence-fan-out.js';
import type { Broker } from './broker.js';
import type { ClusterPresence } from './presence.js';
import type { RecentPushes } from './recent-pushes.js';
import { encodeClusterMessage } from './wire.js';

/** What {@link ClusterMembership} is built from. */
export interface ClusterMembershipDeps {
  readonly nodeId: string;
  readonly broker: Broker;
  readonly presence: ClusterPresence;
  readonly fanOut: PresenceFanOut;
  /** Pushes of rooms with history this node delivered; a room without local members keeps none. */
  readonly recent: RecentPushes;
  readonly logger: Logger;
}

/**
 * This node's share of the cluster's membership. A room's broker channel is subscribed while the
 * node has members there; every join and leave updates the shared membership, and the cluster-wide
 * first join and last leave of a user are announced to this node's members and, through the
 * control channel, to the other nodes'.
 */
export class ClusterMembership implements RoomWatcher, PresenceHooks {
  readonly #d: ClusterMembershipDeps;
  /** Room subscriptions still on their way to the broker. */
  readonly #subscribing = new Map<string, Promise<void>>();

  constructor(deps: ClusterMembershipDeps) {
    this.#d = deps;
  }

  opened(room: string): void {
    const done = this.#d.broker
      .subscribe(room)
      .catch((err: unknown) => this.#failed('subscribe', room, err))
      .finally(() => {
        if (this.#subscribing.get(room) === done) this.#subscribing.delete(room);
      });
    this.#subscribing.set(room, done);
  }

  ready(room: string): Promise<void> | undefined {
    return this.#subscribing.get(room);
  }

  closed(room: string): void {
    this.#d.recent.forget(room);
    this.#d.broker.unsubscribe(room).catch((err: unknown) => this.#failed('unsubscribe', room, err));
  }

  joined(room: string, conn: ServerConnection, _change: JoinChange, announce: boolean): void {
    const { userId } = conn;
    this.#d.presence.join(room, userId).then(
      (result) => {
        if (announce && result.firstForUser) {
          this.announce({ room, change: 'join', userId, connections: result.connections }, conn);
        }
      },
      (err: unknown) => this.#failed('presence_join', room, err),
    );
  }

  left(room: string, conn: ServerConnection, _change: LeaveChange, announce: boolean): void {
    const { userId } = conn;
    this.#d.presence.leave(room, userId).then(
      (result) => {
        if (announce && result.lastForUser) this.announce({ room, change: 'leave', userId, connections: 0 });
      },
      (err: unknown) => this.#failed('presence_leave', room, err),
    );
  }

  /** Announces a cluster-wide presence change here and on every other node. */
  announce(change: PresenceChange, except?: ServerConnection): void {
    this.#d.fanOut.announce(change, except);
    this.#d.broker.publishControl(encodeClusterMessage({ kind: 'presence', origin: this.#d.nodeId, ...change }));
  }

  #failed(operation: string, room: string, err: unknown): void {
    // The shared membership is rebuilt from this node's own when the link comes back (resync).
    this.#d.logger.warn({ event: 'cluster_failed', operation, room, err }, 'cluster membership update failed');
  }
}
