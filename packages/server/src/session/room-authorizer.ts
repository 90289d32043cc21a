import {
  ClaimMatchers,
  createRoomMatcher,
  type AuthorizeContext,
  type AuthorizeHook,
  type RoomAction,
} from '../rooms/authorize.js';
import type { ServerConnection } from './connection.js';
import type { Logger } from '../log.js';
import type { ServerMetrics } from '../metrics/metrics.js';

/**
 * Decides whether a connection may join, publish to or read the presence of a room: the token's
 * `rooms` claim first, then every authorize hook in order. A throw or a non-`true` answer denies.
 */
export class RoomAuthorizer {
  readonly #hooks: readonly AuthorizeHook[];
  readonly #metrics: ServerMetrics;
  readonly #logger: Logger;
  // A token without a `rooms` claim restricts nothing: one shared matcher, no entry per connection.
  readonly #matchers = new ClaimMatchers<ServerConnection>(createRoomMatcher(undefined));

  constructor(hooks: readonly AuthorizeHook[], metrics: ServerMetrics, logger: Logger) {
    this.#hooks = hooks;
    this.#metrics = metrics;
    this.#logger = logger;
  }

  /** True when `conn` may do `action` in `room`; a promise once a hook answers with one. */
  authorize(conn: ServerConnection, action: RoomAction, room: string): boolean | Promise<boolean> {
    if (!this.claimAllows(conn)(room)) return false;
    const hooks = this.#hooks;
    if (hooks.length === 0) return true;
    const ctx: AuthorizeContext = { conn, userId: conn.userId, claims: conn.claims };
    // Stay synchronous while the hooks are, so publishes need no extra tick.
    for (let i = 0; i < hooks.length; i++) {
      let answer: boolean | Promise<boolean>;
      try {
        answer = hooks[i]!(ctx, action, room);
      } catch (error) {
        return this.#failed(conn, action, error);
      }
      if (answer instanceof Promise) {
        return answer.then(
          (ok) => (ok === true ? this.#runFrom(conn, ctx, action, room, i + 1) : false),
          (error: unknown) => this.#failed(conn, action, error),
        );
      }
      if (answer !== true) return false;
    }
    return true;
  }

  /** The test of `conn`'s `rooms` claim, cached per connection while the claim stays the same. */
  claimAllows(conn: ServerConnection): (room: string) => boolean {
    return this.#matchers.of(conn, conn.roomClaim);
  }

  async #runFrom(
    conn: ServerConnection,
    ctx: AuthorizeContext,
    action: RoomAction,
    room: string,
    from: number,
  ): Promise<boolean> {
    const hooks = this.#hooks;
    for (let i = from; i < hooks.length; i++) {
      try {
        if ((await hooks[i]!(ctx, action, room)) !== true) return false;
      } catch (error) {
        return this.#failed(conn, action, error);
      }
    }
    return true;
  }

  #failed(conn: ServerConnection, action: RoomAction, error: unknown): false {
    this.#metrics.handlerError('authorize');
    this.#logger.error(
      { event: 'authorize_failed', connectionId: conn.id, action, err: error },
      'authorize hook threw',
    );
    return false;
  }
}
