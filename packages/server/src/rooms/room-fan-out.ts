import type { Codec } from '@switchyard/protocol';
import type { ServerConnection } from '../session/connection.js';
import type { ServerMetrics } from '../metrics/metrics.js';
import type { SlowConsumers } from '../protection/slow-consumer.js';
import type { RoomTraffic } from '../protection/backpressure-watch.js';
import type { RoomRegistry } from './room-registry.js';
import { roomTopic } from '../publish/topics.js';
import { frameBytes, type EncodedPush } from '../publish/encoded-push.js';
import type { Transport } from '../transport/types.js';
import type { TopicPublisher } from '../publish/deferred-topics.js';

/** What {@link RoomFanOut} is built from (the hub's parts). */
export interface RoomFanOutDeps {
  readonly transport: Transport;
  readonly codecs: readonly Codec[];
  readonly metrics: ServerMetrics;
  readonly slow: SlowConsumers<EncodedPush>;
  readonly registry: RoomRegistry<ServerConnection>;
  readonly topics: TopicPublisher;
  readonly roomTraffic?: RoomTraffic | undefined;
}

/**
 * Hands room pushes to this node's members over transport topics, encoding once per wire format
 * that has subscribers; delivery counts come from subscriber counts, never from a loop over members.
 */
export class RoomFanOut {
  readonly #d: RoomFanOutDeps;

  constructor(deps: RoomFanOutDeps) {
    this.#d = deps;
  }

  /**
   * Hands a room push to this node's members of `push.room`, except `except` (the sender, or
   * several connections): one topic publish per format, or per-member sends when several
   * connections are left out (a topic cannot express that). Members paused as slow consumers
   * are skipped and the push counts towards their catch-up (`GAP`, `latest`).
   * @returns the number of connections it was handed to
   */
  fanOut(push: EncodedPush, except?: ServerConnection | ReadonlySet<ServerConnection>): number {
    const room = push.room as string;
    const delivered =
      except instanceof Set
        ? this.#fanOutExcept(room, push, except)
        : this.#fanOutTopics(room, push, except as ServerConnection | undefined);
    if (this.#d.slow.tracks(room)) this.#d.slow.published(room, push.event, push.key, push);
    if (delivered === 0 && this.#d.registry.members(room).size === 0) this.#d.metrics.emptyRoomPublish();
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

  #fanOutTopics(room: string, push: EncodedPush, except: ServerConnection | undefined): number {
    let delivered = 0;
    for (const codec of this.#d.codecs) {
      const topic = roomTopic(codec, room);
      let count = this.#d.transport.numSubscribers(topic);
      // ws.publish excludes the sender but only works from a socket subscribed to the topic
      // (uWS ignores it otherwise); a sender that is not subscribed cannot receive anyway.
      const skipSender =
        except !== undefined && except.codecImpl === codec && !except.closed && isSubscribed(except, room);
      if (skipSender) count -= 1;
      if (count <= 0) continue;
      const frame = push.frame(codec);
      this.#d.topics.publish(topic, frame, codec.binary, skipSender ? except.socket : undefined);
      this.#d.metrics.messageSent(codec.name, 'push', frameBytes(frame), count);
      delivered += count;
    }
    // A topic publish reports nothing per recipient: the members' buffers are read shortly after.
    if (delivered > 0) this.#d.roomTraffic?.published(room);
    return delivered;
  }

  #fanOutExcept(room: string, push: EncodedPush, excluded: ReadonlySet<ServerConnection>): number {
    // Sent one by one at once: earlier room pushes still waiting for their batch go first.
    this.#d.topics.flush();
    let delivered = 0;
    for (const conn of this.#d.registry.members(room)) {
      if (excluded.has(conn) || conn.closed || conn.slow.paused?.has(room) === true) continue;
      if (conn.sendFrame(push.frame(conn.codecImpl), 'push')) delivered++;
    }
    return delivered;
  }
}

function isSubscribed(conn: ServerConnection, room: string): boolean {
  return conn.inRoom(room) && conn.slow.paused?.has(room) !== true;
}
