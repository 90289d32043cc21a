import type { OutgoingFrame, Transport, TransportSocket } from '../transport/types.js';

/** Where room fan-out hands its topic publishes. */
export interface TopicPublisher {
  /** Publishes `frame` to `topic`'s subscribers; with `sender`, to all of them but that socket. */
  publish(topic: string, frame: OutgoingFrame, binary: boolean, sender?: TransportSocket): void;
  /** Issues every publish still waiting, in order (before a subscription changes, and on shutdown). */
  flush(): void;
  /**
   * Queues `send` behind the publishes still waiting and returns true; returns false, without
   * calling it, when none wait (the caller sends at once).
   */
  behindPending(send: () => void): boolean;
}

type Pending =
  | {
      readonly topic: string;
      readonly frame: OutgoingFrame;
      readonly binary: boolean;
      readonly sender: TransportSocket | undefined;
    }
  | { readonly send: () => void };

/**
 * Topic publishes issued from one `setImmediate` batch per event-loop turn, in order.
 *
 * Measured on our uWS build: more than ~32 publishes issued while a uWS callback runs (a request
 * handler, its `await` continuations, which run before the callback returns, an upgrade or close
 * handler) make fan-out collapse about tenfold, subscribers written one message per syscall; the
 * same publishes from a `setImmediate` batch do not. Server emits cannot tell where they run, so
 * every room publish waits for the batch, except those made inside {@link DeferredTopics.directly}
 * (the client publish batch, already outside uWS callbacks). Recipients, metrics and history are decided when
 * the emit is made; only the bytes leave later, so the hub flushes before any subscription
 * changes: whoever was subscribed at the emit receives it, and nobody else. A frame for one
 * connection (a reply, a notice) made while publishes wait joins the batch behind them, so a
 * handler's emit still arrives before its reply.
 */
export class DeferredTopics implements TopicPublisher {
  readonly #transport: Transport;
  #pending: Pending[] = [];
  #scheduled = false;
  #direct = false;

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /**
   * Runs `fn` with its publishes issued at once: for work that already runs in a `setImmediate`
   * batch, outside every uWS callback (the client publish queue).
   */
  directly(fn: () => void): void {
    const outer = this.#direct;
    this.#direct = true;
    try {
      fn();
    } finally {
      this.#direct = outer;
    }
  }

  publish(topic: string, frame: OutgoingFrame, binary: boolean, sender?: TransportSocket): void {
    // Behind publishes already waiting, even in a batch: order per publisher holds.
    if (this.#pending.length === 0 && this.#direct) {
      this.#send(topic, frame, binary, sender);
      return;
    }
    this.#pending.push({ topic, frame, binary, sender });
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  behindPending(send: () => void): boolean {
    if (this.#pending.length === 0) return false;
    this.#pending.push({ send });
    return true;
  }

  flush(): void {
    this.#scheduled = false;
    if (this.#pending.length === 0) return;
    const pending = this.#pending;
    this.#pending = [];
    for (const p of pending) {
      if ('send' in p) p.send();
      else this.#send(p.topic, p.frame, p.binary, p.sender);
    }
  }

  /** Publishes waiting for the batch (for tests). */
  get size(): number {
    return this.#pending.length;
  }

  #send(topic: string, frame: OutgoingFrame, binary: boolean, sender: TransportSocket | undefined): void {
    // A sender that closed meanwhile left its topics: a publish to all reaches the same sockets.
    if (sender !== undefined && !sender.closed) sender.publish(topic, frame, binary);
    else this.#transport.publish(topic, frame, binary);
  }
}
