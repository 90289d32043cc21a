import type { ClientEnvelope, JoinResult, PresenceEnvelope, PresenceSnapshot } from '@switchyard/protocol';
import { Emitter } from './emitter.js';
import { ClientError } from './errors.js';
import type { JoinOptions, PublishOptions, RequestOptions } from './options.js';
import type { PresenceChange, PushMeta, Room } from './types.js';

/** How a call reaches the socket: `queue` waits for the connection, `direct` needs it now. */
export type SendMode = 'queue' | 'direct';

/** What a room needs from its client. */
export interface RoomHost {
  /** Sends an envelope built around a fresh request id and waits for the reply. */
  call(build: (id: number) => ClientEnvelope, mode: SendMode, options?: RequestOptions): Promise<unknown>;
  /** Sends an envelope without waiting for a reply. */
  send(envelope: ClientEnvelope): Promise<void>;
  /** The room left: stop rejoining it. */
  forget(room: RoomHandle): void;
  /** Reports an error no caller is waiting for. */
  error(error: unknown): void;
}

/** The {@link Room} a client hands out. */
export class RoomHandle implements Room {
  readonly name: string;
  readonly #host: RoomHost;
  readonly #options: JoinOptions;
  // Listeners by event name; '' holds the presence listeners (event names are never empty).
  readonly #listeners: Emitter<[unknown, PushMeta]>;
  readonly #joined: Promise<JoinResult>;
  #settle: ((result: JoinResult | Error) => void) | undefined;
  #left = false;

  constructor(host: RoomHost, name: string, options: JoinOptions) {
    this.#host = host;
    this.name = name;
    this.#options = options;
    this.#listeners = new Emitter((error) => host.error(error));
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
  async join(): Promise<void> {
    const { presence } = this.#options;
    try {
      // The join options carry the attempt's `timeoutMs`.
      const result = await this.#host.call(
        (id) => ({ t: 'join', id, room: this.name, ...(presence && { presence }) }),
        'direct',
        this.#options,
      );
      this.#settle?.(result as JoinResult);
    } catch (error) {
      // Cut off by a disconnect: the next welcome joins again.
      if (this.#left || (error instanceof ClientError && error.code === 'DISCONNECTED')) return;
      this.#host.forget(this);
      if (this.#settle) this.#settle(error as Error);
      else this.#host.error(error);
    }
  }

  /** A push for this room arrived. */
  deliver(event: string, data: unknown, meta: PushMeta): void {
    this.#listeners.emit(event, data, meta);
  }

  /** A presence change for this room arrived. */
  presenceChanged({ change, userId, connections }: PresenceEnvelope): void {
    this.#listeners.emit('', { change, userId, connections }, { room: this.name });
  }

  /** The client closed for good: a join still pending fails. */
  abandon(error: Error): void {
    this.#settle?.(error);
  }

  on(event: string, fn: (data: unknown, meta: PushMeta) => void): () => void {
    return this.#listeners.on(event, fn);
  }

  onPresence(fn: (change: PresenceChange) => void): () => void {
    return this.#listeners.on('', fn as (change: unknown) => void);
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
