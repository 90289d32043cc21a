import type { ClientEnvelope, Frame, Limits, ReplyEnvelope } from '@switchyard/protocol';
import type { Clock } from './clock.js';
import { ClientError } from './errors.js';
import type { ClientCodec } from './json-codec.js';
import type { ClientOptions, RequestOptions } from './options.js';
import { oversize } from './payload-size.js';
import { PendingRequests } from './pending-requests.js';
import type { SendMode } from './room.js';
import { SendQueue, type QueuedFrame } from './send-queue.js';

const noop = (): void => {};

/**
 * A client's outgoing side: encodes envelopes (refusing what the server would close the
 * connection for), sends them on the welcomed socket, queues them while there is none, and
 * tracks requests until their reply. Its state follows the session: welcomed (direct sends go
 * out), ready (rooms rejoined: queued sends go out too), down, ended.
 */
export class Outbox {
  readonly #codec: ClientCodec;
  readonly #pending: PendingRequests;
  readonly #queue: SendQueue;
  readonly #timeoutMs: number;
  readonly #send: (frame: Frame) => boolean;
  #limits: Limits | undefined;
  /** Welcomed: direct sends (joins, replies, refresh) may go out. */
  #active = false;
  /** Rooms rejoined after the welcome: queued sends may go out. */
  #ready = false;
  /** Why the session ended (close() or a terminal code): sends reject with it instead of queueing. */
  #ended: ClientError | undefined;

  /** `send` writes a frame on the welcomed socket and returns false when there is none. */
  constructor(codec: ClientCodec, clock: Clock, options: ClientOptions, send: (frame: Frame) => boolean) {
    this.#codec = codec;
    this.#pending = new PendingRequests(clock);
    this.#queue = new SendQueue(clock, options.queue?.maxSize ?? 100, options.queue?.ttlMs ?? 30_000);
    this.#timeoutMs = options.requestTimeoutMs ?? 10_000;
    this.#send = send;
  }

  /** Settles the request a reply answers. */
  settle(reply: ReplyEnvelope): void {
    this.#pending.settle(reply);
  }

  /** Why the session ended, until the next `connect()`. */
  get ended(): ClientError | undefined {
    return this.#ended;
  }

  /** A welcome: direct sends may go out, and frames are held to its limits from now on. */
  welcomed(limits: Limits): void {
    this.#limits = limits;
    this.#active = true;
  }

  /** The rooms are rejoined: queued sends go out, oldest first, and later ones directly. */
  flush(): void {
    this.#ready = true;
    this.#queue.flush((frame) => oversize(frame, this.#limits?.maxPayload) ?? this.#send(frame));
  }

  /**
   * The welcomed socket is gone. Requests sent on it fail, except those marked `retry`, which
   * go out again after the next welcome unless the session is over (`closed`).
   */
  down(closed: boolean): void {
    this.#active = this.#ready = false;
    const resend = this.#pending.disconnect(this.#ended ?? new ClientError('DISCONNECTED', 'connection lost'), !closed);
    this.#queue.unshift(resend);
  }

  /** The session ended with `error`: queued sends fail with it, and so do later ones. */
  end(error: ClientError): void {
    this.#ended = error;
    this.#queue.failAll(error);
  }

  /** A new session starts: sends queue again. */
  restart(): void {
    this.#ended = undefined;
  }

  /**
   * Sends an envelope built around a fresh request id and waits for its reply (see
   * `RoomHost.call`).
   */
  call(
    build: (id: number) => ClientEnvelope,
    mode: SendMode,
    options: RequestOptions = {},
    onReply?: (data: unknown) => void,
  ): Promise<unknown> {
    const id = this.#pending.nextId();
    let frame: Frame;
    try {
      frame = this.encode(build(id));
    } catch (error) {
      return Promise.reject(error);
    }
    const timeoutMs = options.timeoutMs ?? this.#timeoutMs;
    const reply = this.#pending.wait(id, frame, timeoutMs, options.retry === true, onReply);
    this.#dispatch(mode, this.#pending.queued(id));
    return reply;
  }

  /** Sends an envelope without waiting for a reply; resolves once it is handed to the socket. */
  send(envelope: ClientEnvelope): Promise<void> {
    let frame: Frame;
    try {
      frame = this.encode(envelope);
    } catch (error) {
      // The caller's bug (too large, not encodable): left loud even when nobody awaits.
      return Promise.reject(error);
    }
    const sent = new Promise<void>((resolve, reject) => {
      this.#dispatch('queue', { frame, sent: resolve, fail: reject, live: () => true });
    });
    // Fire and forget: a send dropped offline (queue full or expired, session over) must not end
    // a Node process as an unhandled rejection; a caller that awaits still gets the error.
    sent.catch(noop);
    return sent;
  }

  /** Sends a reply to a server request now; offline, the server has already failed the request. */
  reply(frame: Frame): void {
    this.#dispatch('direct', { frame, sent: noop, fail: noop, live: () => true });
  }

  /** Sends a frame now, or queues it (`queue` mode) until the rooms are rejoined. */
  #dispatch(mode: SendMode, queued: QueuedFrame): void {
    if ((mode === 'direct' ? this.#active : this.#ready) && this.#send(queued.frame)) queued.sent();
    else if (mode === 'direct' || this.#ended)
      queued.fail(this.#ended ?? new ClientError('DISCONNECTED', 'not connected'));
    else this.#queue.push(queued);
  }

  /** Encodes, refusing what the server would close the connection for. */
  encode(envelope: ClientEnvelope | ReplyEnvelope): Frame {
    let frame: Frame;
    try {
      frame = this.#codec.encode(envelope);
    } catch (error) {
      throw new ClientError('BAD_REQUEST', String(error));
    }
    const tooLarge = oversize(frame, this.#limits?.maxPayload);
    if (tooLarge) throw tooLarge;
    return frame;
  }
}
