import { ErrorCode, type ClientEnvelope, type RequestId } from '@switchyard/protocol';
import type { ServerConnection } from './connection.js';
import type { RequestResult } from './router.js';
import type { DispatchDeps, HandlerContext } from './dispatch-types.js';
import { ClientPublishes } from './client-publishes.js';
import { RateGate } from './rate-gate.js';
import { logDispatchFailure, replyError, replyOk } from './replies.js';
import { RoomAuthorizer } from './room-authorizer.js';
import { RoomRequests } from './room-requests.js';
import { TokenRefresh } from './token-refresh.js';

export type { DispatchDeps, HandlerContext, QueuedPublish } from './dispatch-types.js';

/**
 * Handles decoded client envelopes. Everything that needs an answer gets exactly one reply;
 * authorization hooks may be asynchronous, so the connection is re-checked after each await.
 */
export class ClientDispatcher {
  readonly #d: DispatchDeps;
  readonly #rates: RateGate;
  readonly #rooms: RoomRequests;
  readonly #publishes: ClientPublishes;
  readonly #refresh: TokenRefresh;

  constructor(deps: DispatchDeps) {
    this.#d = deps;
    const authorizer = new RoomAuthorizer(deps.hooks, deps.metrics, deps.logger);
    this.#rates = new RateGate(deps.metrics, deps.logger);
    this.#rooms = new RoomRequests(deps, authorizer);
    this.#publishes = new ClientPublishes(deps, authorizer);
    this.#refresh = new TokenRefresh(deps.verifier, deps.logger, authorizer);
  }

  /** Handles one envelope from `conn`. */
  handle(conn: ServerConnection, envelope: ClientEnvelope): void {
    this.#d.hub.requests?.received(conn, envelope);
    if (!this.#rates.admit(conn, envelope)) return;
    switch (envelope.t) {
      case 'ping':
        if (!this.#rates.allowControl(conn)) return;
        conn.send(envelope.ts === undefined ? { t: 'pong' } : { t: 'pong', ts: envelope.ts });
        return;
      case 'pong':
        this.#rates.allowControl(conn);
        return;
      case 'reply':
        if (conn.settleReply(envelope) || !this.#rates.allowControl(conn)) return;
        this.#d.logger.debug(
          { event: 'late_reply', connectionId: conn.id, id: envelope.id },
          'reply for no pending request',
        );
        return;
      case 'request':
        this.#request(conn, envelope.id, envelope.name, envelope.data);
        return;
      case 'event':
        this.#event(conn, envelope.event, envelope.data);
        return;
      case 'join':
        this.#guard(conn, this.#rooms.join(conn, envelope));
        return;
      case 'leave':
        this.#rooms.leave(conn, envelope.id, envelope.room);
        return;
      case 'publish':
        this.#publishes.publish(conn, envelope);
        return;
      case 'presence-get':
        this.#guard(conn, this.#rooms.presenceGet(conn, envelope.id, envelope.room));
        return;
      case 'refresh':
        this.#refresh.refresh(conn, envelope.id, envelope.token);
        return;
    }
  }

  /** Logs an unexpected failure of an asynchronous step instead of leaving a rejection unhandled. */
  #guard(conn: ServerConnection, work: Promise<void>): void {
    work.catch((err: unknown) => logDispatchFailure(this.#d.logger, conn, err));
  }

  #ctx(conn: ServerConnection): HandlerContext {
    return { conn, userId: conn.userId, claims: conn.claims };
  }

  #event(conn: ServerConnection, name: string, data: unknown): void {
    if (!this.#d.router.event(this.#ctx(conn), name, data)) {
      this.#d.logger.debug({ event: 'unknown_event', connectionId: conn.id, name }, 'no handler for event');
    }
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
      // The handler returned something the codec cannot encode (a BigInt, a cycle, bytes for JSON).
      this.#d.metrics.handlerError('request');
      this.#d.logger.error(
        { event: 'reply_encode_failed', connectionId: conn.id, name, err },
        'reply could not be encoded',
      );
      replyError(conn, id, ErrorCode.INTERNAL, 'internal error');
    }
  }
}
