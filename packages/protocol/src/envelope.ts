import type { ErrorCode, NoticeCode } from './error-codes.js';

/**
 * Every frame on the wire is one envelope: an object whose `t` field names its kind.
 * Directions: C→S client to server, S→C server to client. docs/protocol.md is the full spec.
 */

/** Request identifier: an integer in 1..2^32-1, unique among the sender's requests in flight. */
export type RequestId = number;

/** Limits the server enforces, advertised in the welcome message. */
export interface Limits {
  /** Largest frame the server accepts, in bytes; larger frames close the connection. */
  readonly maxPayload: number;
  /** How often the client should send `ping` when otherwise idle, in milliseconds. */
  readonly heartbeatMs: number;
  /** Most rooms one connection may be in at once (0: unlimited). */
  readonly maxRooms: number;
  /** Sustained messages per second allowed from one connection (0: unlimited). */
  readonly messagesPerSecond: number;
}

/** S→C: sent once, first, after the upgrade. */
export interface WelcomeEnvelope {
  readonly t: 'welcome';
  /** Protocol version ({@link PROTOCOL_VERSION}). */
  readonly v: number;
  /** Server-assigned id of this connection. */
  readonly connectionId: string;
  /** The authenticated user id (the token's `sub`). */
  readonly userId: string;
  /** Token expiry, in milliseconds since the epoch, when the token has an `exp`. */
  readonly expiresAt?: number;
  readonly limits: Limits;
}

/** C→S: fire-and-forget event for `server.onEvent(name)`. */
export interface EventEnvelope {
  readonly t: 'event';
  readonly event: string;
  readonly data?: unknown;
}

/** Either direction: a call that expects exactly one `reply` with the same `id`. */
export interface RequestEnvelope {
  readonly t: 'request';
  readonly id: RequestId;
  readonly name: string;
  readonly data?: unknown;
}

/** The error carried by a failed reply. */
export interface ReplyError {
  readonly code: ErrorCode;
  readonly message: string;
}

/** Either direction: the answer to a `request`, `join`, `leave`, `publish` (with id), `presence-get` or `refresh`. */
export type ReplyEnvelope =
  | { readonly t: 'reply'; readonly id: RequestId; readonly ok: true; readonly data?: unknown }
  | { readonly t: 'reply'; readonly id: RequestId; readonly ok: false; readonly error: ReplyError };

/** A position in a room's stream: the last message a client received (docs/protocol.md §9). */
export interface StreamPosition {
  /** Offset of the last message received; the messages after it are wanted. */
  readonly offset: number;
  /** Epoch the offset belongs to. */
  readonly epoch: string;
}

/** C→S: join a room. The reply's data is a {@link JoinResult}. */
export interface JoinEnvelope {
  readonly t: 'join';
  readonly id: RequestId;
  readonly room: string;
  /** Ask for `presence` updates about this room. */
  readonly presence?: boolean;
  /**
   * With `presence`: this client reads member counts (`change: 'count'` notices), which the
   * server sends in place of per-member notices above its presence notice limit (§3 `presence`).
   */
  readonly presenceCount?: boolean;
  /** Recover from this position: the pushes published after it follow the reply (§9). */
  readonly since?: StreamPosition;
}

/** C→S: leave a room. */
export interface LeaveEnvelope {
  readonly t: 'leave';
  readonly id: RequestId;
  readonly room: string;
}

/** C→S: publish to a room's members. With an `id`, the server acknowledges with a reply. */
export interface PublishEnvelope {
  readonly t: 'publish';
  readonly room: string;
  readonly event: string;
  readonly data?: unknown;
  readonly id?: RequestId;
}

/** S→C: a message, sent directly to this connection or, with `room`, to a room's members. */
export interface PushEnvelope {
  readonly t: 'push';
  readonly event: string;
  readonly data?: unknown;
  /** The room the message was published to; absent for direct pushes. */
  readonly room?: string;
  /** Position of this message in the room's stream: +1 per message (rooms with history, §9). */
  readonly offset?: number;
  /** Identifies the room stream's generation; offsets restart when it changes (rooms with history, §9). */
  readonly epoch?: string;
  /**
   * The user id of the client that published it, set by the server (`anonymous:<connectionId>`
   * for an anonymous connection); absent for server emits and HTTP publishes. Clients cannot set it.
   */
  readonly from?: string;
}

/** One user present in a room. */
export interface PresenceMember {
  readonly userId: string;
  /** How many of the user's connections are in the room. */
  readonly connections: number;
}

