import type { PresenceMember, PresenceSnapshot } from '@switchyard/protocol';

/** What a room registry needs to know about a member. */
export interface RoomMember {
  readonly userId: string;
}

/** The result of adding a member to a room. */
export interface JoinChange {
  /** True when this is the user's first connection in the room. */
  readonly firstForUser: boolean;
  /** The user's connections in the room after the change. */
  readonly connections: number;
  /** True when the room had no member before. */
  readonly firstInRoom: boolean;
}

/** The result of removing a member from a room. */
export interface LeaveChange {
  /** True when the user's last connection left the room. */
  readonly lastForUser: boolean;
  readonly connections: number;
  /** True when the room has no member left. */
  readonly lastInRoom: boolean;
}

// A room of two members or more. A room of one is stored as its member, with no Room, Set or Map:
// rooms of one (a user's inbox, a document one person has open) are common and each would
// otherwise cost ~0.5 KB of heap.
class SharedRoom<M> {
  readonly members = new Set<M>();
  /** userId -> connections of that user in the room. */
  readonly users = new Map<string, number>();

  add(member: M, userId: string): number {
    this.members.add(member);
    const connections = (this.users.get(userId) ?? 0) + 1;
    this.users.set(userId, connections);
    return connections;
  }
}

type Entry<M> = M | SharedRoom<M>;

const EMPTY: ReadonlySet<never> = new Set();

/**
 * Room membership and presence bookkeeping (who is where, per-user connection counts). Delivery
 * goes through transport topics; this registry is read for presence, listings, the rare
 * broadcasts a single topic cannot express, and the send-buffer looks after room traffic.
 */
export class RoomRegistry<M extends RoomMember> {
  readonly #rooms = new Map<string, Entry<M>>();
  #subscriptions = 0;

  /** Adds `member` to `room`; returns undefined when it was already a member. */
  add(room: string, member: M): JoinChange | undefined {
    const entry = this.#rooms.get(room);
    if (entry === undefined) {
      this.#rooms.set(room, member);
      this.#subscriptions++;
      return { firstForUser: true, connections: 1, firstInRoom: true };
    }
    let shared: SharedRoom<M>;
    if (entry instanceof SharedRoom) {
      if (entry.members.has(member)) return undefined;
      shared = entry;
    } else {
      if (entry === member) return undefined;
      shared = new SharedRoom<M>();
      shared.add(entry, entry.userId);
      this.#rooms.set(room, shared);
    }
    this.#subscriptions++;
    const connections = shared.add(member, member.userId);
    return { firstForUser: connections === 1, connections, firstInRoom: false };
  }

  /** Removes `member` from `room`; returns undefined when it was not a member. */
  remove(room: string, member: M): LeaveChange | undefined {
    const entry = this.#rooms.get(room);
    if (entry === undefined) return undefined;
    if (!(entry instanceof SharedRoom)) {
      if (entry !== member) return undefined;
      this.#rooms.delete(room);
      this.#subscriptions--;
      return { lastForUser: true, connections: 0, lastInRoom: true };
    }
    if (!entry.members.delete(member)) return undefined;
    this.#subscriptions--;
    const connections = (entry.users.get(member.userId) ?? 1) - 1;
    if (connections === 0) entry.users.delete(member.userId);
    else entry.users.set(member.userId, connections);
    // Back to a room of one: keep the member alone, drop the Set and the Map.
    if (entry.members.size === 1) this.#rooms.set(room, entry.members.values().next().value as M);
    return { lastForUser: connections === 0, connections, lastInRoom: false };
  }

  has(room: string, member: M): boolean {
    const entry = this.#rooms.get(room);
    return entry instanceof SharedRoom ? entry.members.has(member) : entry === member;
  }

  /** The members of a room (empty when the room does not exist). */
  members(room: string): ReadonlySet<M> {
    const entry = this.#rooms.get(room);
    if (entry === undefined) return EMPTY;
    return entry instanceof SharedRoom ? entry.members : new Set([entry]);
  }

  /** Number of members (connections) of a room. */
  memberCount(room: string): number {
    const entry = this.#rooms.get(room);
    return entry === undefined ? 0 : entry instanceof SharedRoom ? entry.members.size : 1;
  }

  /** Who is in a room: user ids with connection counts, sorted by user id. */
  presence(room: string): PresenceSnapshot {
    const entry = this.#rooms.get(room);
    const members: PresenceMember[] = [];
    if (entry instanceof SharedRoom) {
      for (const [userId, connections] of entry.users) members.push({ userId, connections });
    } else if (entry !== undefined) {
      members.push({ userId: entry.userId, connections: 1 });
    }
    members.sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
    return { room, members };
  }

  /** Distinct users in a room. */
  userCount(room: string): number {
    const entry = this.#rooms.get(room);
    return entry === undefined ? 0 : entry instanceof SharedRoom ? entry.users.size : 1;
  }

  /** Every non-empty room's users and their connection counts (for rebuilding a cluster's shared membership). */
  usersByRoom(): Map<string, ReadonlyMap<string, number>> {
    return new Map(
      [...this.#rooms].map(([room, entry]) => [
        room,
        entry instanceof SharedRoom ? new Map(entry.users) : new Map([[entry.userId, 1]]),
      ]),
    );
  }

  /** Every non-empty room with its member (connection) count. */
  list(): { room: string; members: number }[] {
    return [...this.#rooms].map(([room, entry]) => ({
      room,
      members: entry instanceof SharedRoom ? entry.members.size : 1,
    }));
  }

  /** Number of non-empty rooms. */
  get size(): number {
    return this.#rooms.size;
  }

  /** Total memberships across rooms. */
  get subscriptions(): number {
    return this.#subscriptions;
  }
}
