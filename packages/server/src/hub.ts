import type { Codec, PresenceSnapshot, PushEnvelope, ServerEnvelope } from '@switchyard/protocol';
import { NoticeCode, CloseCode } from '@switchyard/protocol';
import type { ConnectionHost, ServerConnection } from './connection.js';
import { DeadlineWheel } from './deadline-wheel.js';
import type { InboundRequests } from './inbound-requests.js';
import type { Logger } from './log.js';
import type { ServerMetrics } from './metrics/metrics.js';
import type { RoomPolicies } from './protection/room-policy.js';
import type { SlowConsumers } from './protection/slow-consumer.js';
import { RoomRegistry } from './rooms.js';
import { presenceTopic, roomTopic } from './topics.js';
import type { Transport } from './transport/types.js';

/** What the hub is built from. */
export interface HubDeps {
  readonly transport: Transport;
  /** Every enabled wire format (codec and protocol version); a room publish encodes once per format with subscribers. */
  readonly codecs: readonly Codec[];
  readonly metrics: ServerMetrics;
  readonly logger: Logger;
  readonly policies: RoomPolicies;
  readonly slow: SlowConsumers<PushEnvelope>;
  /** Client requests waiting for a reply; absent: untracked. */
  readonly requests?: InboundRequests;
}

/** A room with its member counts. */
export interface RoomInfo {
  readonly room: string;
  /** Distinct users in the room. */
  readonly members: number;
  /** Connections in the room. */
  readonly connections: number;
}

function frameBytes(frame: string | Uint8Array): number {
  return typeof frame === 'string' ? Buffer.byteLength(frame) : frame.byteLength;
}

/**
 * Live connections, users and rooms, and the fan-out over transport topics. A publish encodes
 * once per wire format (codec and protocol version) that has subscribers and hands the frame to the transport once per topic;
 * delivery counts come from subscriber counts, never from a loop over members.
 */
export class Hub implements ConnectionHost {
  readonly registry = new RoomRegistry<ServerConnection>();
  readonly connections = new Map<string, ServerConnection>();
  readonly users = new Map<string, Set<ServerConnection>>();
  readonly metrics: ServerMetrics;
  readonly requests: InboundRequests | undefined;
  // One coarse schedule for every connection's token expiry instead of timers per connection.
  readonly expiry = new DeadlineWheel<ServerConnection>({ onDue: (conn) => conn.expiryDue() });
  readonly #deps: HubDeps;

  constructor(deps: HubDeps) {
    this.#deps = deps;
    this.metrics = deps.metrics;
    this.requests = deps.requests;
  }

  /** Registers an opened connection. */
  add(conn: ServerConnection): void {
    this.connections.set(conn.id, conn);
    let set = this.users.get(conn.userId);
    if (!set) {
      set = new Set();
      this.users.set(conn.userId, set);
    }
    set.add(conn);
  }

  /** Forgets a closed connection: it leaves every room (presence `leave` where it was the user's last). */
  remove(conn: ServerConnection): void {
    for (const room of [...conn.roomFlags.keys()]) this.leave(conn, room);
    this.#deps.slow.closed(conn.slow);
    this.requests?.closed(conn);
    this.connections.delete(conn.id);
    const set = this.users.get(conn.userId);
    if (set) {
      set.delete(conn);
      if (set.size === 0) this.users.delete(conn.userId);
    }
  }

