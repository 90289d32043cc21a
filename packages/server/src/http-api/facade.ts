import type { PresenceSnapshot } from '@switchyard/protocol';

/** Options of a publish through the HTTP API. */
export interface ApiPublishOptions {
  /** Conflation key for rooms with the `latest` slow-consumer policy. */
  readonly key?: string;
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
  publish(room: string, event: string, data: unknown, options?: ApiPublishOptions): number | Promise<number>;
  /** Closes every connection of `userId` (close code `code`, default 4002 KICKED); returns how many. */
  disconnectUser(userId: string, code?: number): number | Promise<number>;
  /** Who is in `room`. */
  presence(room: string): PresenceSnapshot | Promise<PresenceSnapshot>;
  /** Every room with at least one member. */
  rooms(): readonly RoomSummary[] | Promise<readonly RoomSummary[]>;
}
