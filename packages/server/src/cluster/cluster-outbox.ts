import type { Codec } from '@switchyard/protocol';
import type { EncodedPush } from '../publish/encoded-push.js';
import type { ClusterOutbox } from '../publish/publisher.js';
import { formatId } from '../publish/wire-formats.js';
import type { Broker } from './broker.js';
import { encodeClusterMessage } from './wire.js';

/**
 * Forwards this node's pushes to the other nodes: each push travels once, as its frame in the
 * cluster's canonical wire format (version 2 JSON when enabled), which members of that format on
 * every node receive untouched.
 */
export class BrokerOutbox implements ClusterOutbox {
  readonly #broker: Broker;
  readonly #nodeId: string;
  readonly #canonical: Codec;
  /** Rooms whose cross-node copies the broker refused, with how many: announced as a gap once it accepts again. */
  readonly #lost = new Map<string, number>();

  constructor(broker: Broker, nodeId: string, canonical: Codec) {
    this.#broker = broker;
    this.#nodeId = nodeId;
    this.#canonical = canonical;
  }

  room(push: EncodedPush): boolean {
    const room = push.room as string;
    if (this.#lost.size > 0) this.flushGaps();
    const message = encodeClusterMessage({
      kind: 'push',
      origin: this.#nodeId,
      room,
      format: formatId(this.#canonical),
      frame: push.frame(this.#canonical),
      ...(push.key === undefined ? {} : { key: push.key }),
    });
    if (this.#broker.publish(room, message)) return true;
    this.#lost.set(room, (this.#lost.get(room) ?? 0) + 1);
    return false;
  }

  /**
   * Tells the other nodes' members of each room whose messages the broker refused how many they
   * missed (they get a `GAP` notice), as soon as the broker accepts messages again.
   */
  flushGaps(): void {
    for (const [room, missed] of this.#lost) {
      const gap = encodeClusterMessage({ kind: 'gap', origin: this.#nodeId, room, missed });
      if (!this.#broker.publish(room, gap)) return;
      this.#lost.delete(room);
    }
  }

  user(userId: string, push: EncodedPush): boolean {
    const message = encodeClusterMessage({
      kind: 'user-push',
      origin: this.#nodeId,
      userId,
      format: formatId(this.#canonical),
      frame: push.frame(this.#canonical),
    });
    return this.#broker.publishControl(message);
  }

  /** Asks every other node to close `userId`'s connections with `code`. */
  disconnectUser(userId: string, code: number): boolean {
    return this.#broker.publishControl(
      encodeClusterMessage({ kind: 'disconnect-user', origin: this.#nodeId, userId, code }),
    );
  }
}
