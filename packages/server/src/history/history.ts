import type { StreamPosition } from '@switchyard/protocol';
import type { HistoryPolicy } from '../config/options.js';
import type { EncodedPush } from '../publish/encoded-push.js';

/** What a recovery read found. */
export interface HistoryRead {
  /** True when `pushes` are every message after the requested position (docs/protocol.md §9.2). */
  readonly recovered: boolean;
  /** The room's current position: its latest offset (0 before the first message) and epoch. */
  readonly position: StreamPosition;
  /** The messages after the requested position, oldest first (empty unless recovered). */
  readonly pushes: readonly EncodedPush[];
}

/** One kept message, for the HTTP API. */
export interface HistoryEntry {
  readonly offset: number;
  readonly push: EncodedPush;
}

/** A page of a room's history, for `GET /v1/rooms/:room/history`. */
export interface HistoryPage {
  readonly position: StreamPosition;
  /** False when messages right after `since` were trimmed (the page starts later) or the epoch differs. */
  readonly complete: boolean;
  readonly entries: readonly HistoryEntry[];
}

/** Messages and bytes a history store holds, for metrics. */
export interface HistoryUsage {
  readonly messages: number;
  readonly bytes: number;
}

/**
 * Where rooms with history keep their streams. Every operation is synchronous: a recovery read,
 * the join reply and the replay leave in one turn, so no live push can come between them.
 */
export interface HistoryStore {
  /** Gives the next message of `room` its offset and keeps it; `build` makes the push for that position. */
  append(room: string, policy: HistoryPolicy, build: (position: StreamPosition) => EncodedPush): EncodedPush;
  /** The room's current position (offset 0 in a fresh epoch when nothing was kept). */
  position(room: string, policy: HistoryPolicy): StreamPosition;
  /** The messages after `since`, when history still holds all of them. */
  read(room: string, policy: HistoryPolicy, since: StreamPosition): HistoryRead;
  /** Up to `limit` messages after offset `since` (of `epoch` when given). */
  page(room: string, policy: HistoryPolicy, since: number, limit: number, epoch?: string): HistoryPage;
  /** The offset of the first message after `skipped` ones ending at the room's current offset. */
  firstSkipped(room: string, skipped: number): number | undefined;
  readonly usage: HistoryUsage;
  close(): void;
}
