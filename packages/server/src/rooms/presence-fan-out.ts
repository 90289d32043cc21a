import type { Codec, ServerEnvelope } from '@switchyard/protocol';
import type { ServerConnection } from '../session/connection.js';
import type { ServerMetrics } from '../metrics/metrics.js';
import { frameBytes } from '../publish/encoded-push.js';
import { presenceCountTopic, presenceTopic } from '../publish/topics.js';
import type { RoomTraffic } from '../protection/backpressure-watch.js';
import type { Transport } from '../transport/types.js';

/** A user's presence change in a room, as members that asked for presence receive it. */
export interface PresenceChange {
  readonly room: string;
  readonly change: 'join' | 'leave';
  readonly userId: string;
  /** The user's connections in the room after the change (cluster-wide in a cluster). */
  readonly connections: number;
}

/** Distinct users in a room: this node's registry, or the cluster's shared membership. */
export type RoomUserCount = (room: string) => number | Promise<number>;

/** Options of {@link PresenceFanOut}. */
export interface PresenceFanOutOptions {
  /** True once the whole server is closing, when every member is leaving anyway. */
  readonly closing?: () => boolean;
  /** Told of every presence publish (it reaches the room's members' send buffers). */
  readonly traffic?: RoomTraffic;
  /** Users in a room above which members get counts instead of per-user notices; 0: no limit. @default 0 */
  readonly limit?: number;
  /** Counts a room's users (read once per room per turn, only with a limit). */
  readonly users?: RoomUserCount;
  /** Runs the turn's batch once the current turn's work is done. @default setImmediate */
  readonly defer?: (flush: () => void) => void;
}

// A turn's entries for one room, in order: changes, and members to subscribe once the changes
// queued before them are out (their join reply already holds those).
type Queued =
  | { readonly change: PresenceChange; readonly except: ServerConnection | undefined }
  | { readonly subscriber: ServerConnection };

/**
 * Sends presence changes to this node's members of a room that asked for presence: one topic per
 * wire format, one encode per format with subscribers. Changes are collected per room and sent
 * once per event-loop turn; in a room with more users than the limit, members that read counts
 * get one count for the turn (`change: 'count'`) and nobody gets per-user notices.
 */
export class PresenceFanOut {
  readonly #transport: Transport;
  readonly #codecs: readonly Codec[];
  readonly #metrics: ServerMetrics;
  readonly #closing: () => boolean;
  readonly #traffic: RoomTraffic | undefined;
  readonly #limit: number;
  readonly #users: RoomUserCount | undefined;
  readonly #defer: (flush: () => void) => void;
  #pending = new Map<string, Queued[]>();

  constructor(
    transport: Transport,
    codecs: readonly Codec[],
    metrics: ServerMetrics,
    options: PresenceFanOutOptions = {},
  ) {
    this.#transport = transport;
    this.#codecs = codecs;
    this.#metrics = metrics;
    this.#closing = options.closing ?? (() => false);
    this.#traffic = options.traffic;
    this.#limit = options.users === undefined ? 0 : (options.limit ?? 0);
    this.#users = options.users;
    this.#defer = options.defer ?? ((flush) => void setImmediate(flush));
  }

  /**
   * Queues `change` for this turn's batch; `except` (the member whose join caused it, which learns
   * about itself from its join reply) does not receive it.
   */
  announce(change: PresenceChange, except?: ServerConnection): void {
    // Closing, every member leaves: one leave per member to every other member would cost
    // members² frames and block the event loop for seconds in a large room.
    if (this.#closing()) return;
    if (this.#pending.size === 0) this.#defer(() => this.flush());
    const queued = this.#pending.get(change.room);
    if (queued === undefined) this.#pending.set(change.room, [{ change, except }]);
    else queued.push({ change, except });
  }

  /**
   * Subscribes `conn` to the room's presence changes from this point of the turn on: at once when
   * nothing is queued for the room, else after the changes queued so far go out.
   */
  subscribe(conn: ServerConnection, room: string): void {
    const queued = this.#pending.get(room);
    if (queued === undefined) conn.socket.subscribe(presenceTopic(conn.codecImpl, room));
    else queued.push({ subscriber: conn });
  }

  /** Sends the changes queued so far (the turn's batch). */
  flush(): void {
    const pending = this.#pending;
    if (pending.size === 0) return;
    this.#pending = new Map();
    if (this.#closing()) return;
    for (const [room, queued] of pending) {
      const users = this.#limit > 0 ? this.#users?.(room) : undefined;
      if (users instanceof Promise) {
        users.then(
          (count) => this.#send(room, queued, count),
          // Without the count, the room is treated as under the limit: per-user notices.
          () => this.#send(room, queued, undefined),
        );
      } else this.#send(room, queued, users);
    }
  }

  #send(room: string, queued: readonly Queued[], users: number | undefined): void {
    if (this.#closing()) return;
    const counted = users !== undefined && users > this.#limit;
    for (const entry of queued) {
      if ('subscriber' in entry) {
        const conn = entry.subscriber;
        if (!conn.closed && conn.wantsPresence(room)) conn.socket.subscribe(presenceTopic(conn.codecImpl, room));
      } else if (!counted) {
        this.#publish(room, { t: 'presence', ...entry.change }, presenceTopic, entry.except);
      }
    }
    if (counted) this.#publish(room, { t: 'presence', room, change: 'count', count: users }, presenceCountTopic);
  }

  #publish(room: string, envelope: ServerEnvelope, topicOf: typeof presenceTopic, except?: ServerConnection): void {
    for (const codec of this.#codecs) {
      const topic = topicOf(codec, room);
      let count = this.#transport.numSubscribers(topic);
      // ws.publish excludes the sender only from a socket subscribed to the topic.
      const skip = except !== undefined && !except.closed && except.codecImpl === codec && except.wantsPresence(room);
      if (skip) count -= 1;
      if (count <= 0) continue;
      const frame = codec.encode(envelope);
      if (skip) except.socket.publish(topic, frame, codec.binary);
      else this.#transport.publish(topic, frame, codec.binary);
      this.#metrics.messageSent(codec.name, 'presence', frameBytes(frame), count);
      this.#traffic?.published(room);
    }
  }
}
