/** Why a connection could not be authenticated. Also the `reason` label of rejected upgrades. */
export type AuthFailureReason = 'missing_token' | 'invalid_token' | 'expired_token';

/**
 * A token was missing or refused. The message is short and safe to send in an HTTP 401 body:
 * it never contains the token nor configured values such as the expected issuer.
 */
export class AuthError extends Error {
  override readonly name = 'AuthError';
  /** Why authentication failed. */
  readonly reason: AuthFailureReason;

  constructor(reason: AuthFailureReason, message: string) {
    super(message);
    this.reason = reason;
  }
}
