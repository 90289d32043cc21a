import type {
  AnyContract,
  Contract,
  EventsOf,
  JoinResult,
  NameOf,
  NoticeEnvelope,
  PresenceSnapshot,
  PushesOf,
  RequestIn,
  RequestOut,
  RequestsOf,
  ServerRequestsOf,
  WelcomeEnvelope,
} from '@switchyard/protocol';
import type { Status, StatusEvent } from './connection-machine.js';
import type { JoinOptions, PublishOptions, RequestOptions } from './options.js';

/** Where a push came from. */
export interface PushMeta {
  /** The room it was published to; absent for a direct push. */
  readonly room?: string;
  /** Rooms with history: the message's position in the room's stream. */
  readonly offset?: number;
  /** Rooms with history: the stream's generation the offset belongs to. */
  readonly epoch?: string;
  /**
   * The user id of the client that published it, set by the server (`anonymous:<connectionId>`
   * for an anonymous one); absent for messages the server itself sent. No client can forge it.
   */
  readonly from?: string;
}

/** The outcome of one successful join of a room (`room.onJoin`). */
export interface JoinInfo {
  /** False for the room handle's first join; true for every join after a reconnect or a gap. */
  readonly rejoined: boolean;
  /**
   * True when the messages published while the room was away came (or are coming) through the
   * room's handlers, in order, without duplicates. False when they may be lost: on the first join,
   * in rooms without history, or when the history could not serve the rejoin. Load or reload the
   * room's state from the application when it is false.
   */
  readonly recovered: boolean;
  /** The server's join reply. */
  readonly result: JoinResult;
}

/** A presence change in a room. */
export interface PresenceChange {
  readonly change: 'join' | 'leave';
  readonly userId: string;
  /** The user's connections in the room after the change. */
  readonly connections: number;
}

/** A push listener, typed by the contract's `pushes`. */
export type PushListener<C extends Contract, E extends NameOf<PushesOf<C>>> = (
  data: PushesOf<C>[E],
  meta: PushMeta,
) => void;

/**
 * A joined room. The client remembers it and joins again after every reconnect until `leave()`.
 */
export interface Room<C extends Contract = AnyContract> {
  /** The room name. */
  readonly name: string;
  /**
   * Resolves with the first successful join (waiting through reconnects), rejects when the
   * server refuses it (`FORBIDDEN`, `LIMIT_EXCEEDED`, …) or the client closes first.
   */
  ready(): Promise<JoinResult>;
  /** Listens to pushes published to this room; returns the unsubscribe function. */
  on<E extends NameOf<PushesOf<C>>>(event: E, fn: PushListener<C, E>): () => void;
  /**
   * Listens to presence changes (join with `{ presence: true }`); returns the unsubscribe function.
   * In a room above the server's presence notice limit none arrive: see {@link Room.onPresenceCount}.
   */
  onPresence(fn: (change: PresenceChange) => void): () => void;
  /**
   * The room's user count as the server last sent it: in the join reply and at most once per
   * server turn while the room is above the server's presence notice limit (`limits.presenceNoticeLimit`),
   * where counts replace per-user presence changes. Undefined while the room is under the limit.
   */
  readonly presenceCount: number | undefined;
  /**
   * Listens to user counts of a room above the presence notice limit (join with `{ presence: true }`);
   * returns the unsubscribe function.
   * @example
   * room.onPresenceCount((count) => (badge.textContent = `${count} watching`));
   */
  onPresenceCount(fn: (count: number) => void): () => void;
  /**
   * Listens to every successful join of this room: the first one and each rejoin after a
   * reconnect or a gap, with whether missed messages were recovered; returns the unsubscribe function.
   * @example
   * room.onJoin(({ recovered }) => { if (!recovered) void reloadMessages(); });
   */
  onJoin(fn: (info: JoinInfo) => void): () => void;
  /** Publishes to the room's members; resolves on the server's acknowledgement. */
  publish<E extends NameOf<PushesOf<C>>>(event: E, data: PushesOf<C>[E], options?: PublishOptions): Promise<void>;
  /** Who is in the room now. */
  presence(options?: RequestOptions): Promise<PresenceSnapshot>;
  /** Leaves the room and forgets it. */
  leave(): Promise<void>;
}

/** A handler for a server→client request; its return value is the reply. */
export type RequestHandler<C extends Contract, R extends NameOf<ServerRequestsOf<C>>> = (
  data: RequestIn<ServerRequestsOf<C>, R>,
) => RequestOut<ServerRequestsOf<C>, R> | Promise<RequestOut<ServerRequestsOf<C>, R>>;

/** A Switchyard client, typed by the application's contract. */
export interface Client<C extends Contract = AnyContract> {
  /** `connecting`, `open`, `reconnecting` or `closed`. */
  readonly status: Status;
  /** The current session's welcome (connection id, user id, limits), while open. */
  readonly welcome: WelcomeEnvelope | undefined;
  /** Sends a fire-and-forget event; resolves once written to the socket (queued while offline). */
  emit<E extends NameOf<EventsOf<C>>>(event: E, data: EventsOf<C>[E]): Promise<void>;
  /** Calls a server handler and resolves with its typed reply, or rejects with a `ClientError`. */
  request<R extends NameOf<RequestsOf<C>>>(
    name: R,
    data: RequestIn<RequestsOf<C>, R>,
    options?: RequestOptions,
  ): Promise<RequestOut<RequestsOf<C>, R>>;
  /** Listens to pushes (direct and from joined rooms); returns the unsubscribe function. */
  on<E extends NameOf<PushesOf<C>>>(event: E, fn: PushListener<C, E>): () => void;
  /** Answers server→client requests named `name`; returns the function that removes the handler. */
  handle<R extends NameOf<ServerRequestsOf<C>>>(name: R, fn: RequestHandler<C, R>): () => void;
  /** Joins a room (or returns the handle of a room already joined). */
  join(room: string, options?: JoinOptions): Room<C>;
  /** Listens to status changes; returns the unsubscribe function. */
  onStatus(fn: (event: StatusEvent) => void): () => void;
  /** Listens to server notices (`GAP`, `TOKEN_EXPIRING`, `SHUTDOWN`, `ROOM_REVOKED`). */
  onNotice(fn: (notice: NoticeEnvelope) => void): () => void;
  /**
   * Listens to errors that belong to no call: refused tokens (`UNAUTHORIZED`), rejoins given up,
   * rooms a refreshed token revoked (`FORBIDDEN`, with the room forgotten), failed refreshes, throwing listeners, bad frames, and the error that ends a session.
   */
  onError(fn: (error: unknown) => void): () => void;
  /** Connects again after `close()` (or the first time with `autoConnect: false`). */
  connect(): void;
  /** Closes with 1000; pending and queued calls reject with `DISCONNECTED`; rooms are forgotten. */
  close(): void;
}
