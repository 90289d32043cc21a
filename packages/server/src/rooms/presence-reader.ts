import type { PresenceSnapshot } from '@switchyard/protocol';
import type { ClusterPresence } from '../cluster/presence.js';
import type { Hub } from './hub.js';

/** One room and how many distinct users are in it. */
export interface RoomSummary {
  readonly room: string;
  readonly members: number;
}

/** Answers who is where: this node's members on a single node, the whole cluster's in a cluster. */
export interface PresenceReader {
  /** Who is in `room`. Rejects when the cluster's membership cannot be read (Redis unreachable). */
  snapshot(room: string): PresenceSnapshot | Promise<PresenceSnapshot>;
  /** Every room with at least one member. */
  rooms(): readonly RoomSummary[] | Promise<readonly RoomSummary[]>;
  /**
   * The snapshot a join reply carries: above the presence notice limit only the user count
   * (`members: []`, `count`), so a join to a large room costs one small frame.
   */
  joinSnapshot(room: string): PresenceSnapshot | Promise<PresenceSnapshot>;
}

/** The join reply's snapshot of a room of `users` users, above `limit` (0: none) a count. */
function countOnly(room: string, users: number, limit: number): PresenceSnapshot | undefined {
  return limit > 0 && users > limit ? { room, members: [], count: users } : undefined;
}

/** The single node's answers, from its own registry (synchronous). */
export class LocalPresenceReader implements PresenceReader {
  readonly #hub: Hub;
  readonly #limit: number;

  /** `limit`: `limits.presenceNoticeLimit` (0: none). */
  constructor(hub: Hub, limit = 0) {
    this.#hub = hub;
    this.#limit = limit;
  }

  joinSnapshot(room: string): PresenceSnapshot {
    return countOnly(room, this.#hub.registry.userCount(room), this.#limit) ?? this.snapshot(room);
  }

  snapshot(room: string): PresenceSnapshot {
    return this.#hub.presence(room);
  }

  rooms(): RoomSummary[] {
    return this.#hub.rooms().map(({ room, members }) => ({ room, members }));
  }
}

/** A cluster's answers, from the shared membership. */
export class ClusterPresenceReader implements PresenceReader {
  readonly #presence: ClusterPresence;
  readonly #limit: number;

  /** `limit`: `limits.presenceNoticeLimit` (0: none). */
  constructor(presence: ClusterPresence, limit = 0) {
    this.#presence = presence;
    this.#limit = limit;
  }

  async joinSnapshot(room: string): Promise<PresenceSnapshot> {
    if (this.#limit === 0) return this.snapshot(room);
    return countOnly(room, await this.#presence.count(room), this.#limit) ?? this.snapshot(room);
  }

  snapshot(room: string): Promise<PresenceSnapshot> {
    return this.#presence.snapshot(room);
  }

  rooms(): Promise<RoomSummary[]> {
    return this.#presence.rooms();
  }
}