/** Who is in a room. */
export interface PresenceSnapshot {
  readonly room: string;
  /** Every member; empty in a join reply for a room above the server's presence notice limit. */
  readonly members: readonly PresenceMember[];
  /** Distinct users in the room: only in a join reply for a room above the presence notice limit. */
  readonly count?: number;
}

/** Reply data of a successful join. */
export interface JoinResult {
  readonly room: string;
  /** Present when the join asked for presence. */
  readonly presence?: PresenceSnapshot;
  /**
   * Rooms with history, when the join carried `since`: `true` when every push published after
   * `since.offset` follows the reply; `false` when the history cannot serve it (another epoch,
   * trimmed), so the app reloads its state (§9).
   */
  readonly recovered?: boolean;
  /** Rooms with history: offset of the room's latest message (0 before the first one). */
  readonly offset?: number;
  /** Rooms with history: the room stream's current epoch. */
  readonly epoch?: string;
}

/** S→C: a user's presence in a room changed (sent to members that asked for presence). */
export type PresenceEnvelope = PresenceMemberEnvelope | PresenceCountEnvelope;

/** S→C: one user's presence in a room changed. */
export interface PresenceMemberEnvelope {
  readonly t: 'presence';
  readonly room: string;
  /** `join`: the user's first connection arrived; `leave`: its last one left. */
  readonly change: 'join' | 'leave';
  readonly userId: string;
  /** The user's connections in the room after the change. */
  readonly connections: number;
}

/**
 * S→C: a room above the server's presence notice limit changed; sent at most once per server
 * turn, in place of per-member notices, and only to members whose join carried `presenceCount`.
 */
export interface PresenceCountEnvelope {
  readonly t: 'presence';
  readonly room: string;
  readonly change: 'count';
  /** Distinct users in the room after the changes. */
  readonly count: number;
}

/** C→S: ask who is in a room. The reply's data is a {@link PresenceSnapshot}. */
export interface PresenceGetEnvelope {
  readonly t: 'presence-get';
  readonly id: RequestId;
  readonly room: string;
}

/** C→S: replace the connection's token in band. The reply's data is `{ expiresAt?: number }`. */
export interface RefreshEnvelope {
  readonly t: 'refresh';
  readonly id: RequestId;
  readonly token: string;
}

/** Either direction: application-level heartbeat. The peer answers with `pong` echoing `ts`. */
export interface PingEnvelope {
  readonly t: 'ping';
  readonly ts?: number;
}

/** Either direction: the answer to `ping`. */
export interface PongEnvelope {
  readonly t: 'pong';
  readonly ts?: number;
}

/** S→C: information from the server, for example a gap after dropped messages. */
export interface NoticeEnvelope {
  readonly t: 'notice';
  readonly code: NoticeCode;
  readonly message?: string;
  readonly room?: string;
  /** With `GAP`: how many messages were dropped. */
  readonly missed?: number;
  /** With `GAP` in a room with history: the offset of the first message skipped (§9). */
  readonly offset?: number;
}

/** Envelopes a client sends. */
export type ClientEnvelope =
  | EventEnvelope
  | RequestEnvelope
  | ReplyEnvelope
  | JoinEnvelope
  | LeaveEnvelope
  | PublishEnvelope
  | PresenceGetEnvelope
  | RefreshEnvelope
  | PingEnvelope
  | PongEnvelope;

/** Envelopes a server sends. */
export type ServerEnvelope =
  | WelcomeEnvelope
  | RequestEnvelope
  | ReplyEnvelope
  | PushEnvelope
  | PresenceEnvelope
  | NoticeEnvelope
  | PingEnvelope
  | PongEnvelope;

/** Any envelope. */
export type Envelope = ClientEnvelope | ServerEnvelope;

/** The `t` of an envelope. */
export type EnvelopeType = Envelope['t'];

/** Every envelope kind, for validation and metric labels. */
export const ENVELOPE_TYPES = [
  'welcome',
  'event',
  'request',
  'reply',
  'join',
  'leave',
  'publish',
  'push',
  'presence',
  'presence-get',
  'refresh',
  'ping',
  'pong',
  'notice',
] as const satisfies readonly EnvelopeType[];

/** The kinds a client may send, in the order of §2 of the spec. */
export const CLIENT_ENVELOPE_TYPES = [
  'event',
  'request',
  'reply',
  'join',
  'leave',
  'publish',
  'presence-get',
  'refresh',
  'ping',
  'pong',
] as const satisfies readonly ClientEnvelope['t'][];

/** The kinds a server may send. */
export const SERVER_ENVELOPE_TYPES = [
  'welcome',
  'request',
  'reply',
  'push',
  'presence',
  'notice',
  'ping',
  'pong',
] as const satisfies readonly ServerEnvelope['t'][];
