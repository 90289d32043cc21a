import type { OutgoingFrame, Transport } from '../transport/types.js';

/**
 * A transport reduced to its topics, for unit tests of the parts that publish to them: `topics`
 * maps each topic to its subscribers; a subclass says what a publish does.
 */
export abstract class TopicTransport<S> implements Transport {
  readonly topics = new Map<string, Set<S>>();
  abstract publish(topic: string, frame: OutgoingFrame, binary: boolean): void;
  numSubscribers(topic: string): number {
    return this.topics.get(topic)?.size ?? 0;
  }
  /** Adds `subscriber` to `topic`. */
  add(topic: string, subscriber: S): void {
    this.topics.set(topic, (this.topics.get(topic) ?? new Set()).add(subscriber));
  }
  serve(): void {}
  listen = () => Promise.resolve(0);
  listenSideHttp = () => Promise.resolve(0);
  stopListening(): void {}
}
