import type { Frame, ReplyEnvelope } from '@switchyard/protocol';
import type { Clock, TimerHandle } from './clock.js';
import { ClientError } from './errors.js';
import type { QueuedFrame } from './send-queue.js';

interface Entry {
  readonly resolve: (data: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly timer: TimerHandle;
  readonly retry: boolean;
  readonly frame: Frame;
  /** Runs with a successful reply's data as it arrives, before later frames are read. */
  readonly onReply: ((data: unknown) => void) | undefined;
  /** Handed to the socket (in flight), rather than still waiting in the send queue. */
  sent: boolean;
}

/** Largest request id; ids wrap around to 1 after it. */
const MAX_ID = 2 ** 32 - 1;

/**
 * Calls waiting for a reply, by request id: each one settles exactly once, with the reply,
 * a `TIMEOUT`, or a `DISCONNECTED` when the socket drops and the call was not marked retryable.
 */
export class PendingRequests {
  readonly #clock: Clock;
  readonly #entries = new Map<number, Entry>();
  #lastId = 0;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** A request id not in flight. */
  nextId(): number {
    do this.#lastId = this.#lastId >= MAX_ID ? 1 : this.#lastId + 1;
    while (this.#entries.has(this.#lastId));
    return this.#lastId;
  }

  /**
   * Waits for the reply to request `id`, whose encoded frame is kept for a resend.
   * The timeout runs from now, whether the frame is sent at once or queued. `onReply` sees a
   * successful reply synchronously, where the promise's callbacks would run only after every
   * frame that arrived with it.
   */
  wait(
    id: number,
    frame: Frame,
    timeoutMs: number,
    retry: boolean,
    onReply?: (data: unknown) => void,
  ): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const timer = this.#clock.setTimeout(
        () => this.reject(id, new ClientError('TIMEOUT', `no reply within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.#entries.set(id, { resolve, reject, timer, retry, frame, onReply, sent: false });
    });
  }

  /** Settles the request a reply answers; false when none waits for it. */
  settle(reply: ReplyEnvelope): boolean {
    const entry = this.#take(reply.id);
    if (!entry) return false;
    if (reply.ok) {
      entry.onReply?.(reply.data);
      entry.resolve(reply.data);
    } else entry.reject(new ClientError(reply.error.code, reply.error.message));
    return true;
  }

  /** Rejects request `id` if it is still waiting. */
  reject(id: number, error: Error): void {
    this.#take(id)?.reject(error);
  }

  /** Request `id`'s frame as the send queue sees it: a failed send rejects the call. */
  queued(id: number): QueuedFrame {
    const entry = this.#entries.get(id) as Entry;
    return {
      frame: entry.frame,
      sent: () => void (entry.sent = true),
      fail: (error) => this.reject(id, error),
      live: () => this.#entries.has(id),
    };
  }

  /**
   * The socket dropped. Rejects every call in flight with `error`, except, when `keepRetryable`,
   * the ones marked safe to retry: they are returned, in sending order, to be sent again. Calls
   * still in the send queue never reached the server: they stay queued (unless the session is over).
   */
  disconnect(error: Error, keepRetryable: boolean): QueuedFrame[] {
    const resend: QueuedFrame[] = [];
    for (const [id, entry] of this.#entries) {
      if (!keepRetryable) this.reject(id, error);
      else if (entry.sent && entry.retry) {
        entry.sent = false;
        resend.push(this.queued(id));
      } else if (entry.sent) this.reject(id, error);
    }
    return resend;
  }

  #take(id: number): Entry | undefined {
    const entry = this.#entries.get(id);
    if (!entry) return undefined;
    this.#entries.delete(id);
    this.#clock.clearTimeout(entry.timer);
    return entry;
  }
}
