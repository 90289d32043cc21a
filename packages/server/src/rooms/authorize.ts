import { compileRoomPattern, type RoomPattern } from '../protection/room-policy.js';
export type { AuthorizeContext, AuthorizeHook, RoomAction } from './authorize-hook.js';

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
