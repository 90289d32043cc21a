export { AuthError, type AuthFailureReason } from './auth-error.js';
export { anonymousPrincipal, ANONYMOUS_USER_PREFIX, type Principal } from './principal.js';
export { extractToken, type UpgradeCredentials } from './extract-token.js';
export {
  createTokenVerifier,
  signToken,
  MAX_TOKEN_LENGTH,
  DEFAULT_CLOCK_TOLERANCE_SEC,
  type TokenVerifier,
  type TokenClaims,
  type SignTokenOptions,
} from './jwt.js';
export { JWT_ALGORITHMS, type JwtAlgorithm } from './algorithms.js';