  /** Adds `conn` to `room`; with `presence`, it also receives presence changes there. */
  join(conn: ServerConnection, room: string, presence: boolean): void {
    const policy = this.#deps.policies.resolve(room);
    const wantsPresence = presence && policy.presence;
    const existing = conn.roomFlags.get(room);
    if (existing) {
      if (wantsPresence && !existing.presence) {
        existing.presence = true;
        conn.socket.subscribe(presenceTopic(conn.codecImpl, room));
      }
      return;
    }
    const change = this.registry.add(room, conn);
    // Announce before subscribing the newcomer: it learns about itself from the join reply.
    if (change?.firstForUser && policy.presence) this.#publishPresence(room, 'join', conn.userId, change.connections);
    conn.setRoomFlags(room, { presence: wantsPresence });
    if (this.#deps.slow.joined(conn.slow, room)) conn.socket.subscribe(roomTopic(conn.codecImpl, room));
    if (wantsPresence) conn.socket.subscribe(presenceTopic(conn.codecImpl, room));
  }

  /** Removes `conn` from `room`; false when it was not a member. */
  leave(conn: ServerConnection, room: string): boolean {
    if (!conn.deleteRoomFlags(room)) return false;
    conn.socket.unsubscribe(roomTopic(conn.codecImpl, room));
    conn.socket.unsubscribe(presenceTopic(conn.codecImpl, room));
    this.#deps.slow.left(conn.slow, room);
    const change = this.registry.remove(room, conn);
    if (change?.lastForUser && this.#deps.policies.resolve(room).presence) {
      this.#publishPresence(room, 'leave', conn.userId, 0);
    }
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
   * Publishes a push to every member of `room` except `except` (the sender, usually).
   * `key` is the conflation key for rooms whose slow-consumer policy is `latest`.
   * @returns the number of connections it was handed to.
   */
  publish(room: string, event: string, data: unknown, except?: ServerConnection, key?: string): number {
    const envelope: PushEnvelope = data === undefined ? { t: 'push', event, room } : { t: 'push', event, data, room };
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
      const frame = codec.encode(envelope);
      if (skipSender) except.socket.publish(topic, frame, codec.binary);
      else this.#deps.transport.publish(topic, frame, codec.binary);
      this.#deps.metrics.messageSent(codec.name, 'push', frameBytes(frame), count);
      delivered += count;
    }
    // `key` picks the conflation slot for rooms with the `latest` slow-consumer policy.
    this.#deps.slow.published(room, event, key, envelope);
    if (delivered === 0 && this.registry.members(room).size === 0) this.#deps.metrics.emptyRoomPublish();
    return delivered;
  }

  /**
   * Publishes a push to the members of `room` outside `excluded`, one by one (several exclusions
   * cannot be expressed with a topic). Like a topic publish, it skips members paused as slow
   * consumers and counts towards their catch-up (`GAP`, `latest`).
   * @returns the number of connections it was handed to.
   */
  publishExcept(
    room: string,
    event: string,
    data: unknown,
    excluded: ReadonlySet<ServerConnection>,
    key?: string,
  ): number {
    const envelope: PushEnvelope = data === undefined ? { t: 'push', event, room } : { t: 'push', event, data, room };
    const targets = [...this.registry.members(room)].filter(
      (c) => !excluded.has(c) && c.slow.paused?.has(room) !== true,
    );
    const delivered = this.sendToEach(targets, envelope);
    this.#deps.slow.published(room, event, key, envelope);
    return delivered;
  }

  /**
   * Sends one envelope to a set of connections, encoding once per wire format. For the rare shapes a
   * single topic cannot express (several exclusions, one user's connections).
   */
  sendToEach(targets: Iterable<ServerConnection>, envelope: ServerEnvelope): number {
    const frames = new Map<Codec, string | Uint8Array>();
    let delivered = 0;
    for (const conn of targets) {
      if (conn.closed) continue;
      let frame = frames.get(conn.codecImpl);
      if (frame === undefined) {
        frame = conn.codecImpl.encode(envelope);
        frames.set(conn.codecImpl, frame);
      }
      if (conn.sendFrame(frame, envelope.t)) delivered++;
    }
    return delivered;
  }

  /**
   * Applies the slow-consumer policy to a connection whose send buffer is over the limit:
   * close it (4201), or pause its room subscriptions until it drains.
   */
  checkBackpressure(conn: ServerConnection): void {
    if (conn.closed) return;
    const slow = this.#deps.slow;
    const buffered = conn.socket.bufferedAmount();
    if (slow.isPaused(conn.slow)) {
      if (slow.canResume(conn.slow, buffered)) this.#resume(conn);
      return;
    }
    if (!slow.isOverLimit(buffered)) return;
    if (slow.overLimit(conn.slow, conn.roomFlags.keys()) === 'close') {
      this.#deps.metrics.slowConsumerClosed();
      conn.end(CloseCode.SLOW_CONSUMER, 'slow consumer', 'slow_consumer');
      return;
    }
    for (const room of conn.roomFlags.keys()) conn.socket.unsubscribe(roomTopic(conn.codecImpl, room));
  }

  #resume(conn: ServerConnection): void {
    for (const catchup of this.#deps.slow.resume(conn.slow)) {
      if (!conn.roomFlags.has(catchup.room)) continue;
      for (const entry of catchup.replay) conn.send(entry.value);
      if (catchup.missed > 0) {
        conn.send({ t: 'notice', code: NoticeCode.GAP, room: catchup.room, missed: catchup.missed });
      }
      // The replay can push the buffer over the limit again, which pauses every room anew; a room
      // subscribed now would then receive while marked paused and replay twice on the next resume.
      if (conn.closed || this.#deps.slow.isPaused(conn.slow)) continue;
      conn.socket.subscribe(roomTopic(conn.codecImpl, catchup.room));
    }
  }

  #isSubscribed(conn: ServerConnection, room: string): boolean {
    return conn.roomFlags.has(room) && conn.slow.paused?.has(room) !== true;
  }

  #publishPresence(room: string, change: 'join' | 'leave', userId: string, connections: number): void {
    const envelope: ServerEnvelope = { t: 'presence', room, change, userId, connections };
    for (const codec of this.#deps.codecs) {
      const topic = presenceTopic(codec, room);
      const count = this.#deps.transport.numSubscribers(topic);
      if (count === 0) continue;
      const frame = codec.encode(envelope);
      this.#deps.transport.publish(topic, frame, codec.binary);
      this.#deps.metrics.messageSent(codec.name, 'presence', frameBytes(frame), count);
    }
  }
}
