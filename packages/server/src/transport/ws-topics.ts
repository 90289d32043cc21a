import { frameMessage } from './ws-frame.js';
import type { OutgoingFrame } from './types.js';

/** What a topic delivers to: one subscribed socket, written with already framed bytes. */
export interface TopicMember {
  /** Writes one pre-framed message (see {@link frameMessage}); does nothing once closed. */
  writeFramed(framed: Buffer, frame: OutgoingFrame, binary: boolean): void;
}

/**
 * Rooms as topics for the `ws` transport (uWebSockets.js has them built in): a topic is a set of
 * sockets, and a publish frames the message once and writes the same bytes to each subscriber.
 */
export class WsTopics<M extends TopicMember> {
  readonly #topics = new Map<string, Set<M>>();

  subscribe(topic: string, member: M): void {
    let members = this.#topics.get(topic);
    if (members === undefined) {
      members = new Set();
      this.#topics.set(topic, members);
    }
    members.add(member);
  }

  unsubscribe(topic: string, member: M): void {
    const members = this.#topics.get(topic);
    if (members === undefined || !members.delete(member)) return;
    if (members.size === 0) this.#topics.delete(topic);
  }

  isSubscribed(topic: string, member: M): boolean {
    return this.#topics.get(topic)?.has(member) === true;
  }

  numSubscribers(topic: string): number {
    return this.#topics.get(topic)?.size ?? 0;
  }

  /** Writes `frame` to every subscriber of `topic` but `except`. */
  publish(topic: string, frame: OutgoingFrame, binary: boolean, except?: M): void {
    const members = this.#topics.get(topic);
    if (members === undefined) return;
    if (members.size === 1 && except !== undefined && members.has(except)) return;
    const framed = frameMessage(frame, binary);
    for (const member of members) if (member !== except) member.writeFramed(framed, frame, binary);
  }
}
