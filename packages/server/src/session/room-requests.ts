import {
  ErrorCode,
  type JoinEnvelope,
  type JoinResult,
  type PresenceSnapshot,
  type RequestId,
  type StreamPosition,
} from '@switchyard/protocol';
import type { ServerConnection } from './connection.js';
import type { JoinHistory } from '../history/room-history.js';
import type { ResolvedRoomPolicy } from '../protection/room-policy.js';
import type { DispatchDeps } from './dispatch-types.js';
import { countRuleViolation, replyError, replyOk } from './replies.js';
import type { RoomAuthorizer } from './room-authorizer.js';

type RoomDeps = Pick<DispatchDeps, 'hub' | 'rules' | 'policies' | 'presence' | 'history' | 'metrics' | 'logger'>;

/**
 * The room requests of a client: `join`, `leave` and `presence-get`. Each gets exactly one reply;
 * after every await the connection is checked again, and a closed one gets nothing.
 */
export class RoomRequests {
  readonly #d: RoomDeps;
  readonly #authorizer: RoomAuthorizer;

  constructor(deps: RoomDeps, authorizer: RoomAuthorizer) {
    this.#d = deps;
    this.#authorizer = authorizer;
  }

  /** Joins a room when the rules, the token and the hooks allow it, then answers. */
  async join(conn: ServerConnection, envelope: JoinEnvelope): Promise<void> {
    const { id, room } = envelope;
    if (!this.#roomRulesAllow(conn, id, room, true)) return;
    const allowed = await this.#authorizer.authorize(conn, 'join', room);
    if (conn.closed) return;
    if (!allowed) return replyError(conn, id, ErrorCode.FORBIDDEN, `not allowed to join '${room}'`);
    // Re-check the room count: other joins may have completed while the hook ran.
    if (!this.#roomRulesAllow(conn, id, room, false)) return;
    const policy = this.#d.policies.resolve(room);
    const deferred = policy.history !== undefined && this.#d.history.deferSubscribe;
    const presence = envelope.presence === true;
    this.#d.hub.join(conn, room, presence, !deferred, envelope.presenceCount === true);
    // In a cluster, the reply waits until other nodes' pushes to the room reach this node: a
    // member hears everything published after its join reply.
    const subscribed = this.#d.hub.roomReady(room);
    if (subscribed !== undefined) {
      await subscribed;
      if (conn.closed) return;
    }
    let snapshot = presence && policy.presence ? this.#joinSnapshot(conn, room) : undefined;
    if (snapshot instanceof Promise) {
      snapshot = await snapshot;
      if (conn.closed) return;
    }
    const base: JoinResult = snapshot === undefined ? { room } : { room, presence: snapshot };
    await this.#finishJoin(conn, id, base, policy, envelope.since, deferred);
  }

  /** Leaves a room (never refused) and answers. */
  leave(conn: ServerConnection, id: RequestId, room: string): void {
    conn.leave(room);
    replyOk(conn, id, { room });
  }

  /** Answers with the members of a room, when the connection may read them. */
  async presenceGet(conn: ServerConnection, id: RequestId, room: string): Promise<void> {
    const bad = this.#d.rules.checkName(room);
    if (bad) {
      countRuleViolation(this.#d.metrics, bad);
      return replyError(conn, id, bad.code, bad.message);
    }
    const allowed =
      (await this.#authorizer.authorize(conn, 'presence', room)) && this.#d.policies.resolve(room).presence;
    if (conn.closed) return;
    if (!allowed) return replyError(conn, id, ErrorCode.FORBIDDEN, `not allowed to read presence of '${room}'`);
    let snapshot;
    try {
      snapshot = await this.#d.presence.snapshot(room);
    } catch (err) {
      this.#d.logger.warn({ event: 'presence_unavailable', connectionId: conn.id, room, err }, 'presence read failed');
      return replyError(conn, id, ErrorCode.UNAVAILABLE, 'presence is unavailable: the cluster cannot be reached');
    }
    if (conn.closed) return;
    replyOk(conn, id, snapshot);
  }

  /** Checks the room name and the rooms-per-connection limit; false after answering a refusal. */
  #roomRulesAllow(conn: ServerConnection, id: RequestId, room: string, logLimit: boolean): boolean {
    const bad = this.#d.rules.checkJoin(room, conn.roomCount, conn.inRoom(room));
    if (!bad) return true;
    countRuleViolation(this.#d.metrics, bad);
    if (logLimit && bad.code === ErrorCode.LIMIT_EXCEEDED) {
      this.#d.logger.info(
        {
          event: 'limit_exceeded',
          limit: 'rooms_per_connection',
          connectionId: conn.id,
          userId: conn.userId,
          ip: conn.ip,
        },
        'room limit reached',
      );
    }
    replyError(conn, id, bad.code, bad.message);
    return false;
  }

  /** The members for a join that asked for presence (synchronous on a single node). */
  #joinSnapshot(conn: ServerConnection, room: string): PresenceSnapshot | Promise<PresenceSnapshot> {
    const snapshot = this.#d.presence.joinSnapshot(room);
    if (!(snapshot instanceof Promise)) return snapshot;
    return snapshot.catch((err: unknown) => {
      // The join itself worked; without the cluster's membership, this node's members answer.
      this.#d.logger.warn({ event: 'presence_unavailable', connectionId: conn.id, room, err }, 'presence read failed');
      return this.#d.hub.presence(room);
    });
  }

  async #finishJoin(
    conn: ServerConnection,
    id: RequestId,
    base: JoinResult,
    policy: ResolvedRoomPolicy,
    since: StreamPosition | undefined,
    deferred: boolean,
  ): Promise<void> {
    if (policy.history === undefined) {
      return replyOk(conn, id, since === undefined ? base : { ...base, recovered: false });
    }
    let prepared: JoinHistory | Promise<JoinHistory> = this.#d.history.prepareJoin(base.room, policy.history, since);
    if (prepared instanceof Promise) {
      prepared = await prepared.catch((err: unknown) => {
        // The join stands; without the history, no recovery can be promised.
        this.#d.logger.warn(
          { event: 'history_unavailable', connectionId: conn.id, room: base.room, err },
          'history read failed',
        );
        return { finish: () => ({ ...(since === undefined ? {} : { recovered: false }), pushes: [] }) };
      });
      if (conn.closed) return;
    }
    // The reply is the boundary (protocol §9.1): the reply, the recovered pushes and the member's
    // first live push leave in this order, in this one synchronous block.
    const { recovered, position, pushes } = prepared.finish();
    replyOk(conn, id, {
      ...base,
      ...(recovered === undefined ? {} : { recovered }),
      ...(position === undefined ? {} : { offset: position.offset, epoch: position.epoch }),
    } satisfies JoinResult);
    for (const push of pushes) conn.sendFrame(push.frame(conn.codecImpl), 'push');
    if (deferred) this.#d.hub.subscribeRoom(conn, base.room);
  }
}
