/** What a node hears from the cluster. */
export interface BrokerListener {
  /** A message published to a room's channel by any node, this one included (Redis echoes to self). */
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
  readonly connected: boolean;
  /** Messages waiting to be written or acknowledged by the engine. */
  readonly queueDepth: number;
  start(listener: BrokerListener): Promise<void>;
  /**
   * Sends `message` to every node subscribed to `room`; publishes of one event-loop turn are
   * pipelined. false: refused because the outgoing queue is full (documented overflow). Never throws.
   */
  publish(room: string, message: Uint8Array): boolean;
  /** Same, on the control channel every node subscribes to. */
  publishControl(message: Uint8Array): boolean;
  /** First local member joined `room`. Idempotent per room; resolves once subscribed. */
  subscribe(room: string): Promise<void>;
  /** Last local member left `room`. */
  unsubscribe(room: string): Promise<void>;
  close(): Promise<void>;
}

/** What a broker reports (wired to Prometheus by the server). */
export interface BrokerMetrics {
  linkChanged(connected: boolean): void;
  published(messages: number, bytes: number): void;
  received(messages: number, bytes: number): void;
  /** Refused: the outgoing queue was full. */
  dropped(messages: number): void;
  reconnected(): void;
  /** Time from writing a message to the engine acknowledging it. */
  publishLatency(seconds: number): void;
}
