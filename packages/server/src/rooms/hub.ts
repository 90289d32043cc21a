import type { Codec, PresenceSnapshot } from '@switchyard/protocol';
import { NoticeCode, CloseCode } from '@switchyard/protocol';
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
import { presenceTopic, roomTopic } from '../publish/topics.js';
import { frameBytes, type EncodedPush } from '../publish/encoded-push.js';
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
 * Live connections, users and rooms, and the fan-out over transport topics. A publish encodes
 * once per wire format (codec and protocol version) that has subscribers and hands the frame to the transport once per topic;
 * delivery counts come from subscriber counts, never from a loop over members.
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

  constructor(deps: HubDeps) {
    this.#deps = deps;
    this.#topics = deps.topics ?? new DeferredTopics(deps.transport);
    this.registry = deps.registry ?? new RoomRegistry<ServerConnection>();
    this.metrics = deps.metrics;
    this.requests = deps.requests;
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
   * Adds `conn` to `room`; with `presence`, it also receives presence changes there. With
   * `subscribe: false` it receives the room's pushes only after {@link Hub.subscribeRoom}.
   */
  join(conn: ServerConnection, room: string, presence: boolean, subscribe = true): void {
    const policy = this.#deps.policies.resolve(room);
    const wantsPresence = presence && policy.presence;
    // Pushes emitted before the join go to the members of that moment, not to the newcomer.
    this.#topics.flush();
    if (conn.inRoom(room)) {
      if (wantsPresence && !conn.wantsPresence(room)) {
        conn.enablePresence(room);
        conn.socket.subscribe(presenceTopic(conn.codecImpl, room));
      }
      return;
    }
    const change = this.registry.add(room, conn);
    if (change?.firstInRoom) this.#deps.rooms?.opened(room);
    // Announce before subscribing the newcomer: it learns about itself from the join reply.
    if (change !== undefined) this.#presenceJoined(room, conn, change, policy.presence);
    conn.addRoom(room, wantsPresence);
    if (this.#deps.slow.joined(conn.slow, room) && subscribe) conn.socket.subscribe(roomTopic(conn.codecImpl, room));
    if (wantsPresence) conn.socket.subscribe(presenceTopic(conn.codecImpl, room));
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
   * several connections), encoding once per wire format that has subscribers: one topic publish
   * per format, or per-member sends when several connections are left out (a topic cannot
   * express that). Members paused as slow consumers are skipped and the push counts towards
   * their catch-up (`GAP`, `latest`).
   * @returns the number of connections it was handed to
   */
  fanOut(push: EncodedPush, except?: ServerConnection | ReadonlySet<ServerConnection>): number {
    const room = push.room as string;
    const delivered =
      except instanceof Set
        ? this.#fanOutExcept(room, push, except)
        : this.#fanOutTopics(room, push, except as ServerConnection | undefined);
    if (this.#deps.slow.tracks(room)) this.#deps.slow.published(room, push.event, push.key, push);
    if (delivered === 0 && this.registry.members(room).size === 0) this.#deps.metrics.emptyRoomPublish();
    return delivered;
  }

  #fanOutTopics(room: string, push: EncodedPush, except: ServerConnection | undefined): number {
    let delivered = 0;
    for (const codec of this.#deps.codecs) {
      const topic = roomTopic(codec, room);
      let count = this.#deps.transport.numSubscribers(topic);
      // ws.publish excludes the sender but only works from a socket subscribed to the topic
      // (uWS ignores it otherwise); a sender that is not subscribed cannot receive anyway.
      const skipSender =
        except !== undefined && except.codecImpl === codec && !except.closed && this.#isSubscribed(except, room);
      if (skipSender) count -= 1;
      if (count <= 0) continue;
      const frame = push.frame(codec);
      this.#topics.publish(topic, frame, codec.binary, skipSender ? except.socket : undefined);
      this.#deps.metrics.messageSent(codec.name, 'push', frameBytes(frame), count);
      delivered += count;
    }
    // A topic publish reports nothing per recipient: the members' buffers are read shortly after.
    if (delivered > 0) this.#deps.roomTraffic?.published(room);
    return delivered;
  }

  #fanOutExcept(room: string, push: EncodedPush, excluded: ReadonlySet<ServerConnection>): number {
    // Sent one by one at once: earlier room pushes still waiting for their batch go first.
    this.#topics.flush();
    let delivered = 0;
    for (const conn of this.registry.members(room)) {
      if (excluded.has(conn) || conn.closed || conn.slow.paused?.has(room) === true) continue;
      if (conn.sendFrame(push.frame(conn.codecImpl), 'push')) delivered++;
    }
    return delivered;
  }

  /**
   * Sends one push to a set of connections (one user's connections), encoding once per wire format.
   * @returns the number of connections it was handed to
   */
  sendToEach(targets: Iterable<ServerConnection>, push: EncodedPush): number {
    let delivered = 0;
    for (const conn of targets) {
      if (conn.closed) continue;
      if (conn.sendFrame(push.frame(conn.codecImpl), 'push')) delivered++;
    }
    return delivered;
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
    if (conn.closed) return;
    const slow = this.#deps.slow;
    const buffered = conn.socket.bufferedAmount();
    this.#deps.buffers?.record(conn, buffered);
    if (conn.closed) return;
    if (slow.isPaused(conn.slow)) {
      if (slow.canResume(conn.slow, buffered)) this.#resume(conn);
      return;
    }
    if (!slow.isOverLimit(buffered)) return;
    const rooms = conn.roomNames();
    if (slow.overLimit(conn.slow, rooms) === 'close') {
      this.#deps.metrics.slowConsumerClosed();
      conn.end(CloseCode.SLOW_CONSUMER, 'slow consumer', 'slow_consumer');
      return;
    }
    this.#topics.flush();
    for (const room of rooms) conn.socket.unsubscribe(roomTopic(conn.codecImpl, room));
  }

  #resume(conn: ServerConnection): void {
    this.#topics.flush();
    for (const catchup of this.#deps.slow.resume(conn.slow)) {
      const { room } = catchup;
      if (!conn.inRoom(room)) continue;
      const history = this.#deps.policies.resolve(room).history === undefined ? undefined : this.#deps.history;
      if (history !== undefined) {
        // A room with history: the GAP names the first skipped offset, in place of the skipped
        // messages (no `latest` replay), so the client recovers them from history (protocol §9.5).
        const missed = catchup.missed + catchup.replay.length;
        const offset = history.firstSkipped(room, missed);
        if (missed > 0) {
          conn.send(
            offset === undefined
              ? { t: 'notice', code: NoticeCode.GAP, room, missed }
              : { t: 'notice', code: NoticeCode.GAP, room, missed, offset },
          );
        }
      } else {
        for (const entry of catchup.replay) conn.sendFrame(entry.value.frame(conn.codecImpl), 'push');
        if (catchup.missed > 0) conn.send({ t: 'notice', code: NoticeCode.GAP, room, missed: catchup.missed });
      }
      // The replay can push the buffer over the limit again, which pauses every room anew; a room
      // subscribed now would then receive while marked paused and replay twice on the next resume.
      if (conn.closed || this.#deps.slow.isPaused(conn.slow)) continue;
      conn.socket.subscribe(roomTopic(conn.codecImpl, catchup.room));
    }
  }

  #isSubscribed(conn: ServerConnection, room: string): boolean {
    return conn.inRoom(room) && conn.slow.paused?.has(room) !== true;
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
