import type { Logger } from '../log.js';
import { forEachBatched } from './batch.js';
import type { Broker, BrokerListener, BrokerMetrics } from './broker.js';
import { createRedisConnection, type RedisConnection } from './redis-connection.js';
import { PublishQueue } from './redis-publish-queue.js';

/** Options of {@link createRedisBroker}. */
export interface RedisBrokerOptions {
  /** `redis://[[user]:password@]host[:port][/db]`, or `rediss://` for TLS. */
  url: string;
  /** Starts every channel name, so several clusters can share one Redis. @default 'switchyard' */
  prefix?: string;
  /** This node's id, unique in the cluster (logs only; messages carry their own origin). */
  nodeId: string;
  /** Messages queued while the link is down plus those awaiting acknowledgement; past it, publish refuses. @default 10000 */
  maxQueue?: number;
  metrics?: BrokerMetrics;
  logger?: Logger;
}

/**
 * Creates the Redis broker: nodes started with the same Redis URL and prefix form one cluster.
 *
 * Two connections: one for commands (PUBLISH) and one subscriber, whose payloads stay bytes
 * (buffer mode). One channel per room, `<prefix>:room:<room>`, subscribed while the node has
 * local members, and one control channel, `<prefix>:control`, that every node subscribes to.
 * The messages one node publishes to one channel in one synchronous run (a publish batch, a
 * handler) travel as a single PUBLISH (see batch.ts), so a burst costs Redis and every receiver one
 * message, not one per publish. They are flushed in a microtask, at the end of that run, rather
 * than in a later event-loop turn: at a moderate rate every publish is its own turn, and a
 * `setImmediate` hop would cost each one a loop iteration of its own before node-redis writes it
 * (which it does in a `setImmediate` of its own, one write for every command of the turn).
 *
 * Delivery: in publish order per node and channel. While the link is down (either connection),
 * publishes queue and are written in order when it returns; a publish whose acknowledgement was
 * lost with the link is written again, so across a broken link a message can arrive twice but is
 * never dropped from the queue unannounced. The queue holds at most `maxQueue` messages, counting
 * those written but not yet acknowledged (a frozen Redis keeps the TCP link up and acknowledges
 * nothing); past that, `publish` returns false and `metrics.dropped` counts. Messages other nodes
 * published while this node's subscriber was away are lost (Redis pub/sub keeps nothing): the
 * listener's `resubscribed(rooms)` names the rooms concerned.
 *
 * `start()` resolves once both connections are up, retrying while Redis is unreachable. The broker
 * then reconnects forever with capped, jittered backoff; subscriptions come back by themselves after
 * a reconnect or a `CLIENT KILL TYPE pubsub`. `publish` reads the message in a microtask after the
 * caller's synchronous run: do not reuse its buffer.
 *
 * Delivery to other nodes is at most once while their subscriber is away and at least once across
 * this node's own broken link; anything stronger (offsets, history) belongs above this seam.
 *
 * Not supported yet: Redis Cluster and its sharded pub/sub. Use a single Redis (optionally with
 * replicas behind a failover-aware TCP proxy).
 * @example
 * const broker = createRedisBroker({ url: 'redis://127.0.0.1:6379', nodeId: 'node-a' });
 * await broker.start(listener);
 */
export function createRedisBroker(options: RedisBrokerOptions): Broker {
  return new RedisBroker(options);
}

class RedisBroker implements Broker {
  readonly clustered = true;
  readonly #prefix: string;
  readonly #controlChannel: string;
  readonly #commands: RedisConnection;
  readonly #subscriber: RedisConnection;
  readonly #queue: PublishQueue;
  readonly #metrics: BrokerMetrics | undefined;
  readonly #logger: Logger | undefined;
  #listener: BrokerListener | undefined;

  /** Rooms this node wants, and the handler each is subscribed with. */
  readonly #rooms = new Map<string, (message: Buffer) => void>();

  #commandsUp = false;
  #subscriberUp = false;
  #connected = false;
  #everConnected = false;
  /** The subscriber lost its link since it was last up: its rooms must be reported on return. */
  #subscriberLost = false;
  #started = false;
  #closed = false;

