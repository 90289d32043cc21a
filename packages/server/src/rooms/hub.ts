import type { Codec, PresenceSnapshot } from '@switchyard/protocol';
import type { ConnectionHost, ServerConnection } from '../session/connection.js';
import { DeadlineWheel } from '../session/deadline-wheel.js';
import type { InboundRequests } from '../session/inbound-requests.js';
import type { Logger } from '../log.js';
import type { ServerMetrics } from '../metrics/metrics.js';
import type { RoomPolicies } from '../protection/room-policy.js';
import type { SlowConsumers } from '../protection/slow-consumer.js';
import type { RoomTraffic } from '../protection/backpressure-watch.js';
import type { BufferBudget } from '../protection/buffer-budget.js';
import { RoomRegistry, type JoinChange, type LeaveChange } from './room-registry.js';
import type { RoomHistory } from '../history/room-history.js';
import type { PresenceFanOut } from './presence-fan-out.js';
import { presenceCountTopic, presenceTopic, roomTopic } from '../publish/topics.js';
import type { EncodedPush } from '../publish/encoded-push.js';
import { RoomFanOut } from './room-fan-out.js';
import { RoomBackpressure } from './room-backpressure.js';
import type { Transport } from '../transport/types.js';
import { DeferredTopics, type TopicPublisher } from '../publish/deferred-topics.js';

/** What the hub is built from. */
export interface HubDeps {
  readonly transport: Transport;
  /** Every enabled wire format (codec and protocol version); a room publish encodes once per format with subscribers. */
  readonly codecs: readonly Codec[];
  readonly metrics: ServerMetrics;
  readonly logger: Logger;
  readonly policies: RoomPolicies;
  readonly slow: SlowConsumers<EncodedPush>;
  /** Told when a room gets its first local member and loses its last (a broker subscribes only to those). */
  readonly rooms?: RoomWatcher;
  /** Sends presence changes to members that asked for them. */
  readonly presenceFanOut: PresenceFanOut;
  /** Told of every room publish, so the send buffers of that room's members get read. */
  readonly roomTraffic?: RoomTraffic;
  /** Who is in which room on this node; unset: a registry of its own. */
  readonly registry?: RoomRegistry<ServerConnection>;
  /** Rooms with history: a slow consumer's `GAP` names the first offset it skipped. */
  readonly history?: RoomHistory;
  /** Decides presence across nodes; unset: this node's own members decide (the single node). */
  readonly presence?: PresenceHooks;
  /** Client requests waiting for a reply; absent: untracked. */
  readonly requests?: InboundRequests;
  /** The server-wide cap on send-buffered bytes: told of every buffer read. */
  readonly buffers?: BufferBudget<ServerConnection>;
  /** Where room pushes are published, in one batch per turn; unset: a batch of its own. */
  readonly topics?: TopicPublisher;
}

/** Hears when a room starts and stops having local members. */
export interface RoomWatcher {
  opened(room: string): void;
  closed(room: string): void;
  /** Settles once messages published to `room` by other nodes reach this node; undefined: they already do. */
  ready(room: string): Promise<void> | undefined;
}

/**
 * Every membership change of this node, for a cluster's shared membership. `announce` tells
 * whether the room's policy enables presence notices.
 */
export interface PresenceHooks {
  joined(room: string, conn: ServerConnection, change: JoinChange, announce: boolean): void;
  left(room: string, conn: ServerConnection, change: LeaveChange, announce: boolean): void;
}

/** A room with its member counts. */
export interface RoomInfo {
  readonly room: string;
  /** Distinct users in the room. */
  readonly members: number;
  /** Connections in the room. */
  readonly connections: number;
}

/**
 * Live connections, users and rooms: membership and its presence changes, with the fan-out over
 * transport topics (room-fan-out.ts) and the slow-consumer policy (room-backpressure.ts) beside it.
 */
