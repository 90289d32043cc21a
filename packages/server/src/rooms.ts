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

interface Room<M> {
  readonly members: Set<M>;
  /** userId -> connections of that user in the room. */
  readonly users: Map<string, number>;
}

/**
 * Room membership and presence bookkeeping (who is where, per-user connection counts). Delivery
 * goes through transport topics; this registry is read for presence, listings and the rare
 * broadcasts a single topic cannot express.
 */
export class RoomRegistry<M extends RoomMember> {
  readonly #rooms = new Map<string, Room<M>>();
  #subscriptions = 0;

  /** Adds `member` to `room`; returns undefined when it was already a member. */
  add(room: string, member: M): JoinChange | undefined {
    let entry = this.#rooms.get(room);
    const firstInRoom = entry === undefined;
    if (!entry) {
      entry = { members: new Set(), users: new Map() };
      this.#rooms.set(room, entry);
    }
    if (entry.members.has(member)) return undefined;
    entry.members.add(member);
    this.#subscriptions++;
    const connections = (entry.users.get(member.userId) ?? 0) + 1;
    entry.users.set(member.userId, connections);
    return { firstForUser: connections === 1, connections, firstInRoom };
  }

  /** Removes `member` from `room`; returns undefined when it was not a member. */
  remove(room: string, member: M): LeaveChange | undefined {
    const entry = this.#rooms.get(room);
    if (!entry || !entry.members.delete(member)) return undefined;
    this.#subscriptions--;
    const connections = (entry.users.get(member.userId) ?? 1) - 1;
    if (connections === 0) entry.users.delete(member.userId);
    else entry.users.set(member.userId, connections);
    const lastInRoom = entry.members.size === 0;
    if (lastInRoom) this.#rooms.delete(room);
    return { lastForUser: connections === 0, connections, lastInRoom };
  }

  has(room: string, member: M): boolean {
    return this.#rooms.get(room)?.members.has(member) ?? false;
  }

  /** The members of a room (empty when the room does not exist). */
  members(room: string): ReadonlySet<M> {
    return this.#rooms.get(room)?.members ?? new Set();
  }

  /** Who is in a room: user ids with connection counts, sorted by user id. */
  presence(room: string): PresenceSnapshot {
    const users = this.#rooms.get(room)?.users;
    const members: PresenceMember[] = [];
    if (users) for (const [userId, connections] of users) members.push({ userId, connections });
    members.sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
    return { room, members };
  }

  /** Distinct users in a room. */
  userCount(room: string): number {
    return this.#rooms.get(room)?.users.size ?? 0;
  }

  /** Every non-empty room's users and their connection counts (for rebuilding a cluster's shared membership). */
  usersByRoom(): Map<string, ReadonlyMap<string, number>> {
    return new Map([...this.#rooms].map(([room, entry]) => [room, new Map(entry.users)]));
  }

  /** Every non-empty room with its member (connection) count. */
  list(): { room: string; members: number }[] {
    return [...this.#rooms].map(([room, entry]) => ({ room, members: entry.members.size }));
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
