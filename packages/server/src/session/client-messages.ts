import {
  CloseCode,
  ErrorCode,
  NoticeCode,
  type ClientEnvelope,
  type ErrorCode as ErrorCodeType,
  type JoinEnvelope,
  type JoinResult,
  type PresenceSnapshot,
  type PublishEnvelope,
  type RequestId,
} from '@switchyard/protocol';
import { AuthError, type TokenVerifier } from '../auth/index.js';
import { createRoomMatcher, type AuthorizeContext, type AuthorizeHook, type RoomAction } from '../rooms/authorize.js';
import type { ServerConnection } from './connection.js';
import type { Hub } from '../rooms/hub.js';
import type { Logger } from '../log.js';
import type { ServerMetrics } from '../metrics/metrics.js';
import type { RoomPolicies } from '../protection/room-policy.js';
import type { RoomRuleViolation, RoomRules } from '../protection/room-rules.js';
import type { DeferredQueue } from '../publish/publish-queue.js';
import type { RequestResult, Router } from './router.js';
import type { PresenceReader } from '../rooms/presence-reader.js';
import type { RoomHistory } from '../history/room-history.js';
import type { PublishGate } from '../publish/publish-gate.js';

/** A client publish waiting for the next batch. */
export interface QueuedPublish {
  readonly conn: ServerConnection;
  readonly envelope: PublishEnvelope;
  readonly enqueuedAt: number;
}

/** Context handed to request and event handlers. */
export interface HandlerContext {
  readonly conn: ServerConnection;
  readonly userId: string;
  readonly claims: Readonly<Record<string, unknown>>;
}

/** What the dispatcher reads. */
export interface DispatchDeps {
  readonly hub: Hub;
  readonly router: Router<HandlerContext>;
  readonly hooks: readonly AuthorizeHook[];
  readonly verifier: TokenVerifier | undefined;
  readonly rules: RoomRules;
  readonly policies: RoomPolicies;
  readonly publishes: DeferredQueue<QueuedPublish>;
  /** Client publishing is opt-in per room or per token, and bytes are refused where JSON members listen. */
  readonly publishGate: PublishGate;
  /** Who is where: this node's registry, or the cluster's shared membership. */
  readonly presence: PresenceReader;
  /** Rooms with history: join positions and recovery. */
  readonly history: RoomHistory;
  readonly metrics: ServerMetrics;
  readonly logger: Logger;
}

// Envelopes that answer or keep alive: metered by the connection's separate, generous control
// bucket instead (a reply that settles a pending server request is never metered).
const CONTROL = new Set<ClientEnvelope['t']>(['ping', 'pong', 'reply']);

function replyError(conn: ServerConnection, id: RequestId, code: ErrorCodeType, message: string): void {
  conn.send({ t: 'reply', id, ok: false, error: { code, message } });
}

function replyOk(conn: ServerConnection, id: RequestId, data?: unknown): void {
  conn.send(data === undefined ? { t: 'reply', id, ok: true } : { t: 'reply', id, ok: true, data });
}

function idOf(envelope: ClientEnvelope): RequestId | undefined {
  return 'id' in envelope ? envelope.id : undefined;
}

const ALLOW_ALL_ROOMS = createRoomMatcher(undefined);

/**
 * Handles decoded client envelopes. Everything that needs an answer gets exactly one reply;
 * authorization hooks may be asynchronous, so the connection is re-checked after each await.
 */
export class ClientDispatcher {
  readonly #d: DispatchDeps;
  readonly #matchers = new WeakMap<ServerConnection, { claim: unknown; test: (room: string) => boolean }>();
  // Publishes of a connection stay in order even when an authorize hook is asynchronous.
  readonly #publishChains = new WeakMap<ServerConnection, Promise<void>>();

  constructor(deps: DispatchDeps) {
    this.#d = deps;
  }