export class Hub implements ConnectionHost {
  readonly registry: RoomRegistry<ServerConnection>;
  readonly connections = new Map<string, ServerConnection>();
  // A user's only connection is stored as itself, a Set from the second: most users have one
  // connection, and a Set with its table costs ~130 B of heap per idle connection.
  readonly #users = new Map<string, ServerConnection | Set<ServerConnection>>();
  readonly metrics: ServerMetrics;
  readonly requests: InboundRequests | undefined;
  // One coarse schedule for every connection's token expiry instead of timers per connection.
  readonly expiry = new DeadlineWheel<ServerConnection>({ onDue: (conn) => conn.expiryDue() });
  readonly #deps: HubDeps;
  readonly #topics: TopicPublisher;
  readonly #fanOut: RoomFanOut;
  readonly #backpressure: RoomBackpressure;

  constructor(deps: HubDeps) {
    this.#deps = deps;
    const topics = deps.topics ?? new DeferredTopics(deps.transport);
    this.#topics = topics;
    this.registry = deps.registry ?? new RoomRegistry<ServerConnection>();
    this.metrics = deps.metrics;
    this.requests = deps.requests;
    this.#fanOut = new RoomFanOut({ ...deps, registry: this.registry, topics });
    this.#backpressure = new RoomBackpressure({ ...deps, topics });
  }

  /** Registers an opened connection. */
  add(conn: ServerConnection): void {
    this.connections.set(conn.id, conn);
    const entry = this.#users.get(conn.userId);
    if (entry === undefined) this.#users.set(conn.userId, conn);
    else if (entry instanceof Set) entry.add(conn);
    else if (entry !== conn) this.#users.set(conn.userId, new Set([entry, conn]));
  }

  /** Distinct users with an open connection on this node. */
  get userCount(): number {
    return this.#users.size;
  }

  /** This node's open connections of `userId`, as a new array (safe to close them while walking it). */
  userConnections(userId: string): ServerConnection[] {
    const entry = this.#users.get(userId);
    return entry === undefined ? [] : entry instanceof Set ? [...entry] : [entry];
  }

  /** Forgets a closed connection: it leaves every room (presence `leave` where it was the user's last). */
  remove(conn: ServerConnection): void {
    for (const room of conn.roomNames()) this.leave(conn, room);
    this.#deps.slow.closed(conn.slow);
    this.#deps.buffers?.forget(conn);
    this.requests?.closed(conn);
    this.connections.delete(conn.id);
    const entry = this.#users.get(conn.userId);
    if (entry === conn) this.#users.delete(conn.userId);
    else if (entry instanceof Set && entry.delete(conn) && entry.size === 1) {
      // Back to one connection: keep it alone, drop the Set.
      this.#users.set(conn.userId, entry.values().next().value as ServerConnection);
    }
  }