  constructor(options: RedisBrokerOptions) {
    this.#prefix = options.prefix ?? 'switchyard';
    this.#controlChannel = `${this.#prefix}:control`;
    this.#metrics = options.metrics;
    this.#logger = options.logger;
    const base = { url: options.url, ...(options.logger ? { logger: options.logger } : {}) };
    this.#commands = createRedisConnection({ ...base, role: 'commands', failFast: true });
    // Subscribe commands issued while the link is down wait for it (the offline queue) rather than fail.
    this.#subscriber = createRedisConnection({ ...base, role: 'subscriber', failFast: false });
    this.#queue = new PublishQueue({
      commands: this.#commands,
      connected: () => this.#connected,
      maxQueue: options.maxQueue ?? 10_000,
      nodeId: options.nodeId,
      metrics: options.metrics,
      logger: options.logger,
    });
    this.#watch();
  }

  get connected(): boolean {
    return this.#connected;
  }

  get queueDepth(): number {
    return this.#queue.depth;
  }

  async start(listener: BrokerListener): Promise<void> {
    if (this.#listener !== undefined) throw new Error('broker already started');
    this.#listener = listener;
    await Promise.all([this.#commands.connect(), this.#subscriber.connect()]);
    await this.#subscriber.subscribe(this.#controlChannel, (message: Buffer) => this.#receiveControl(message), true);
    this.#started = true;
    this.#commandsUp = this.#commands.isReady;
    this.#subscriberUp = this.#subscriber.isReady;
    this.#updateLink();
  }

  publish(room: string, message: Uint8Array): boolean {
    return this.#queue.enqueue(this.#roomChannel(room), message);
  }

  publishControl(message: Uint8Array): boolean {
    return this.#queue.enqueue(this.#controlChannel, message);
  }

  async subscribe(room: string): Promise<void> {
    if (this.#closed || this.#rooms.has(room)) return;
    const handler = (message: Buffer): void => this.#receiveRoom(room, message, handler);
    this.#rooms.set(room, handler);
    const subscribed = this.#subscriber.subscribe(this.#roomChannel(room), handler, true);
    // While the link is down the room is recorded and subscribed when it returns (then reported
    // through resubscribed()); a join must not wait for an outage to end.
    if (!this.#subscriberUp) {
      subscribed.catch(() => {});
      return;
    }
    try {
      await subscribed;
    } catch (error) {
      // The link dropped mid-subscribe: the room is subscribed again when it returns.
      this.#logger?.debug({ room, err: (error as Error).message }, 'room subscribe deferred to reconnect');
    }
  }

  async unsubscribe(room: string): Promise<void> {
    const handler = this.#rooms.get(room);
    if (handler === undefined) return;
    this.#rooms.delete(room);
    if (this.#closed) return;
    try {
      await this.#subscriber.unsubscribe(this.#roomChannel(room), handler, true);
    } catch {
      // The link dropped: the room is no longer wanted, so it is not subscribed again.
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // Without anything to wait for, the connections go in this same turn.
    const drained = this.#queue.close();
    if (drained !== undefined) await drained;
    this.#queue.discard();
    this.#commands.destroy();
    this.#subscriber.destroy();
    if (this.#connected) {
      this.#connected = false;
      this.#metrics?.linkChanged(false);
    }
  }

  #roomChannel(room: string): string {
    return `${this.#prefix}:room:${room}`;
  }

  #receiveRoom(room: string, payload: Buffer, handler: (message: Buffer) => void): void {
    const listener = this.#listener;
    // A room unsubscribed while the link was down can be subscribed again by the reconnect for a moment.
    if (listener === undefined || this.#rooms.get(room) !== handler) return;
    try {
      const count = forEachBatched(payload, (message) => listener.roomMessage(room, message));
      this.#metrics?.received(count, payload.byteLength);
    } catch (error) {
      this.#logger?.warn({ room, err: (error as Error).message }, 'malformed broker message dropped');
    }
  }

  #receiveControl(payload: Buffer): void {
    const listener = this.#listener;
    if (listener === undefined) return;
    try {
      const count = forEachBatched(payload, (message) => listener.controlMessage(message));
      this.#metrics?.received(count, payload.byteLength);
    } catch (error) {
      this.#logger?.warn({ err: (error as Error).message }, 'malformed broker control message dropped');
    }
  }

  #watch(): void {
    const commandsState = (): void => {
      this.#commandsUp = this.#commands.isReady;
      this.#updateLink();
    };
    for (const event of ['ready', 'error', 'reconnecting', 'end']) this.#commands.on(event, commandsState);
    const subscriberDown = (): void => {
      if (this.#subscriberUp) this.#subscriberLost = true;
      this.#subscriberUp = this.#subscriber.isReady;
      this.#updateLink();
    };
    for (const event of ['error', 'reconnecting', 'end']) this.#subscriber.on(event, subscriberDown);
    this.#subscriber.on('ready', () => void this.#subscriberReady());
  }

  async #subscriberReady(): Promise<void> {
    if (!this.#started || this.#closed) return;
    if (this.#subscriberLost) {
      // node-redis subscribes again whatever it had confirmed; a subscribe that was in flight when
      // the link dropped was not confirmed, so every wanted room is offered again (a no-op for
      // the confirmed ones).
      const rooms = [...this.#rooms.keys()];
      await Promise.all(
        rooms.map((room) =>
          this.#subscriber.subscribe(this.#roomChannel(room), this.#rooms.get(room)!, true).catch(() => {}),
        ),
      );
      if (this.#closed || !this.#subscriber.isReady) return;
      this.#subscriberLost = false;
      this.#subscriberUp = true;
      this.#updateLink();
      this.#listener?.resubscribed(rooms.filter((room) => this.#rooms.has(room)));
      return;
    }
    this.#subscriberUp = this.#subscriber.isReady;
    this.#updateLink();
  }

  #updateLink(): void {
    if (!this.#started || this.#closed) return;
    const connected = this.#commandsUp && this.#subscriberUp;
    if (connected === this.#connected) return;
    this.#connected = connected;
    if (connected && this.#everConnected) this.#metrics?.reconnected();
    this.#everConnected ||= connected;
    this.#metrics?.linkChanged(connected);
    this.#listener?.linkChanged(connected);
    if (connected) this.#queue.writeWaiting();
  }
}
