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

/**
 * The matchers of a room-pattern claim (`rooms`, `publish`), one per connection, kept while the
 * connection's claim is the same array: a refreshed token brings a new one, and the matcher follows.
 */
export class ClaimMatchers<K extends object> {
  readonly #cache = new WeakMap<K, { claim: readonly string[]; test: RoomMatcher }>();
  readonly #withoutClaim: RoomMatcher;

  /** `withoutClaim`: the one matcher shared by every connection whose token has no such claim. */
  constructor(withoutClaim: RoomMatcher) {
    this.#withoutClaim = withoutClaim;
  }

  /** The matcher of `claim`, the claim `key` holds now. */
  of(key: K, claim: readonly string[] | undefined): RoomMatcher {
    if (claim === undefined) return this.#withoutClaim;
    const cached = this.#cache.get(key);
    if (cached && cached.claim === claim) return cached.test;
    const test = createRoomMatcher(claim);
    this.#cache.set(key, { claim, test });
    return test;
  }
}