  /**
   * Adds `conn` to `room`; with `presence`, it also receives presence changes there, and with
   * `counts` the member counts sent in their place above the presence notice limit. With
   * `subscribe: false` it receives the room's pushes only after {@link Hub.subscribeRoom}.
   */
  join(conn: ServerConnection, room: string, presence: boolean, subscribe = true, counts = false): void {
    const policy = this.#deps.policies.resolve(room);
    const wantsPresence = presence && policy.presence;
    // Pushes emitted before the join go to the members of that moment, not to the newcomer.
    this.#topics.flush();
    if (wantsPresence && counts) conn.socket.subscribe(presenceCountTopic(conn.codecImpl, room));
    if (conn.inRoom(room)) {
      if (wantsPresence && !conn.wantsPresence(room)) {
        conn.enablePresence(room);
        this.#deps.presenceFanOut.subscribe(conn, room);
      }
      return;
    }
    const change = this.registry.add(room, conn);
    if (change?.firstInRoom) this.#deps.rooms?.opened(room);
    // Announce before subscribing the newcomer: it learns about itself from the join reply.
    if (change !== undefined) this.#presenceJoined(room, conn, change, policy.presence);
    conn.addRoom(room, wantsPresence);
    if (this.#deps.slow.joined(conn.slow, room) && subscribe) conn.socket.subscribe(roomTopic(conn.codecImpl, room));
    // After the changes queued this turn before the join: its join reply holds those.
    if (wantsPresence) this.#deps.presenceFanOut.subscribe(conn, room);
  }

  /** Starts the room's pushes for a member joined with `subscribe: false` (unless it is paused as a slow consumer). */
  subscribeRoom(conn: ServerConnection, room: string): void {
    if (conn.closed || !conn.inRoom(room) || conn.slow.paused?.has(room) === true) return;
    this.#topics.flush();
    conn.socket.subscribe(roomTopic(conn.codecImpl, room));
  }

  /**
   * Settles once pushes that other nodes publish to `room` reach this node (a cluster node
   * subscribes to a room's channel when its first local member joins); undefined when they do.
   */
  roomReady(room: string): Promise<void> | undefined {
    return this.#deps.rooms?.ready(room);
  }

  /** Removes `conn` from `room`; false when it was not a member. */
  leave(conn: ServerConnection, room: string): boolean {
    if (!conn.removeRoom(room)) return false;
    this.#topics.flush();
    conn.socket.unsubscribe(roomTopic(conn.codecImpl, room));
    conn.socket.unsubscribe(presenceTopic(conn.codecImpl, room));
    conn.socket.unsubscribe(presenceCountTopic(conn.codecImpl, room));
    this.#deps.slow.left(conn.slow, room);
    const change = this.registry.remove(room, conn);
    if (change?.lastInRoom) this.#deps.rooms?.closed(room);
    if (change !== undefined) this.#presenceLeft(room, conn, change, this.#deps.policies.resolve(room).presence);
    return true;
  }

  /** Who is in a room. */
  presence(room: string): PresenceSnapshot {
    return this.registry.presence(room);
  }

  /** Every non-empty room. */
  rooms(): RoomInfo[] {
    return this.registry.list().map(({ room, members }) => ({
      room,
      members: this.registry.userCount(room),
      connections: members,
    }));
  }

  /**
   * Hands a room push to this node's members of `push.room`, except `except` (the sender, or
   * several connections), encoding once per wire format that has subscribers (see room-fan-out.ts).
   * @returns the number of connections it was handed to
   */
  fanOut(push: EncodedPush, except?: ServerConnection | ReadonlySet<ServerConnection>): number {
    return this.#fanOut.fanOut(push, except);
  }

  /**
   * Sends one push to a set of connections (one user's connections), encoding once per wire format.
   * @returns the number of connections it was handed to
   */
  sendToEach(targets: Iterable<ServerConnection>, push: EncodedPush): number {
    return this.#fanOut.sendToEach(targets, push);
  }

  /** Issues the room pushes still waiting for their batch (on shutdown). */
  flushPushes(): void {
    this.#topics.flush();
  }

  behindPushes(send: () => void): boolean {
    return this.#topics.behindPending(send);
  }

  /**
   * Applies the slow-consumer policy to a connection whose send buffer is over the limit:
   * close it (4201), or pause its room subscriptions until it drains.
   */
  checkBackpressure(conn: ServerConnection): void {
    this.#backpressure.check(conn);
  }

  #presenceJoined(room: string, conn: ServerConnection, change: JoinChange, announce: boolean): void {
    if (this.#deps.presence !== undefined) this.#deps.presence.joined(room, conn, change, announce);
    else if (announce && change.firstForUser) {
      this.#deps.presenceFanOut.announce({
        room,
        change: 'join',
        userId: conn.userId,
        connections: change.connections,
      });
    }
  }

  #presenceLeft(room: string, conn: ServerConnection, change: LeaveChange, announce: boolean): void {
    if (this.#deps.presence !== undefined) this.#deps.presence.left(room, conn, change, announce);
    else if (announce && change.lastForUser) {
      this.#deps.presenceFanOut.announce({ room, change: 'leave', userId: conn.userId, connections: 0 });
    }
  }
}
