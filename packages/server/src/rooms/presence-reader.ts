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
}

/** The single node's answers, from its own registry (synchronous). */
export class LocalPresenceReader implements PresenceReader {
  readonly #hub: Hub;

  constructor(hub: Hub) {
    this.#hub = hub;
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

  constructor(presence: ClusterPresence) {
    this.#presence = presence;
  }

  snapshot(room: string): Promise<PresenceSnapshot> {
    return this.#presence.snapshot(room);
  }

  rooms(): Promise<RoomSummary[]> {
    return this.#presence.rooms();
  }
}
