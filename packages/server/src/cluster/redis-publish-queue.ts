import { ErrorReply } from '@redis/client';
import type { Logger } from '../log.js';
import { encodeBatch } from './batch.js';
import type { BrokerMetrics } from './broker.js';
import type { RedisConnection } from './redis-connection.js';

/** Largest envelope one PUBLISH carries, bytes (a single larger message travels alone). */
const MAX_BATCH_BYTES = 64 * 1024;
/** How long close() waits for queued publishes to be acknowledged, milliseconds. */
const CLOSE_DRAIN_MS = 1_000;

/** One PUBLISH: the messages of one turn for one channel. */
interface Batch {
  readonly channel: string;
  readonly payload: Buffer;
  readonly count: number;
  /** Which write this is; 0 once a lost link voided the write (its late rejection is ignored). */
  attempt: number;
  writtenAt: number;
}

/** Messages published to one channel since the last flush (one synchronous run of the caller). */
interface Turn {
  readonly messages: Uint8Array[];
  bytes: number;
}

/** What a {@link PublishQueue} writes through and reports to. */
export interface PublishQueueOptions {
  /** The commands connection PUBLISH goes through. */
  readonly commands: RedisConnection;
  /** Whether the broker's link (both connections) is up: batches are written only then. */
  readonly connected: () => boolean;
  /** Messages queued plus those awaiting acknowledgement; past it, publishes are refused. */
  readonly maxQueue: number;
  readonly nodeId: string;
  readonly metrics: BrokerMetrics | undefined;
  readonly logger: Logger | undefined;
}

/**
 * The Redis broker's outgoing side: collects the messages of one synchronous run per channel,
 * packs them into PUBLISH batches (see batch.ts) in a microtask, writes them in order while the link
 * is up and writes again, in order, those whose acknowledgement a lost link took with it. At most
 * `maxQueue` messages wait, counting those written but not yet acknowledged; past that, publishes
 * are refused and counted as dropped.
 */
export class PublishQueue {
  readonly #options: PublishQueueOptions;
  readonly #turn = new Map<string, Turn>();
  #flushScheduled = false;
  readonly #flushNow = (): void => this.#flush();
  /** Batches in order; the first `#written` of them (from `#head`) are written and unacknowledged. */
  #queue: (Batch | undefined)[] = [];
  #head = 0;
  #written = 0;
  #attempts = 0;
  #depth = 0;
  #refusing = false;
  #drained: (() => void) | undefined;
  #closed = false;

  constructor(options: PublishQueueOptions) {
    this.#options = options;
  }

  /** Messages queued or awaiting acknowledgement. */
  get depth(): number {
    return this.#depth;
  }

  /** Queues a message for `channel`; false (and counted as dropped) when the queue is full or closed. */
  enqueue(channel: string, message: Uint8Array): boolean {
    const { maxQueue, metrics, logger, nodeId } = this.#options;
    if (this.#closed || this.#depth >= maxQueue) {
      metrics?.dropped(1);
      if (!this.#refusing) {
        this.#refusing = true;
        logger?.warn({ node: nodeId, maxQueue }, 'broker queue full, refusing publishes');
      }
      return false;
    }
    const turn = this.#turn.get(channel);
    if (turn === undefined) this.#turn.set(channel, { messages: [message], bytes: message.byteLength });
    else {
      turn.messages.push(message);
      turn.bytes += message.byteLength;
    }
    this.#depth++;
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      queueMicrotask(this.#flushNow);
    }
    return true;
  }

