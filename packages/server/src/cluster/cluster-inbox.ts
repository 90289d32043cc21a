import { NoticeCode } from '@switchyard/protocol';
import type { Hub } from '../rooms/hub.js';
import type { Logger } from '../log.js';
import { EncodedPush } from '../publish/encoded-push.js';
import type { WireFormats } from '../publish/wire-formats.js';
import type { PresenceFanOut } from '../rooms/presence-fan-out.js';
import type { BrokerListener } from './broker.js';
import type { RecentPushes } from './recent-pushes.js';
import { decodeClusterMessage, type ClusterMessage, type GapMessage } from './wire.js';

/** What {@link ClusterInbox} is built from. */
export interface ClusterInboxDeps {
  readonly nodeId: string;
  readonly hub: Hub;
  readonly formats: WireFormats;
  readonly fanOut: PresenceFanOut;
  /** Pushes of rooms with history, recorded as this node delivers them (for joins that recover). */
  readonly recent: RecentPushes;
  readonly logger: Logger;
  /** Closes this node's connections of a user (`server.disconnectUser` on another node). */
  disconnectUser(userId: string, code: number): void;
  /** The link to the engine changed; `true` after it was down means: rebuild the shared membership. */
  linkChanged(connected: boolean): void;
}

const CUT_OFF = 'messages published while this node was cut off from the cluster may be missing';

/**
 * What this node does with messages from the other nodes: room pushes go to its members (frames
 * in the format they arrived in untouched, other formats encoded once), user-directed operations
 * act on its connections, presence changes reach its members that asked for them, and gaps are
 * announced with a `GAP` notice. Its own messages, echoed back by the engine, are ignored.
 */
export class ClusterInbox implements BrokerListener {
  readonly #d: ClusterInboxDeps;

  constructor(deps: ClusterInboxDeps) {
    this.#d = deps;
  }

  roomMessage(room: string, bytes: Uint8Array): void {
    const message = this.#decode(bytes);
    if (message === undefined) return;
    // A room with history delivers from the engine on every node, the publishing one included.
    if (message.kind === 'push' && message.offset !== undefined && message.room === room) {
      this.#historyPush(room, message);
      return;
    }
    if (message.origin === this.#d.nodeId) {
      if (message.kind === 'mark') this.#d.recent.marked(message.token);
      return;
    }
    if (message.kind === 'push' && message.room === room) this.#push(message.room, message);
    else if (message.kind === 'gap') this.#gap(message);
  }

  #historyPush(room: string, message: Extract<ClusterMessage, { kind: 'push' }>): void {
    const { formats } = this.#d;
    let envelope;
    try {
      envelope = formats.decodePush(message.format, message.frame);
    } catch (err) {
      this.#d.logger.warn({ event: 'cluster_message_refused', room, err }, 'refused a push from another node');
      return;
    }
    const position = { offset: message.offset as number, epoch: message.epoch as string };
    const push = EncodedPush.of({ ...envelope, room, ...position }, message.key);
    this.#d.recent.record(room, push);
    const except =
      message.origin === this.#d.nodeId && message.except !== undefined
        ? this.#d.hub.connections.get(message.except)
        : undefined;
    this.#d.hub.fanOut(push, except);
  }

  controlMessage(bytes: Uint8Array): void {
    const message = this.#decode(bytes);
    if (message === undefined || message.origin === this.#d.nodeId) return;
    switch (message.kind) {
      case 'user-push': {
        const conns = this.#d.hub.userConnections(message.userId);
        if (conns.length === 0) return;
        const push = this.#fromFrame(undefined, undefined, message.format, message.frame);
        this.#d.hub.sendToEach(conns, push);
        return;
      }
      case 'disconnect-user':
        this.#d.disconnectUser(message.userId, message.code);
        return;
      case 'presence':
        this.#d.fanOut.announce({
          room: message.room,
          change: message.change,
          userId: message.userId,
          connections: message.connections,
        });
        return;
      case 'gap':
        this.#gap(message);
        return;
      case 'push':
      case 'mark':
        return;
    }
  }

  linkChanged(connected: boolean): void {
    this.#d.linkChanged(connected);
  }

  resubscribed(rooms: readonly string[]): void {
    for (const room of rooms) this.#notifyGap(room, undefined, CUT_OFF);
  }

  #push(room: string, message: Extract<ClusterMessage, { kind: 'push' }>): void {
    this.#d.hub.fanOut(this.#fromFrame(room, message.key, message.format, message.frame));
  }

  #fromFrame(
    room: string | undefined,
    key: string | undefined,
    format: Extract<ClusterMessage, { kind: 'push' }>['format'],
    frame: Uint8Array | string,
  ): EncodedPush {
    const { formats } = this.#d;
    // A format this node does not serve still decodes; no member of this node needs its frame.
    const codec = formats.byId(format) ?? formats.decoderFor(format);
    return EncodedPush.fromFrame(room, key, codec, frame, () => formats.decodePush(format, frame));
  }

  #gap(message: GapMessage): void {
    this.#notifyGap(message.room, message.missed, 'messages for this room were lost between nodes');
  }

  #notifyGap(room: string, missed: number | undefined, text: string): void {
    for (const conn of this.#d.hub.registry.members(room)) {
      conn.send(
        missed === undefined
          ? { t: 'notice', code: NoticeCode.GAP, room, message: text }
          : { t: 'notice', code: NoticeCode.GAP, room, missed, message: text },
      );
    }
  }

  #decode(bytes: Uint8Array): ClusterMessage | undefined {
    try {
      return decodeClusterMessage(bytes);
    } catch (err) {
      // A node of an incompatible release, or corruption: never fatal, always visible.
      this.#d.logger.warn({ event: 'cluster_message_refused', err }, 'refused a message from another node');
      return undefined;
    }
  }
}
