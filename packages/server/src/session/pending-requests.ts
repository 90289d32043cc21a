import { ErrorCode, RpcError, type ReplyEnvelope, type RequestId } from '@switchyard/protocol';

interface Pending {
  readonly resolve: (data: unknown) => void;
  readonly reject: (error: RpcError) => void;
  readonly timer: ReturnType<typeof setTimeout>;
  readonly started: number;
}

/** How a server-to-client request ended, for metrics. */
export type PendingOutcome = 'ok' | 'error' | 'timeout' | 'disconnected';

const MAX_ID = 0xffff_ffff;
// setTimeout fires at once for delays above 2^31-1 ms (about 24.8 days); longer timeouts wait that long.
const MAX_TIMER_MS = 2_147_483_647;

/**
 * Server-to-client requests awaiting a reply on one connection. Each settles exactly once: on
 * the reply, on its timeout (`TIMEOUT`), or when the connection closes (`DISCONNECTED`).
 */
export class PendingRequests {
  readonly #pending = new Map<RequestId, Pending>();
  #nextId = 1;
  readonly #onSettled: (outcome: PendingOutcome, seconds: number) => void;

  constructor(onSettled: (outcome: PendingOutcome, seconds: number) => void) {
    this.#onSettled = onSettled;
  }

  /** Registers a request; returns its id and the promise of its reply data. */
  create(name: string, timeoutMs: number): { id: RequestId; promise: Promise<unknown> } {
    let id = this.#nextId;
    while (this.#pending.has(id)) id = id >= MAX_ID ? 1 : id + 1;
    this.#nextId = id >= MAX_ID ? 1 : id + 1;
    const promise = new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(
        () => {
          this.#settle(id, 'timeout');
          reject(new RpcError(ErrorCode.TIMEOUT, `request '${name}' got no reply within ${timeoutMs} ms`));
        },
        Math.min(timeoutMs, MAX_TIMER_MS),
      );
      this.#pending.set(id, { resolve, reject, timer, started: performance.now() });
    });
    return { id, promise };
  }

  /** Settles the request a reply answers; false when no such request is pending. */
  reply(envelope: ReplyEnvelope): boolean {
    const entry = this.#pending.get(envelope.id);
    if (!entry) return false;
    clearTimeout(entry.timer);
    if (envelope.ok) {
      this.#settle(envelope.id, 'ok');
      entry.resolve(envelope.data);
    } else {
      this.#settle(envelope.id, 'error');
      entry.reject(new RpcError(envelope.error.code, envelope.error.message));
    }
    return true;
  }

  /** Fails a single request that could not be sent. */
  fail(id: RequestId, error: RpcError): void {
    const entry = this.#pending.get(id);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.#settle(id, 'disconnected');
    entry.reject(error);
  }

  /** Rejects every pending request with `DISCONNECTED`. */
  rejectAll(): void {
    for (const id of [...this.#pending.keys()]) {
      this.fail(id, new RpcError(ErrorCode.DISCONNECTED, 'the connection closed before a reply arrived'));
    }
  }

  get size(): number {
    return this.#pending.size;
  }

  #settle(id: RequestId, outcome: PendingOutcome): void {
    const entry = this.#pending.get(id);
    if (!entry) return;
    this.#pending.delete(id);
    this.#onSettled(outcome, (performance.now() - entry.started) / 1000);
  }
}
