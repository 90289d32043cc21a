import type { PresenceSnapshot } from '@switchyard/protocol';

/** A user whose presence in a room appeared or vanished, cluster-wide. */
export interface PresenceChange {
  readonly room: string;
  readonly userId: string;
  readonly change: 'join' | 'leave';
  /** The user's connections in the room, cluster-wide, after the change (0 for a leave). */
  readonly connections: number;
}

/** A user removed from a room because the node holding its connections stopped heartbeating. */
export interface ReapedMember {
  readonly room: string;
  readonly userId: string;
  /** The user's connections in the room, cluster-wide, after the removal: always 0 (a leave). */
  readonly connections: number;
}

/** This node's members: room -> user id -> connections. */
export type LocalMembership = ReadonlyMap<string, ReadonlyMap<string, number>>;

/** Cluster-wide membership and presence (the seam; Redis implements it in redis-presence.ts). */
export interface ClusterPresence {
  /** This node's connection of `userId` entered `room`; `firstForUser` and `connections` are cluster-wide. */
  join(room: string, userId: string): Promise<{ firstForUser: boolean; connections: number }>;
  /** This node's connection of `userId` left `room`; `lastForUser` and `connections` are cluster-wide. */
  leave(room: string, userId: string): Promise<{ lastForUser: boolean; connections: number }>;
  /** Who is in `room` on any node, sorted by user id. */
  snapshot(room: string): Promise<PresenceSnapshot>;
  /** Distinct users in `room` on any node (one HLEN: cheap enough to read once per turn). */
  count(room: string): Promise<number>;
  /** Every room with members anywhere; `members` counts distinct users. Sorted by room. */
  rooms(): Promise<{ room: string; members: number }[]>;
  /** Replaces this node's contribution with `local` (after a reconnect); returns user-level changes to announce. */
  resync(local: LocalMembership): Promise<PresenceChange[]>;
  /** Starts heartbeats and the reaper; `reaped` gets the users removed because their node stopped heartbeating (leave notices). */
  start(reaped: (changes: ReapedMember[]) => void): void;
  /** Removes this node's entries and its liveness. */
  close(): Promise<void>;
}
