import type { Connection } from '../session/connection.js';

/** What a client asks to do with a room. */
export type RoomAction = 'join' | 'publish' | 'presence';

/** Who is asking, for an {@link AuthorizeHook}. */
export interface AuthorizeContext {
  /** The connection asking. */
  readonly conn: Connection;
  /** The token's `sub`. */
  readonly userId: string;
  /** The verified token claims. */
  readonly claims: Readonly<Record<string, unknown>>;
}

/**
 * Decides whether a client may join, publish to or read presence of a room. Return (or resolve)
 * `true` to allow; anything else, or a throw, denies with `FORBIDDEN`.
 * @example
 * server.authorize((ctx, action, room) => room.startsWith(`user:${ctx.userId}:`) || action !== 'publish');
 */
export type AuthorizeHook = (ctx: AuthorizeContext, action: RoomAction, room: string) => boolean | Promise<boolean>;
