import { CloseCode, ErrorCode, NoticeCode, type RequestId } from '@switchyard/protocol';
import { AuthError, type Principal, type TokenVerifier } from '../auth/index.js';
import type { ServerConnection } from './connection.js';
import type { Logger } from '../log.js';
import { replyError, replyOk } from './replies.js';
import type { RoomAuthorizer } from './room-authorizer.js';

/**
 * In-band token refresh: a valid token for the same user replaces the connection's claims and
 * expiry, and the rooms its `rooms` claim no longer allows are left. A token for another user
 * closes the connection (4003).
 */
export class TokenRefresh {
  readonly #verifier: TokenVerifier | undefined;
  readonly #logger: Logger;
  readonly #authorizer: RoomAuthorizer;

  constructor(verifier: TokenVerifier | undefined, logger: Logger, authorizer: RoomAuthorizer) {
    this.#verifier = verifier;
    this.#logger = logger;
    this.#authorizer = authorizer;
  }

  /** Handles one `refresh` request and answers it. */
  refresh(conn: ServerConnection, id: RequestId, token: string): void {
    if (!this.#verifier) return replyError(conn, id, ErrorCode.UNAUTHORIZED, 'this server verifies no tokens');
    let principal: Principal;
    try {
      principal = this.#verifier.verify(token);
    } catch (error) {
      const reason = error instanceof AuthError ? error.reason : 'invalid_token';
      this.#logger.info(
        { event: 'refresh_rejected', connectionId: conn.id, userId: conn.userId, reason },
        'refresh rejected',
      );
      return replyError(conn, id, ErrorCode.UNAUTHORIZED, reason);
    }
    if (principal.userId !== conn.userId) {
      this.#logger.warn(
        { event: 'refresh_rejected', connectionId: conn.id, userId: conn.userId, reason: 'subject_changed' },
        'refresh rejected',
      );
      replyError(conn, id, ErrorCode.UNAUTHORIZED, 'the new token is for another user');
      conn.end(CloseCode.TOKEN_INVALID, 'token subject changed', 'kicked');
      return;
    }
    conn.refreshToken(principal);
    this.#revokeRooms(conn);
    replyOk(conn, id, principal.expiresAt === undefined ? {} : { expiresAt: principal.expiresAt });
    conn.scheduleExpiry();
  }

  /** Leaves every room the (new) `rooms` claim no longer allows, telling the client which and why. */
  #revokeRooms(conn: ServerConnection): void {
    const allowed = this.#authorizer.claimAllows(conn);
    for (const room of conn.roomNames()) {
      if (allowed(room)) continue;
      conn.leave(room);
      this.#logger.info({ event: 'room_revoked', connectionId: conn.id, userId: conn.userId, room }, 'room revoked');
      conn.send({
        t: 'notice',
        code: NoticeCode.ROOM_REVOKED,
        room,
        message: "the refreshed token's rooms claim does not allow this room",
      });
    }
  }
}
