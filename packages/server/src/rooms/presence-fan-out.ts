import type { Codec, ServerEnvelope } from '@switchyard/protocol';
import type { ServerConnection } from '../session/connection.js';
import type { ServerMetrics } from '../metrics/metrics.js';
import { frameBytes } from '../publish/encoded-push.js';
import { presenceTopic } from '../publish/topics.js';
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

/**
 * Sends presence changes to this node's members of a room that asked for presence: one topic per
 * wire format, one encode per format with subscribers.
 */
export class PresenceFanOut {
  readonly #transport: Transport;
  readonly #codecs: readonly Codec[];
  readonly #metrics: ServerMetrics;
  readonly #closing: () => boolean;
  readonly #traffic: RoomTraffic | undefined;

  /**
   * `closing`: true once the whole server is closing, when every member is leaving anyway;
   * `traffic` is told of every presence publish (it reaches the room's members' send buffers).
   */
  constructor(
    transport: Transport,
    codecs: readonly Codec[],
    metrics: ServerMetrics,
    closing: () => boolean = () => false,
    traffic?: RoomTraffic,
  ) {
    this.#transport = transport;
    this.#codecs = codecs;
    this.#metrics = metrics;
    this.#closing = closing;
    this.#traffic = traffic;
  }

  /**
   * Announces `change`; `except` (the member whose join caused it, which learns about itself from
   * its join reply) does not receive it.
   */
  announce(change: PresenceChange, except?: ServerConnection): void {
    // Closing, every member leaves: one leave per member to every other member would cost
    // members² frames and block the event loop for seconds in a large room.
    if (this.#closing()) return;
    const envelope: ServerEnvelope = { t: 'presence', ...change };
    for (const codec of this.#codecs) {
      const topic = presenceTopic(codec, change.room);
      let count = this.#transport.numSubscribers(topic);
      const skip = except !== undefined && except.codecImpl === codec && except.wantsPresence(change.room);
      if (skip === true) count -= 1;
      if (count <= 0) continue;
      const frame = codec.encode(envelope);
      if (skip === true) except.socket.publish(topic, frame, codec.binary);
      else this.#transport.publish(topic, frame, codec.binary);
      this.#metrics.messageSent(codec.name, 'presence', frameBytes(frame), count);
      this.#traffic?.published(change.room);
    }
  }
}
