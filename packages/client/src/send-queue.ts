import type { Frame } from '@switchyard/protocol';
import type { Clock, TimerHandle } from './clock.js';
import { ClientError } from './errors.js';

/** A frame waiting for the connection, and how to tell its sender what became of it. */
export interface QueuedFrame {
  readonly frame: Frame;
  /** Called once the frame is handed to the socket. */
  readonly sent: () => void;
  /** Called when the frame is dropped (overflow, expiry, session over, too large). */
  readonly fail: (error: ClientError) => void;
  /** False once the sender gave up (a request that timed out): the frame is skipped. */
  readonly live: () => boolean;
}

interface Item extends QueuedFrame {
  readonly timer: TimerHandle;
}

/**
 * Frames sent while disconnected, bounded in count and age, flushed in order on reconnect.
 * Overflow rejects the newest sender with `LIMIT_EXCEEDED`; expiry rejects with `DISCONNECTED`.
 */
export class SendQueue {
  readonly #clock: Clock;
  readonly #maxSize: number;
  readonly #ttlMs: number;
  #items: Item[] = [];

  constructor(clock: Clock, maxSize: number, ttlMs: number) {
    this.#clock = clock;
    this.#maxSize = maxSize;
    this.#ttlMs = ttlMs;
  }

  /** Queues a frame at the back, or rejects it when the queue is full. */
  push(frame: QueuedFrame): void {
    if (this.#items.length >= this.#maxSize) frame.fail(new ClientError('LIMIT_EXCEEDED', 'offline queue full'));
    else this.#items.push(this.#item(frame));
  }

  /** Puts frames back at the front (calls in flight when the socket dropped, marked retryable). */
  unshift(frames: readonly QueuedFrame[]): void {
    this.#items.unshift(...frames.map((frame) => this.#item(frame)));
  }

  /**
   * Hands frames to `send`, in order, until it returns false (the socket went away again).
   * A `ClientError` from `send` rejects that frame alone (too large for the server's limit).
   */
  flush(send: (frame: Frame) => boolean | ClientError): void {
    for (let item = this.#items[0]; item; item = this.#items[0]) {
      const result = item.live() && send(item.frame);
      if (result === false && item.live()) return;
      this.#remove(item);
      if (result === true) item.sent();
      else if (result) item.fail(result);
    }
  }

  /** Rejects every queued frame. */
  failAll(error: ClientError): void {
    for (const item of [...this.#items]) {
      this.#remove(item);
      item.fail(error);
    }
  }

  // Each frame has its own expiry timer, so it is rejected on time even if the connection never returns.
  #item(frame: QueuedFrame): Item {
    const item: Item = {
      ...frame,
      timer: this.#clock.setTimeout(() => {
        this.#remove(item);
        item.fail(new ClientError('DISCONNECTED', `not sent within ${this.#ttlMs} ms`));
      }, this.#ttlMs),
    };
    return item;
  }

  #remove(item: Item): void {
    this.#clock.clearTimeout(item.timer);
    this.#items = this.#items.filter((other) => other !== item);
  }
}
