import type { PresenceSnapshot } from '@switchyard/protocol';

/** A user-level presence change decided by the cluster's shared membership. */
export interface ClusterPresenceChange {
  readonly room: string;
  readonly userId: string;
  readonly change: 'join' | 'leave';
  /** The user's connections in the room, cluster-wide, after the change. */
  readonly connections: number;
}

/**
 * Room membership shared by every node of a cluster: who is in which room, counted per user
 * across nodes, so that presence notices, snapshots and room lists answer for the whole cluster.
 */
export interface ClusterPresence {
  /** This node's connection of `userId` entered `room`; `firstForUser` is cluster-wide. */
  join(room: string, userId: string): Promise<{ firstForUser: boolean; connections: number }>;
  /** This node's connection of `userId` left `room`; `lastForUser` is cluster-wide. */
  leave(room: string, userId: string): Promise<{ lastForUser: boolean; connections: number }>;
  /** Who is in `room`, on every node, sorted by user id. */
  snapshot(room: string): Promise<PresenceSnapshot>;
  /** Every room with members anywhere (`members`: distinct users). */
  rooms(): Promise<{ room: string; members: number }[]>;
  /** Replaces this node's contribution with `local` (room → user → connections) after a reconnect; returns the changes to announce. */
  resync(local: ReadonlyMap<string, ReadonlyMap<string, number>>): Promise<ClusterPresenceChange[]>;
  /** Starts heartbeats and the reaper; `reaped` gets the users removed because their node stopped heartbeating. */
  start(reaped: (changes: { room: string; userId: string; connections: number }[]) => void): void;
  /** Removes this node's entries and its liveness. */
  close(): Promise<void>;
}
