import type { PushEnvelope, StreamPosition } from '@switchyard/protocol';
import type { ServerConnection } from '../session/connection.js';
import type { ApiHistoryPage, ApiHistoryQuery } from '../http/facade.js';
import type { HistoryPolicy } from '../config/options.js';
import type { EncodedPush } from '../publish/encoded-push.js';
import type { HistoryUsage } from './history.js';

/** How a push to a room with history is delivered. */
export type HistoryPublish =
  /** On a single node: the push, with its position, to hand to this node's members now. */
  | { readonly push: EncodedPush; readonly position: StreamPosition }
  /** In a cluster: the engine gives the position and every node (this one too) delivers its echo. */
  | { readonly pending: Promise<StreamPosition> };

/** A join's history answer, completed in the synchronous block that sends the reply. */
export interface JoinHistory {
  /** `recovered` (when `since` was sent), the position for the reply, and the pushes that follow it. */
  finish(): { recovered?: boolean; position?: StreamPosition; pushes: readonly EncodedPush[] };
}

/**
 * Rooms with history as the session and the publish path see them (docs/protocol.md §9). The
 * single node keeps them in memory and answers synchronously; a cluster keeps them in Redis.
 */
export interface RoomHistory {
  /**
   * True when a joining member must be subscribed to the room's topic only in the block that
   * sends the reply (the cluster: live pushes before the reply would not be in the recovery).
   */
  readonly deferSubscribe: boolean;
  /** Gives a push its offset and keeps it. @throws what a codec throws for data it cannot encode */
  publish(
    room: string,
    policy: HistoryPolicy,
    envelope: PushEnvelope,
    key: string | undefined,
    except?: ServerConnection,
  ): HistoryPublish;
  /** Prepares a join's answer: the position, and with `since` the recovery. */
  prepareJoin(
    room: string,
    policy: HistoryPolicy,
    since: StreamPosition | undefined,
  ): JoinHistory | Promise<JoinHistory>;
  /** A page for `GET /v1/rooms/:room/history`. */
  page(room: string, policy: HistoryPolicy, query: ApiHistoryQuery): ApiHistoryPage | Promise<ApiHistoryPage>;
  /** The first offset of `skipped` messages that end at the room's latest, for a slow consumer's `GAP`. */
  firstSkipped(room: string, skipped: number): number | undefined;
  /** What this process holds for recovery (nothing when the history lives in Redis). */
  readonly usage: HistoryUsage;
  close(): void | Promise<void>;
}

/** A page's messages in the HTTP API's shape. */
export function pageMessages(entries: readonly { offset: number; push: EncodedPush }[]): ApiHistoryPage['messages'] {
  return entries.map(({ offset, push }) => {
    const { event, data, from } = push.envelope;
    const message = data === undefined ? { offset, event } : { offset, event, data };
    return from === undefined ? message : { ...message, from };
  });
}
