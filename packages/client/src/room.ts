import type { ClientEnvelope, JoinResult, PresenceEnvelope, PresenceSnapshot } from '@switchyard/protocol';
import { Emitter } from './emitter.js';
import { ClientError } from './errors.js';
import type { JoinOptions, PublishOptions, RequestOptions } from './options.js';
import { RoomStream } from './room-stream.js';
import type { JoinInfo, PresenceChange, PushMeta, Room } from './types.js';

/** How a call reaches the socket: `queue` waits for the connection, `direct` needs it now. */
export type SendMode = 'queue' | 'direct';

/** What a room needs from its client. */
export interface RoomHost {
  /**
   * Sends an envelope built around a fresh request id and waits for the reply; `onReply` sees a
   * successful reply synchronously, before the frames that follow it.
   */
  call(
    build: (id: number) => ClientEnvelope,
    mode: SendMode,
    options?: RequestOptions,
    onReply?: (data: unknown) => void,
  ): Promise<unknown>;
  /** Sends an envelope without waiting for a reply. */
  send(envelope: ClientEnvelope): Promise<void>;
  /** The room left: stop rejoining it. */
  forget(room: RoomHandle): void;
  /** Reports an error no caller is waiting for. */
  error(error: unknown): void;
  /**
   * Runs `fn` after the backoff for the `failures`th failed join attempt in a row (`slow` after
   * `RATE_LIMITED`) and returns the function that cancels it; undefined once the attempts are spent.
   */
  retry(fn: () => void, failures: number, slow: boolean): (() => void) | undefined;
}

/** The {@link Room} a client hands out. */
export class RoomHandle implements Room {
  readonly name: string;
  readonly #host: RoomHost;
  readonly #options: JoinOptions;
  // Listeners by event name; '' holds the presence listeners (event names are never empty).
  readonly #listeners: Emitter<[unknown, PushMeta]>;
  // '' holds the join listeners, 'count' the presence count listeners.
  readonly #joinListeners: Emitter<[unknown]>;
  presenceCount: number | undefined;
  readonly #joined: Promise<JoinResult>;
  readonly #stream = new RoomStream();
  #settle: ((result: JoinResult | Error) => void) | undefined;
  #left = false;
  #rejoined = false;
  /** Join attempts in a row that failed with TIMEOUT or RATE_LIMITED. */
  #failures = 0;
  #cancelRetry: (() => void) | undefined;

