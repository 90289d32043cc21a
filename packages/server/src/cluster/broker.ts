/**
 * The cluster seam: how the nodes of one cluster reach each other. The core talks only to these
 * interfaces; the in-memory {@link LocalBroker} serves a single node, the Redis broker a cluster,
 * and another engine (NATS) can be added behind the same shape.
 */

/** What a node hears from the cluster. */
export interface BrokerListener {
  /** A message published to a room's channel by any node, this one included (the engine echoes to self). */
  roomMessage(room: string, message: Uint8Array): void;
  /** A message on the node-wide control channel (user-directed operations, presence notices). */
  controlMessage(message: Uint8Array): void;
  /** The link to the engine went down (false) or came back (true). */
  linkChanged(connected: boolean): void;
  /** Subscriptions came back after a loss: messages published meanwhile to these rooms may be missing. */
  resubscribed(rooms: readonly string[]): void;
}

/** How nodes of one cluster reach each other. In-memory (single node) by default; Redis next; NATS later. */
export interface Broker {
  /** False for the in-memory single node (nothing crosses a process). */
  readonly clustered: boolean;
  /** Whether the link to the engine is up (always true for the in-memory broker). */
  readonly connected: boolean;
  /** Messages waiting to be written or acknowledged by the engine. */
  readonly queueDepth: number;
  /** Connects and subscribes the control channel; `listener` hears everything from then on. */
  start(listener: BrokerListener): Promise<void>;
  /**
   * Sends `message` to every node subscribed to `room`; publishes of one synchronous run are
   * batched and written at its end (a microtask), without waiting for a later event-loop turn. `false`: refused because the outgoing queue is full (documented overflow). Never throws.
   */
  publish(room: string, message: Uint8Array): boolean;
  /** Same, on the control channel every node subscribes to. */
  publishControl(message: Uint8Array): boolean;
  /** First local member joined `room`. Idempotent per room; resolves once subscribed. */
  subscribe(room: string): Promise<void>;
  /** Last local member left `room`. */
  unsubscribe(room: string): Promise<void>;
  /** Flushes what it can, then disconnects. */
  close(): Promise<void>;
}

/** What a broker reports (wired to Prometheus by the server). */
export interface BrokerMetrics {
  /** The link went down (false) or came back (true). */
  linkChanged(connected: boolean): void;
  /** Messages handed to the engine (counted when acknowledged). */
  published(messages: number, bytes: number): void;
  /** Messages received from the engine. */
  received(messages: number, bytes: number): void;
  /** Messages refused because the outgoing queue was full, or refused by the engine. */
  dropped(messages: number): void;
  /** The link came back after a loss. */
  reconnected(): void;
  /** Seconds from writing a publish to the engine's acknowledgement. */
  publishLatency(seconds: number): void;
}