  /** Handles one envelope from `conn`. */
  handle(conn: ServerConnection, envelope: ClientEnvelope): void {
    this.#d.hub.requests?.received(conn, envelope);
    if (!CONTROL.has(envelope.t)) {
      const decision = conn.rate.check();
      if (decision !== 'allow') {
        this.#d.metrics.rateLimited();
        if (decision === 'close') {
          // The message that tips the connection over is answered too; later ones never arrive.
          const id = idOf(envelope);
          if (id !== undefined) replyError(conn, id, ErrorCode.RATE_LIMITED, 'message rate limit exceeded');
          this.#closeRateLimited(conn, 'message_rate');
          return;
        }
        // One line per burst of violations, not per message.
        if (conn.rate.recentViolations() === 1) {
          this.#d.logger.info(
            {
              event: 'limit_exceeded',
              limit: 'message_rate',
              action: 'reject',
              connectionId: conn.id,
              userId: conn.userId,
              ip: conn.ip,
            },
            'rate limit exceeded',
          );
        }
        const id = idOf(envelope);
        if (id !== undefined) replyError(conn, id, ErrorCode.RATE_LIMITED, 'message rate limit exceeded');
        return;
      }
    }
    switch (envelope.t) {
      case 'ping':
        if (!this.#allowControl(conn)) return;
        conn.send(envelope.ts === undefined ? { t: 'pong' } : { t: 'pong', ts: envelope.ts });
        return;
      case 'pong':
        this.#allowControl(conn);
        return;
      case 'reply':
        if (conn.settleReply(envelope) || !this.#allowControl(conn)) return;
        this.#d.logger.debug(
          { event: 'late_reply', connectionId: conn.id, id: envelope.id },
          'reply for no pending request',
        );
        return;
      case 'request':
        this.#request(conn, envelope.id, envelope.name, envelope.data);
        return;
      case 'event':
        if (!this.#d.router.event(this.#ctx(conn), envelope.event, envelope.data)) {
          this.#d.logger.debug(
            { event: 'unknown_event', connectionId: conn.id, name: envelope.event },
            'no handler for event',
          );
        }
        return;
      case 'join':
        this.#guard(conn, this.#join(conn, envelope, envelope.presence === true));
        return;
      case 'leave':
        conn.leave(envelope.room);
        replyOk(conn, envelope.id, { room: envelope.room });
        return;
      case 'publish':
        this.#publish(conn, envelope);
        return;
      case 'presence-get':
        this.#guard(conn, this.#presenceGet(conn, envelope.id, envelope.room));
        return;
      case 'refresh':
        this.#refresh(conn, envelope.id, envelope.token);
        return;
    }
  }

  /** Meters a `ping`, `pong` or unsolicited `reply`; false when it must be skipped. */
  #allowControl(conn: ServerConnection): boolean {
    const decision = conn.controlRate.check();
    if (decision === 'allow') return true;
    this.#d.metrics.rateLimited();
    if (decision === 'close') this.#closeRateLimited(conn, 'control_rate');
    return false;
  }

  #closeRateLimited(conn: ServerConnection, limit: 'message_rate' | 'control_rate'): void {
    this.#d.logger.warn(
      { event: 'limit_exceeded', limit, action: 'close', connectionId: conn.id, userId: conn.userId, ip: conn.ip },
      'rate limit: closing',
    );
    conn.end(CloseCode.RATE_LIMITED, 'rate limited', 'rate_limited');
  }

  /** Logs an unexpected failure of an asynchronous step instead of leaving a rejection unhandled. */
  #guard(conn: ServerConnection, work: Promise<void>): void {
    work.catch((err: unknown) => this.#failed(conn, err));
  }

  #failed(conn: ServerConnection, err: unknown): void {
    this.#d.logger.error({ event: 'dispatch_failed', connectionId: conn.id, err }, 'handling a client message failed');
  }

  #countRule(violation: RoomRuleViolation): void {
    this.#d.metrics.limitRejected(violation.code === ErrorCode.LIMIT_EXCEEDED ? 'rooms_per_connection' : 'room_name');
  }

  #ctx(conn: ServerConnection): HandlerContext {
    return { conn, userId: conn.userId, claims: conn.claims };
  }

  #request(conn: ServerConnection, id: RequestId, name: string, data: unknown): void {
    const result = this.#d.router.request(this.#ctx(conn), name, data);
    // A synchronous handler is answered in the same tick, without a promise or a closure.
    if (!(result instanceof Promise)) {
      this.#reply(conn, id, name, result);
      return;
    }
    void result.then((settled) => this.#reply(conn, id, name, settled));
  }

  #reply(conn: ServerConnection, id: RequestId, name: string, result: RequestResult): void {
    // Duration and outcome are recorded when the reply leaves (InboundRequests).
    if (!result.ok) return replyError(conn, id, result.error.code, result.error.message);
    try {
      replyOk(conn, id, result.data);
    } catch (err) {
      // The handler returned something the codec cannot encode (a BigInt, a cycle).
      this.#d.metrics.handlerError('request');
      this.#d.logger.error(
        { event: 'reply_encode_failed', connectionId: conn.id, name, err },
        'reply could not be encoded',
      );
      replyError(conn, id, ErrorCode.INTERNAL, 'internal error');
    }
  }

  /** Token `rooms` claim first, then every hook; a throw or a non-`true` answer denies. */
  #authorize(conn: ServerConnection, action: RoomAction, room: string): boolean | Promise<boolean> {
    if (!this.#matcher(conn)(room)) return false;
    const hooks = this.#d.hooks;
    if (hooks.length === 0) return true;
    const ctx: AuthorizeContext = { conn, userId: conn.userId, claims: conn.claims };
    const fail = (error: unknown): false => {
      this.#d.metrics.handlerError('authorize');
      this.#d.logger.error(
        { event: 'authorize_failed', connectionId: conn.id, action, err: error },
        'authorize hook threw',
      );
      return false;
    };
    const run = async (from: number): Promise<boolean> => {
      for (let i = from; i < hooks.length; i++) {
        try {
          if ((await hooks[i]!(ctx, action, room)) !== true) return false;
        } catch (error) {
          return fail(error);
        }
      }
      return true;
    };
    // Stay synchronous while the hooks are, so publishes need no extra tick.
    for (let i = 0; i < hooks.length; i++) {
      let answer: boolean | Promise<boolean>;
      try {
        answer = hooks[i]!(ctx, action, room);
      } catch (error) {
        return fail(error);
      }
      if (answer instanceof Promise) {
        return answer.then(
          (ok) => (ok === true ? run(i + 1) : false),
          (error: unknown) => fail(error),
        );
      }
      if (answer !== true) return false;
    }
    return true;
  }

  #matcher(conn: ServerConnection): (room: string) => boolean {
    // A token without a `rooms` claim restricts nothing: one shared matcher, no entry per connection.
    if (conn.roomClaim === undefined) return ALLOW_ALL_ROOMS;
    const cached = this.#matchers.get(conn);
    if (cached && cached.claim === conn.roomClaim) return cached.test;
    const test = createRoomMatcher(conn.roomClaim);
    this.#matchers.set(conn, { claim: conn.roomClaim, test });
    return test;
  }

  async #join(conn: ServerConnection, envelope: JoinEnvelope, presence: boolean): Promise<void> {
    const { id, room, since } = envelope;
    const bad = this.#d.rules.checkJoin(room, conn.roomCount, conn.inRoom(room));
    if (bad) {
      this.#countRule(bad);
      if (bad.code === ErrorCode.LIMIT_EXCEEDED) {
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
      return replyError(conn, id, bad.code, bad.message);
    }
    const allowed = await this.#authorize(conn, 'join', room);
    if (conn.closed) return;
    if (!allowed) return replyError(conn, id, ErrorCode.FORBIDDEN, `not allowed to join '${room}'`);
    // Re-check the room count: other joins may have completed while the hook ran.
    const late = this.#d.rules.checkJoin(room, conn.roomCount, conn.inRoom(room));
    if (late) {
      this.#countRule(late);
      return replyError(conn, id, late.code, late.message);
    }
    const policy = this.#d.policies.resolve(room);
    const deferred = policy.history !== undefined && this.#d.history.deferSubscribe;
    this.#d.hub.join(conn, room, presence, !deferred, envelope.presenceCount === true);
    // In a cluster, the reply waits until other nodes' pushes to the room reach this node: a
    // member hears everything published after its join reply.
    const subscribed = this.#d.hub.roomReady(room);
    if (subscribed !== undefined) {
      await subscribed;
      if (conn.closed) return;
    }
    let snapshot: PresenceSnapshot | Promise<PresenceSnapshot> | undefined =
      presence && policy.presence ? this.#d.presence.joinSnapshot(room) : undefined;
    if (snapshot instanceof Promise) {
      snapshot = await snapshot.catch((err: unknown) => {
        // The join itself worked; without the cluster's membership, this node's members answer.
        this.#d.logger.warn(
          { event: 'presence_unavailable', connectionId: conn.id, room, err },
          'presence read failed',
        );
        return this.#d.hub.presence(room);
      });
      if (conn.closed) return;
    }
    const base: JoinResult = snapshot === undefined ? { room } : { room, presence: snapshot };
    if (policy.history === undefined) {
      return replyOk(conn, id, since === undefined ? base : { ...base, recovered: false });
    }
    let prepared = this.#d.history.prepareJoin(room, policy.history, since);
    if (prepared instanceof Promise) {
      prepared = await prepared.catch((err: unknown) => {
        // The join stands; without the history, no recovery can be promised.
        this.#d.logger.warn({ event: 'history_unavailable', connectionId: conn.id, room, err }, 'history read failed');
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
    if (deferred) this.#d.hub.subscribeRoom(conn, room);
  }

  #publish(conn: ServerConnection, envelope: PublishEnvelope): void {
    const { room, id } = envelope;
    const bad = this.#d.rules.checkName(room);
    if (bad) {
      this.#countRule(bad);
      if (id !== undefined) replyError(conn, id, bad.code, bad.message);
      return;
    }
    const refused = this.#d.publishGate.check(conn, envelope);
    if (refused) {
      if (id !== undefined) replyError(conn, id, refused.code, refused.message);
      else this.#d.logger.debug({ event: 'publish_denied', connectionId: conn.id, room }, refused.message);
      return;
    }
    const enqueue = (allowed: boolean): void => {
      if (conn.closed) return;
      if (!allowed) {
        if (id !== undefined) replyError(conn, id, ErrorCode.FORBIDDEN, `not allowed to publish to '${room}'`);
        else this.#d.logger.debug({ event: 'publish_denied', connectionId: conn.id, room }, 'publish denied');
        return;
      }
      this.#d.publishes.push({ conn, envelope, enqueuedAt: performance.now() });
    };
    const chain = this.#publishChains.get(conn);
    const allowed = chain === undefined ? this.#authorize(conn, 'publish', room) : undefined;
    if (typeof allowed === 'boolean') {
      enqueue(allowed);
      return;
    }
    const next = (chain ?? Promise.resolve())
      .then(() => allowed ?? this.#authorize(conn, 'publish', room))
      .then(enqueue)
      .catch((err: unknown) => this.#failed(conn, err));
    this.#publishChains.set(conn, next);
    void next.then(() => {
      if (this.#publishChains.get(conn) === next) this.#publishChains.delete(conn);
    });
  }

  async #presenceGet(conn: ServerConnection, id: RequestId, room: string): Promise<void> {
    const bad = this.#d.rules.checkName(room);
    if (bad) {
      this.#countRule(bad);
      return replyError(conn, id, bad.code, bad.message);
    }
    const allowed = (await this.#authorize(conn, 'presence', room)) && this.#d.policies.resolve(room).presence;
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

  #refresh(conn: ServerConnection, id: RequestId, token: string): void {
    if (!this.#d.verifier) return replyError(conn, id, ErrorCode.UNAUTHORIZED, 'this server verifies no tokens');
    let principal;
    try {
      principal = this.#d.verifier.verify(token);
    } catch (error) {
      const reason = error instanceof AuthError ? error.reason : 'invalid_token';
      this.#d.logger.info(
        { event: 'refresh_rejected', connectionId: conn.id, userId: conn.userId, reason },
        'refresh rejected',
      );
      return replyError(conn, id, ErrorCode.UNAUTHORIZED, reason);
    }
    if (principal.userId !== conn.userId) {
      this.#d.logger.warn(
        { event: 'refresh_rejected', connectionId: conn.id, userId: conn.userId, reason: 'subject_changed' },
        'refresh rejected',
      );
      replyError(conn, id, ErrorCode.UNAUTHORIZED, 'the new token is for another user');
      conn.end(CloseCode.TOKEN_INVALID, 'token subject changed', 'kicked');
      return;
    }
    conn.claims = principal.claims;
    conn.expiresAt = principal.expiresAt;
    conn.roomClaim = principal.rooms;
    this.#revokeRooms(conn);
    replyOk(conn, id, principal.expiresAt === undefined ? {} : { expiresAt: principal.expiresAt });
    conn.scheduleExpiry();
  }

  /** Leaves every room the (new) `rooms` claim no longer allows, telling the client which and why. */
  #revokeRooms(conn: ServerConnection): void {
    const allowed = this.#matcher(conn);
    for (const room of conn.roomNames()) {
      if (allowed(room)) continue;
      conn.leave(room);
      this.#d.logger.info({ event: 'room_revoked', connectionId: conn.id, userId: conn.userId, room }, 'room revoked');
      conn.send({
        t: 'notice',
        code: NoticeCode.ROOM_REVOKED,
        room,
        message: "the refreshed token's rooms claim does not allow this room",
      });
    }
  }
}
