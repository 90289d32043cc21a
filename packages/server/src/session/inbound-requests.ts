import { ErrorCode, type ClientEnvelope, type ReplyEnvelope, type RequestId } from '@switchyard/protocol';
import type { AnsweredKind, OperationKind, ServerMetrics } from '../metrics/metrics.js';

/** What the tracker needs of a connection: a way to send the `TIMEOUT` reply. */
export interface Replier {
  send(envelope: ReplyEnvelope): boolean;
}

/** Settings of {@link InboundRequests}. */
export interface InboundRequestsSettings {
  readonly metrics: Pick<ServerMetrics, 'requestStarted' | 'requestCompleted' | 'operationCompleted' | 'replyError'>;
  /**
   * Longest a request handler may take before the client is answered `TIMEOUT`
   * (`limits.requestTimeoutMs`); 0: no limit.
   * @default 0
   */
  readonly timeoutMs?: number;
}

// 'open': waiting for its reply; 'expiring': the TIMEOUT reply is being sent; 'expired': answered
// TIMEOUT, the handler's late reply is dropped.
type State = 'open' | 'expiring' | 'expired';

interface Entry {
  readonly kind: AnsweredKind;
  readonly started: number;
  state: State;
  timer: ReturnType<typeof setTimeout> | undefined;
}

// setTimeout fires at once for delays above 2^31-1 ms.
const MAX_TIMER_MS = 2 ** 31 - 1;

const OPERATIONS: ReadonlySet<AnsweredKind> = new Set<OperationKind>(['join', 'publish', 'presence-get']);

/**
 * Client envelopes waiting for the server's reply: `request`, `join`, `leave`, `presence-get`,
 * `refresh` and acknowledged `publish`. It sees each one arrive and each reply leave, so it can
 * tell, per connection:
 * - how long each took and how it ended (`switchyard_request_duration_seconds` for `request`,
 *   `switchyard_operation_duration_seconds` for join, publish and presence reads), and which
 *   error codes were answered (`switchyard_reply_errors_total`);
 * - how many requests are in flight, and which were abandoned by a close (`disconnected`);
 * - with a `timeoutMs`, which request handlers overran it: the client is answered `TIMEOUT` at
 *   the deadline and the handler's late result is dropped (the handler itself is not cancelled).
 */
export class InboundRequests {
  readonly #metrics: InboundRequestsSettings['metrics'];
  readonly #timeoutMs: number;
  readonly #open = new WeakMap<Replier, Map<RequestId, Entry>>();
  #tracked = 0;

  constructor(settings: InboundRequestsSettings) {
    this.#metrics = settings.metrics;
    this.#timeoutMs = Math.min(settings.timeoutMs ?? 0, MAX_TIMER_MS);
  }

  /** Called for every envelope a connection sends, before it is handled. */
  received(conn: Replier, envelope: ClientEnvelope): void {
    let kind: AnsweredKind;
    let id: RequestId;
    switch (envelope.t) {
      case 'request':
      case 'join':
      case 'leave':
      case 'presence-get':
      case 'refresh':
        kind = envelope.t;
        id = envelope.id;
        break;
      case 'publish':
        if (envelope.id === undefined) return;
        kind = 'publish';
        id = envelope.id;
        break;
      default:
        return;
    }
    let open = this.#open.get(conn);
    if (open === undefined) {
      open = new Map();
      this.#open.set(conn, open);
      this.#tracked++;
    }
    // A client reusing the id of a request still open: the first reply answers both; track one.
    if (open.has(id)) return;
    const entry: Entry = { kind, started: performance.now(), state: 'open', timer: undefined };
    open.set(id, entry);
    if (kind !== 'request') return;
    this.#metrics.requestStarted('client_to_server');
    if (this.#timeoutMs > 0) {
      entry.timer = setTimeout(() => this.#expire(conn, id, entry), this.#timeoutMs);
    }
  }

  /**
   * Called for every reply a connection is about to send. False: drop it, it answers a request
   * that was already answered `TIMEOUT`.
   */
  replying(conn: Replier, reply: ReplyEnvelope): boolean {
    const open = this.#open.get(conn);
    const entry = open?.get(reply.id);
    if (open === undefined || entry === undefined) return true;
    if (entry.state === 'expired') {
      this.#settled(conn, open, reply.id);
      return false;
    }
    const seconds = (performance.now() - entry.started) / 1000;
    if (!reply.ok) this.#metrics.replyError(entry.kind, reply.error.code);
    if (entry.state === 'expiring') {
      entry.state = 'expired';
      this.#metrics.requestCompleted('client_to_server', 'timeout', seconds);
      return true;
    }
    this.#settled(conn, open, reply.id);
    if (entry.timer !== undefined) clearTimeout(entry.timer);
    if (entry.kind === 'request')
      this.#metrics.requestCompleted('client_to_server', reply.ok ? 'ok' : 'error', seconds);
    else if (OPERATIONS.has(entry.kind)) this.#metrics.operationCompleted(entry.kind as OperationKind, seconds);
    return true;
  }

  /** Called once when a connection closes: its open requests end as `disconnected`. */
  closed(conn: Replier): void {
    const open = this.#open.get(conn);
    if (open === undefined) return;
    this.#open.delete(conn);
    this.#tracked--;
    const now = performance.now();
    for (const entry of open.values()) {
      if (entry.timer !== undefined) clearTimeout(entry.timer);
      if (entry.kind === 'request' && entry.state === 'open')
        this.#metrics.requestCompleted('client_to_server', 'disconnected', (now - entry.started) / 1000);
    }
  }

  /** Connections with a request in flight (or answered `TIMEOUT` and not replied yet): for tests. */
  get trackedConnections(): number {
    return this.#tracked;
  }

  /** Requests of `conn` still waiting for their reply (for tests). */
  pending(conn: Replier): number {
    let n = 0;
    for (const entry of this.#open.get(conn)?.values() ?? []) if (entry.state === 'open') n++;
    return n;
  }

  // A connection's map lives only while it has a request in flight: most connections send a
  // join or two and then sit idle, and an empty Map with its table is ~150 B of heap each.
  #settled(conn: Replier, open: Map<RequestId, Entry>, id: RequestId): void {
    open.delete(id);
    if (open.size > 0) return;
    this.#open.delete(conn);
    this.#tracked--;
  }

  #expire(conn: Replier, id: RequestId, entry: Entry): void {
    entry.timer = undefined;
    if (entry.state !== 'open' || this.#open.get(conn)?.get(id) !== entry) return;
    entry.state = 'expiring';
    const sent = conn.send({
      t: 'reply',
      id,
      ok: false,
      error: { code: ErrorCode.TIMEOUT, message: `the handler did not answer within ${this.#timeoutMs} ms` },
    });
    // Closed meanwhile: closed() has run or is about to, and counts it as disconnected.
    if (!sent && entry.state === 'expiring') entry.state = 'open';
  }
}