  /** Writes every batch not written yet, if the link is up (call when it comes back). */
  writeWaiting(): void {
    if (!this.#options.connected()) return;
    for (let i = this.#head + this.#written; i < this.#queue.length; i++) this.#write(this.#queue[i]!);
  }

  /**
   * Refuses further publishes and writes what is pending. While the link is up and messages await
   * acknowledgement, returns a promise that resolves once they are acknowledged or after
   * CLOSE_DRAIN_MS, whichever comes first; otherwise nothing to wait for. Then call `discard()`.
   */
  close(): Promise<void> | undefined {
    this.#closed = true;
    this.#flush();
    if (this.#depth === 0 || !this.#options.connected()) return undefined;
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, CLOSE_DRAIN_MS);
      this.#drained = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Drops every message still queued or unacknowledged: logged and counted as dropped. */
  discard(): void {
    if (this.#depth > 0) {
      const { logger, metrics, nodeId } = this.#options;
      logger?.warn({ node: nodeId, messages: this.#depth }, 'broker closed with unsent messages');
      metrics?.dropped(this.#depth);
    }
    this.#queue = [];
    this.#head = this.#written = this.#depth = 0;
  }

  /** Packs the pending messages into batches, queues them and writes what the link allows. */
  #flush(): void {
    this.#flushScheduled = false;
    for (const [channel, turn] of this.#turn) {
      if (turn.bytes <= MAX_BATCH_BYTES) {
        this.#queue.push(this.#batch(channel, turn.messages, turn.bytes));
        continue;
      }
      let start = 0;
      let bytes = 0;
      for (let i = 0; i < turn.messages.length; i++) {
        const size = turn.messages[i]!.byteLength;
        if (i > start && bytes + size > MAX_BATCH_BYTES) {
          this.#queue.push(this.#batch(channel, turn.messages.slice(start, i), bytes));
          start = i;
          bytes = 0;
        }
        bytes += size;
      }
      this.#queue.push(this.#batch(channel, turn.messages.slice(start), bytes));
    }
    this.#turn.clear();
    this.writeWaiting();
  }

  #batch(channel: string, messages: readonly Uint8Array[], bytes: number): Batch {
    return { channel, payload: encodeBatch(messages, bytes), count: messages.length, attempt: 0, writtenAt: 0 };
  }

  #write(batch: Batch): void {
    const attempt = ++this.#attempts;
    batch.attempt = attempt;
    batch.writtenAt = performance.now();
    this.#written++;
    let reply: Promise<unknown>;
    try {
      reply = this.#options.commands.sendCommand(['PUBLISH', batch.channel, batch.payload]);
    } catch (error) {
      reply = Promise.reject(error);
    }
    reply.then(
      () => this.#settled(batch, true),
      (error: unknown) => this.#failed(batch, attempt, error),
    );
  }

  /** Replies arrive in write order, so the settled batch is the oldest written one. */
  #settled(batch: Batch, acknowledged: boolean): void {
    if (this.#queue[this.#head] !== batch) return;
    const { metrics, logger, maxQueue, nodeId } = this.#options;
    this.#queue[this.#head] = undefined;
    this.#head++;
    this.#written--;
    this.#depth -= batch.count;
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    if (acknowledged) {
      metrics?.published(batch.count, batch.payload.byteLength);
      metrics?.publishLatency((performance.now() - batch.writtenAt) / 1000);
    }
    if (this.#refusing && this.#depth < maxQueue) {
      this.#refusing = false;
      logger?.info({ node: nodeId }, 'broker queue accepting publishes again');
    }
    if (this.#depth === 0) this.#drained?.();
  }

  #failed(batch: Batch, attempt: number, error: unknown): void {
    if (this.#closed || batch.attempt !== attempt) return;
    if (error instanceof ErrorReply) {
      // Redis answered with an error (out of memory, for example): retrying would not help.
      const { logger, metrics, nodeId } = this.#options;
      logger?.warn({ node: nodeId, err: error.message, messages: batch.count }, 'redis refused a publish');
      metrics?.dropped(batch.count);
      this.#settled(batch, false);
      return;
    }
    // The link dropped: every written batch is written again, in order, when it returns.
    for (let i = this.#head; i < this.#head + this.#written; i++) this.#queue[i]!.attempt = 0;
    this.#written = 0;
  }
}
