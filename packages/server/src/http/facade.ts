import type { PresenceSnapshot } from '@switchyard/protocol';

/** Options of a publish through the HTTP API. */
export interface ApiPublishOptions {
  /** Conflation key for rooms with the `latest` slow-consumer policy. */
  readonly key?: string;
}

/** What a publish did: local recipients, and the message's position in a room with history. */
export interface ApiPublishReceipt {
  readonly recipients: number;
  readonly offset?: number;
  readonly epoch?: string;
}

/** `GET /v1/rooms/:room/history` parameters. */
export interface ApiHistoryQuery {
  /** Messages after this offset. @default 0 */
  readonly since: number;
  /** At most this many. @default 100 */
  readonly limit: number;
  /** The epoch `since` belongs to; another epoch lists from the oldest kept message. */
  readonly epoch?: string;
}

/** A page of a room's history. */
export interface ApiHistoryPage {
  readonly room: string;
  /** The room's latest offset and its epoch. */
  readonly offset: number;
  readonly epoch: string;
  /** False when messages right after `since` are gone (trimmed, or another epoch): reload state. */
  readonly complete: boolean;
  /** `from`: the publishing client's user id, absent for the server's own messages. */
  readonly messages: readonly { offset: number; event: string; data?: unknown; from?: string }[];
}

/** One room and how many users are in it. */
export interface RoomSummary {
  readonly room: string;
  /** Distinct users in the room. */
  readonly members: number;
}

/**
 * What the backend HTTP API needs from the server. The server implements it; tests can pass a
 * plain object. A method may return a promise (for example once publishes go through a broker).
 */
export interface HttpApiFacade {
  /** Publishes `data` as `event` to every member of `room`; returns the number of local recipients. */
  publish(
    room: string,
    event: string,
    data: unknown,
    options?: ApiPublishOptions,
  ): number | ApiPublishReceipt | Promise<number | ApiPublishReceipt>;
  /** A page of a room's history; undefined when the room keeps no history. */
  history?(room: string, query: ApiHistoryQuery): ApiHistoryPage | undefined | Promise<ApiHistoryPage | undefined>;
  /** Closes every connection of `userId` (close code `code`, default 4002 KICKED); returns how many. */
  disconnectUser(userId: string, code?: number): number | Promise<number>;
  /** Who is in `room`. */
  presence(room: string): PresenceSnapshot | Promise<PresenceSnapshot>;
  /** Every room with at least one member. */
  rooms(): readonly RoomSummary[] | Promise<readonly RoomSummary[]>;
}
