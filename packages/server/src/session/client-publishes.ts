import { ErrorCode, type PublishEnvelope } from '@switchyard/protocol';
import type { ServerConnection } from './connection.js';
import type { DispatchDeps } from './dispatch-types.js';
import { countRuleViolation, logDispatchFailure, replyError } from './replies.js';
import type { RoomAuthorizer } from './room-authorizer.js';

type PublishDeps = Pick<DispatchDeps, 'rules' | 'publishGate' | 'publishes' | 'metrics' | 'logger'>;

/**
 * Client `publish` messages: the room name, the publish gate and the authorization decide; an
 * allowed publish waits for the next batch. A refused one is answered when it has an id, else
 * logged at debug level.
 */
export class ClientPublishes {
  readonly #d: PublishDeps;
  readonly #authorizer: RoomAuthorizer;
  // Publishes of a connection stay in order even when an authorize hook is asynchronous.
  readonly #chains = new WeakMap<ServerConnection, Promise<void>>();

  constructor(deps: PublishDeps, authorizer: RoomAuthorizer) {
    this.#d = deps;
    this.#authorizer = authorizer;
  }

  /** Checks one publish and queues it when allowed. */
  publish(conn: ServerConnection, envelope: PublishEnvelope): void {
    const { room, id } = envelope;
    const bad = this.#d.rules.checkName(room);
    if (bad) {
      countRuleViolation(this.#d.metrics, bad);
      if (id !== undefined) replyError(conn, id, bad.code, bad.message);
      return;
    }
    const refused = this.#d.publishGate.check(conn, envelope);
    if (refused) {
      if (id !== undefined) replyError(conn, id, refused.code, refused.message);
      else this.#d.logger.debug({ event: 'publish_denied', connectionId: conn.id, room }, refused.message);
      return;
    }
    const chain = this.#chains.get(conn);
    const allowed = chain === undefined ? this.#authorizer.authorize(conn, 'publish', room) : undefined;
    if (typeof allowed === 'boolean') {
      this.#enqueue(conn, envelope, allowed);
      return;
    }
    const next = (chain ?? Promise.resolve())
      .then(() => allowed ?? this.#authorizer.authorize(conn, 'publish', room))
      .then((ok) => this.#enqueue(conn, envelope, ok))
      .catch((err: unknown) => logDispatchFailure(this.#d.logger, conn, err));
    this.#chains.set(conn, next);
    void next.then(() => {
      if (this.#chains.get(conn) === next) this.#chains.delete(conn);
    });
  }

  #enqueue(conn: ServerConnection, envelope: PublishEnvelope, allowed: boolean): void {
    if (conn.closed) return;
    const { room, id } = envelope;
    if (!allowed) {
      if (id !== undefined) replyError(conn, id, ErrorCode.FORBIDDEN, `not allowed to publish to '${room}'`);
      else this.#d.logger.debug({ event: 'publish_denied', connectionId: conn.id, room }, 'publish denied');
      return;
    }
    this.#d.publishes.push({ conn, envelope, enqueuedAt: performance.now() });
  }
}
