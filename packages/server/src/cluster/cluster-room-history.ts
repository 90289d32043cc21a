import { randomBytes } from 'node:crypto';
import type { PushEnvelope, StreamPosition } from '@switchyard/protocol';
import type { ServerConnection } from '../session/connection.js';
import type { ApiHistoryPage, ApiHistoryQuery } from '../http/facade.js';
import { pageMessages, type HistoryPublish, type JoinHistory, type RoomHistory } from '../history/room-history.js';
import type { HistoryPolicy } from '../config/options.js';
import { EncodedPush } from '../publish/encoded-push.js';
import { formatId, type WireFormats } from '../publish/wire-formats.js';
import type { RecentPushes } from './recent-pushes.js';
import type { RedisHistory, StoredMessage } from './redis-history.js';
import { encodeClusterMessage } from './wire.js';

/** What {@link ClusterRoomHistory} is built from. */
export interface ClusterRoomHistoryDeps {
  readonly nodeId: string;
  /** Prefix of the broker's channels: a room's channel is `<prefix>:room:<room>`. */
  readonly prefix: string;
  readonly store: RedisHistory;
  readonly recent: RecentPushes;
  readonly formats: WireFormats;
}

/** How long a join waits for this node to have delivered what Redis says was published, ms. */
const CATCH_UP_MS = 2_000;

/**
 * A cluster's rooms with history, kept in Redis. A publish takes its offset and reaches the
 * room's channel in one Lua script, and every node — this one included — delivers it from the
 * channel, so members everywhere receive a room's messages in offset order. A join reads Redis,
 * then completes with what this node delivered since (RecentPushes) before it subscribes the
 * member: the reply stays the boundary of protocol §9.1.
 */
export class ClusterRoomHistory implements RoomHistory {
  readonly deferSubscribe = true;
  /** Redis keeps the messages: this process holds none. */
  readonly usage = { messages: 0, bytes: 0 };
  readonly #d: ClusterRoomHistoryDeps;

  constructor(deps: ClusterRoomHistoryDeps) {
    this.#d = deps;
  }

  publish(
    room: string,
    policy: HistoryPolicy,
    envelope: PushEnvelope,
    key: string | undefined,
    except?: ServerConnection,
  ): HistoryPublish {
    const { canonical } = this.#d.formats;
    // Encoded here, without position: data no codec can carry throws before anything is written.
    const frame = EncodedPush.of(envelope).frame(canonical);
    const message = encodeClusterMessage({
      kind: 'push',
      origin: this.#d.nodeId,
      room,
      format: formatId(canonical),
      frame,
      ...(except === undefined ? {} : { except: except.id }),
      ...(key === undefined ? {} : { key }),
    });
    return { pending: this.#d.store.appendAndPublish(room, policy, frame, message, `${this.#d.prefix}:room:${room}`) };
  }

  async prepareJoin(room: string, policy: HistoryPolicy, since: StreamPosition | undefined): Promise<JoinHistory> {
    // The read publishes a marker on the room's channel: once it is back, every message the read
    // saw has reached this node, and what came after it is in RecentPushes.
    const token = randomBytes(8).toString('hex');
    const marker = {
      channel: `${this.#d.prefix}:room:${room}`,
      message: encodeClusterMessage({ kind: 'mark', origin: this.#d.nodeId, token }),
    };
    const back = this.#d.recent.mark(token, CATCH_UP_MS);
    const read =
      since === undefined
        ? { recovered: undefined, position: await this.#d.store.position(room, policy, marker), messages: [] }
        : await this.#d.store.read(room, policy, since, marker);
    const { epoch, offset } = read.position;
    const caughtUp = await back;
    const stored = read.messages.map((m) => this.#decode(room, m, epoch));
    return {
      finish: () => {
        const tail = caughtUp ? this.#d.recent.after(room, epoch, offset) : undefined;
        if (tail === undefined) {
          // This node cannot prove what it delivered since the read: never claim a recovery.
          return { ...(since === undefined ? {} : { recovered: false }), position: read.position, pushes: [] };
        }
        const last = tail.at(-1)?.envelope.offset ?? offset;
        const position = { offset: last, epoch };
        if (read.recovered === false) return { recovered: false, position, pushes: [] };
        return {
          ...(read.recovered === undefined ? {} : { recovered: true }),
          position,
          pushes: read.recovered === undefined ? [] : [...stored, ...tail],
        };
      },
    };
  }

  async page(room: string, policy: HistoryPolicy, query: ApiHistoryQuery): Promise<ApiHistoryPage> {
    const page = await this.#d.store.page(room, policy, query.since, query.limit, query.epoch);
    const entries = page.messages.map((m) => ({ offset: m.offset, push: this.#decode(room, m, page.position.epoch) }));
    return { room, ...page.position, complete: page.complete, messages: pageMessages(entries) };
  }

  firstSkipped(room: string, skipped: number): number | undefined {
    const top = this.#d.recent.top(room);
    return top === undefined ? undefined : top - skipped + 1;
  }

  async close(): Promise<void> {
    await this.#d.store.close();
  }

  #decode(room: string, message: StoredMessage, epoch: string): EncodedPush {
    const { formats } = this.#d;
    const envelope = formats.decodePush(formatId(formats.canonical), message.frame);
    return EncodedPush.of({ ...envelope, room, offset: message.offset, epoch });
  }
}
