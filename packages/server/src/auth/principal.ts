/** The authenticated user behind a connection. */
export interface Principal {
  /** The token's `sub`. */
  readonly userId: string;
  /** Every claim of the verified token, frozen. */
  readonly claims: Readonly<Record<string, unknown>>;
  /** Token expiry in milliseconds since the epoch, from `exp`; absent when the token has none. */
  readonly expiresAt?: number;
  /** Room patterns from the `rooms` claim, for example `['chat:*']`; absent when the token has none. */
  readonly rooms?: readonly string[];
}

/** Prefix of the user id given to anonymous connections. */
export const ANONYMOUS_USER_PREFIX = 'anonymous:';

/**
 * The principal of a connection that arrived without a token while `auth.allowAnonymous` is on.
 * Its user id is `anonymous:<connectionId>`, so no two anonymous connections share a user, and
 * its only claim is `anonymous: true`.
 */
export function anonymousPrincipal(connectionId: string): Principal {
  return Object.freeze({
    userId: `${ANONYMOUS_USER_PREFIX}${connectionId}`,
    claims: Object.freeze({ anonymous: true }),
  });
}
