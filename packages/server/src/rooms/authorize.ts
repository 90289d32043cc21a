import { compileRoomPattern, type RoomPattern } from '../protection/room-policy.js';
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

/** Tests a room name against a token's `rooms` claim. */
export type RoomMatcher = (room: string) => boolean;

const allowAll: RoomMatcher = () => true;

/**
 * Builds a matcher from a token's `rooms` claim: `*` matches any run of characters. No claim
 * means the token does not restrict rooms; an empty list allows none.
 */
export function createRoomMatcher(patterns: readonly string[] | undefined): RoomMatcher {
  if (patterns === undefined) return allowAll;
  const exact = new Set<string>();
  const wild: RoomPattern[] = [];
  for (const p of patterns) {
    if (p.includes('*')) wild.push(compileRoomPattern(p));
    else exact.add(p);
  }
  return (room) => exact.has(room) || wild.some((re) => re.test(room));
}