  constructor(host: RoomHost, name: string, options: JoinOptions) {
    this.#host = host;
    this.name = name;
    this.#options = options;
    this.#listeners = new Emitter((error) => host.error(error));
    this.#joinListeners = new Emitter((error) => host.error(error));
    this.#joined = new Promise((resolve, reject) => {
      this.#settle = (result) => {
        this.#settle = undefined;
        if (result instanceof Error) reject(result);
        else resolve(result);
      };
    });
    // A refused join must not become an unhandled rejection when nobody awaits ready().
    this.#joined.catch(() => {});
  }

  ready(): Promise<JoinResult> {
    return this.#joined;
  }

  /** Sends the join; the client calls it on `join()` and after every welcome. */
  join(): Promise<void> {
    this.#failures = 0;
    return this.#attempt();
  }

  async #attempt(): Promise<void> {
    this.#cancel();
    const { presence } = this.#options;
    const since = this.#stream.since();
    try {
      // The join options carry the attempt's `timeoutMs`. The reply is handled as it arrives: the
      // pushes that follow it in the same read (a recovery replay) must see the new position.
      await this.#host.call(
        // With presence, ask for member counts too: above the server's presence notice limit
        // they replace the per-user notices, which older clients simply stop receiving.
        (id) => ({
          t: 'join',
          id,
          room: this.name,
          ...(presence && { presence, presenceCount: true }),
          ...(since && { since }),
        }),
        'direct',
        this.#options,
        (result) => this.#joinedWith(result as JoinResult),
      );
    } catch (error) {
      const code = error instanceof ClientError ? error.code : undefined;
      // Cut off by a disconnect: the next welcome joins again.
      if (this.#left || code === 'DISCONNECTED') return;
      // Transient: try again with backoff, and speak up only when giving up.
      if (code === 'TIMEOUT' || code === 'RATE_LIMITED') {
        this.#cancelRetry = this.#host.retry(() => void this.#attempt(), ++this.#failures, code === 'RATE_LIMITED');
        if (this.#cancelRetry) return;
      }
      this.#host.forget(this);
      if (this.#settle) this.#settle(error as Error);
      else this.#host.error(error);
    }
  }

  #joinedWith(result: JoinResult): void {
    if (this.#left) return;
    this.#failures = 0;
    this.#stream.joined(result);
    // A snapshot without a count lists the members: the room is under the limit.
    this.presenceCount = result?.presence?.count;
    const info: JoinInfo = { recovered: result?.recovered === true, rejoined: this.#rejoined, result };
    this.#rejoined = true;
    this.#settle?.(result);
    this.#joinListeners.emit('', info);
  }

  #cancel(): void {
    this.#cancelRetry?.();
    this.#cancelRetry = undefined;
  }

  /** Whether a push of this room with this position reaches listeners (duplicates do not). */
  accept(offset: number | undefined, epoch: string | undefined): boolean {
    return this.#stream.accept(offset, epoch);
  }

  /** A `GAP` notice with the first skipped offset: rejoin from before it to recover (§9.5). */
  gap(offset: number): void {
    if (this.#stream.gap(offset)) void this.join();
  }

  /** A push for this room arrived. */
  deliver(event: string, data: unknown, meta: PushMeta): void {
    this.#listeners.emit(event, data, meta);
  }

  /** A presence change for this room arrived. */
  presenceChanged(e: PresenceEnvelope): void {
    if (e.change === 'count') this.#joinListeners.emit('count', (this.presenceCount = e.count));
    else
      this.#listeners.emit('', { change: e.change, userId: e.userId, connections: e.connections }, { room: this.name });
  }

  onPresenceCount(fn: (count: number) => void): () => void {
    return this.#joinListeners.on('count', fn as (count: unknown) => void);
  }

  /** The server left this room for the client (`ROOM_REVOKED`): forget it, fail a pending join. */
  revoke(error: Error): void {
    this.#left = true;
    this.#cancel();
    this.#host.forget(this);
    this.#settle?.(error);
  }

  /** The client closed for good: a join still pending fails. */
  abandon(error: Error): void {
    this.#cancel();
    this.#settle?.(error);
  }

  on(event: string, fn: (data: unknown, meta: PushMeta) => void): () => void {
    return this.#listeners.on(event, fn);
  }

  onPresence(fn: (change: PresenceChange) => void): () => void {
    return this.#listeners.on('', fn as (change: unknown) => void);
  }

  onJoin(fn: (info: JoinInfo) => void): () => void {
    return this.#joinListeners.on('', fn as (info: unknown) => void);
  }

  publish(event: string, data: unknown, options: PublishOptions = {}): Promise<void> {
    const { ack, ...rest } = options;
    const room = this.name;
    // Not async: an unacknowledged publish returns the send's own promise, which never surfaces
    // as an unhandled rejection when nobody awaits it.
    if (ack === false) return this.#host.send({ t: 'publish', room, event, data });
    return this.#host.call((id) => ({ t: 'publish', room, event, data, id }), 'queue', rest).then(() => {});
  }

  presence(options?: RequestOptions): Promise<PresenceSnapshot> {
    return this.#host.call(
      (id) => ({ t: 'presence-get', id, room: this.name }),
      'queue',
      options,
    ) as Promise<PresenceSnapshot>;
  }

  async leave(): Promise<void> {
    if (this.#left) return;
    this.#left = true;
    this.#cancel();
    this.#host.forget(this);
    this.#settle?.(new ClientError('DISCONNECTED', 'left before joined'));
    try {
      await this.#host.call((id) => ({ t: 'leave', id, room: this.name }), 'direct');
    } catch (error) {
      // Offline, the server has already dropped the membership with the socket.
      if (!(error instanceof ClientError && error.code === 'DISCONNECTED')) throw error;
    }
  }
}
